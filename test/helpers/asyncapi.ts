import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';

type PayloadName = 'StatusPayload' | 'ReadingPayload' | 'HistoryPayload' | 'AlertPayload' | 'HealthPayload' | 'ClockCorrectionEvent';

interface AsyncApiDoc {
  components: { schemas: Record<string, unknown> };
}

/**
 * Validators for the payload schemas of gateway/uplink/asyncapi.yaml, compiled from the document
 * itself (its `#/components/schemas/...` references resolve inside it), so a test checks real
 * payloads against the same contract integrators read.
 */
export function payloadValidators(): Record<PayloadName, ValidateFunction> {
  const doc = parse(readFileSync(new URL('../../gateway/uplink/asyncapi.yaml', import.meta.url), 'utf8')) as AsyncApiDoc;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addSchema({ $id: 'asyncapi', components: doc.components });
  const get = (name: PayloadName) => {
    const validate = ajv.getSchema(`asyncapi#/components/schemas/${name}`);
    if (!validate) throw new Error(`schema ${name} not found in asyncapi.yaml`);
    return validate;
  };
  return {
    StatusPayload: get('StatusPayload'),
    ReadingPayload: get('ReadingPayload'),
    HistoryPayload: get('HistoryPayload'),
    AlertPayload: get('AlertPayload'),
    HealthPayload: get('HealthPayload'),
    ClockCorrectionEvent: get('ClockCorrectionEvent'),
  };
}

/** Which schema a topic's payload must match. */
export function schemaForTopic(topic: string): PayloadName {
  if (topic.endsWith('/status')) return 'StatusPayload';
  if (topic.endsWith('/readings')) return 'ReadingPayload';
  if (topic.endsWith('/history')) return 'HistoryPayload';
  if (topic.endsWith('/alerts')) return 'AlertPayload';
  if (topic.endsWith('/health')) return 'HealthPayload';
  if (topic.endsWith('/events')) return 'ClockCorrectionEvent';
  throw new Error(`no payload schema for topic ${topic}`);
}
