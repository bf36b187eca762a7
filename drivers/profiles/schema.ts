import { z } from 'zod';
import { durationMs, identifier } from '../../core/units.ts';
import { modbusPointSchema } from '../modbus/config-schema.ts';

/**
 * A Modbus device profile: one data file per device model in drivers/profiles/ (YAML). It says
 * where each value lives and how to decode it, and where those numbers came from. Adding a
 * supported device is writing one of these; no code.
 */
export const modbusProfileSchema = z
  .strictObject({
    /** The file name without extension; what a device's `profile:` names. */
    model: identifier,
    /** Human name: `80 GHz radar level sensor (HLK-LD8001H class)`. */
    name: z.string().min(1),
    manufacturer: z.string().optional(),
    /** The reading kind this device produces (flood-level, water-quality, air-quality, digital-io ...). */
    kind: z.string().min(1),
    /** Where the register map comes from: manual title and version, page, or public driver. */
    source: z.string().min(10),
    /** true only once the map was checked against a real device or its own manual. */
    verified: z.boolean(),
    notes: z.string().optional(),
    /** Defaults for devices of this model; a device entry in the config overrides them. */
    defaults: z
      .strictObject({
        interval: durationMs.optional(),
        timeout: durationMs.optional(),
        retries: z.number().int().min(0).max(5).optional(),
        /** Longest read this model accepts (some fail beyond ~20 registers). */
        maxRegistersPerRead: z.number().int().min(1).max(125).optional(),
        /** Largest run of unmapped registers a read may span; 0 when the device refuses gaps. */
        maxGap: z.number().int().min(0).max(124).optional(),
      })
      .default({}),
    /**
     * Devices that measure only when asked (a sonde asleep between readings): this read starts a
     * measurement, and the points are read `wait` later. The bus serves other devices meanwhile.
     */
    wake: z
      .strictObject({
        table: z.enum(['holding', 'input']).default('holding'),
        address: z.number().int().min(0).max(65535),
        count: z.number().int().min(1).max(125).default(1),
        wait: durationMs,
      })
      .optional(),
    points: z.array(modbusPointSchema).min(1),
  })
  .superRefine((profile, ctx) => {
    for (const problem of pointProblems(profile.points)) ctx.addIssue({ code: 'custom', path: ['points', ...problem.path], message: problem.message });
  });

type PointLike = z.output<typeof modbusPointSchema>;

/** Rules across a point's fields (shared by profiles and a device's own `points`). */
export function pointProblems(points: readonly PointLike[]): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const names = new Set<string>();
  points.forEach((point, i) => {
    if (names.has(point.name)) problems.push({ path: [i, 'name'], message: `duplicate point name "${point.name}"` });
    names.add(point.name);
    const bitTable = point.table === 'coil' || point.table === 'discrete';
    if (bitTable !== (point.type === 'bool')) problems.push({ path: [i, 'type'], message: bitTable ? `a ${point.table} point has type bool` : 'type bool is only for coil and discrete points' });
    if (point.type === 'bit' && point.bit === undefined) problems.push({ path: [i, 'bit'], message: 'a bit point needs `bit` (0-15)' });
    if (point.writable && (point.table === 'input' || point.table === 'discrete')) problems.push({ path: [i, 'writable'], message: `${point.table} points are read-only in Modbus` });
    if (point.writeFunction !== undefined && (point.table === 'coil') !== (point.writeFunction === 5 || point.writeFunction === 15)) problems.push({ path: [i, 'writeFunction'], message: 'coils are written with 5 or 15, registers with 6 or 16' });
  });
  return problems;
}

/** A validated profile, defaults applied. */
export type ModbusProfile = z.output<typeof modbusProfileSchema>;
