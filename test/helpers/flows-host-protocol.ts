import type { AlertInput } from '../../core/alert.ts';
import type { Reading } from '../../core/reading.ts';
import type { FlowsDeviceInfo, FlowsGatewayStatus } from '../../gateway/flows-host/types.ts';
import type { WriteRequest } from '../../drivers/types.ts';

/** What the test process passes to the flows child. */
export interface FlowsChildOptions {
  /** The raw gateway config (validated by the child with the real schema). */
  config: unknown;
  dataDir: string;
  flowsDir?: string;
  devices?: FlowsDeviceInfo[];
}

/** Test -> child. */
export type FlowsChildCommand =
  | { type: 'reading'; reading: Reading }
  | { type: 'status'; status: FlowsGatewayStatus }
  | { type: 'fail-writes'; device: string; reason: string | null }
  | { type: 'points'; device: string }
  | { type: 'stop' };

/** Child -> test. */
export type FlowsChildEvent =
  | { type: 'ready'; editorUrl: string | null; userDir: string }
  | { type: 'failed'; message: string }
  | { type: 'flows-started' }
  | { type: 'alert'; alert: AlertInput }
  | { type: 'write'; device: string; request: WriteRequest; ok: boolean }
  | { type: 'points'; device: string; points: Record<string, number | boolean> }
  | { type: 'flow-output'; node: string; port: number; msg: { payload?: unknown; [key: string]: unknown } };
