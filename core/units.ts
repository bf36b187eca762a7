import { z } from 'zod';

const durationUnitsMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const sizeUnitsBytes: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** Parses `500ms`, `10s`, `5m`, `2h`, `3d` (or a bare number of milliseconds) into milliseconds. */
export function parseDurationMs(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (durationUnitsMs[m[2]!] ?? NaN));
}

/** Parses `512MB`, `64KB`, `2GB`, `100B` (or a bare number of bytes) into bytes. */
export function parseSizeBytes(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)\s*$/i.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (sizeUnitsBytes[m[2]!.toUpperCase()] ?? NaN));
}

/** A duration in the config (`10s`), typed as milliseconds after parsing. */
export const durationMs = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 500ms, 10s, 5m, 2h or 3d, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});

/** A size in the config (`512MB`), typed as bytes after parsing. */
export const sizeBytes = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSizeBytes(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a size such as 64KB, 512MB or 2GB, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return bytes;
});

/** A short identifier that is safe inside an MQTT topic level and a file name. */
export const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-" (no spaces, "/", "+" or "#")');
