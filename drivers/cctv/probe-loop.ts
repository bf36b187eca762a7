import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/log.ts';
import { toError } from '../../core/errors.ts';
import type { FieldService } from '../types.ts';
import type { Camera } from './camera.ts';
import type { Probe } from './probe.ts';

/** Waits, or returns early (without throwing) when the signal aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted: the loop checks the signal next
  }
}

/**
 * A camera's probe loop: every probe on its own schedule (so a slow RTSP server never delays the
 * PoE check), results into the Camera, and a health reading every `readingIntervalMs`.
 */
export class CameraProbeLoop implements FieldService {
  readonly name: string;
  readonly #camera: Camera;
  readonly #readingIntervalMs: number;
  readonly #log: Logger;
  #controller: AbortController | undefined;
  #loops: Promise<void>[] = [];

  /** `log` is the camera's own logger (bound to its device id). */
  constructor(camera: Camera, readingIntervalMs: number, log: Logger) {
    this.name = `cctv:${camera.id}`;
    this.#camera = camera;
    this.#readingIntervalMs = readingIntervalMs;
    this.#log = log;
  }

  async start(signal: AbortSignal): Promise<void> {
    const controller = new AbortController();
    this.#controller = controller;
    const stop = AbortSignal.any([signal, controller.signal]);
    this.#loops = [...this.#camera.probes.map((probe) => this.#probeLoop(probe, stop)), this.#readingLoop(stop)];
  }

  async stop(): Promise<void> {
    this.#controller?.abort();
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  async #probeLoop(probe: Probe, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const startMs = Date.now();
      try {
        const result = await probe.run({ signal, log: this.#log });
        if (signal.aborted) break;
        this.#camera.record(result);
      } catch (error) {
        // Probes turn failures into results; reaching here is a bug, logged and survived.
        this.#log.error({ err: toError(error), probe: probe.name }, 'probe crashed');
      }
      await pause(Math.max(0, probe.intervalMs - (Date.now() - startMs)), signal);
    }
  }

  async #readingLoop(signal: AbortSignal): Promise<void> {
    for (;;) {
      await pause(this.#readingIntervalMs, signal);
      if (signal.aborted) return;
      try {
        this.#camera.emitNow();
      } catch (error) {
        this.#log.error({ err: toError(error) }, 'health reading failed');
      }
    }
  }
}
