import { z } from 'zod';
import { durationMs, identifier } from './units.ts';

/**
 * `devices[].family`: what the gateway computes at the edge for a device, by family. Used by every
 * device schema (Modbus and serial), so a water sonde on Modbus and one on SDI-12 are configured alike.
 */

/** Limits for one point; breaking one marks the point `uncertain` with a reason. */
export const pointLimitsSchema = z.strictObject({
  /** Plausible range (in the point's own unit). */
  min: z.number().optional(),
  max: z.number().optional(),
  /** Largest believable change between two consecutive readings (a spike is bigger). */
  maxStep: z.number().positive().optional(),
  /** A value that moves less than `flatlineTolerance` for this long is a flat-line (a dead sensor). */
  flatlineFor: durationMs.optional(),
  flatlineTolerance: z.number().min(0).default(0),
  /** This many identical consecutive values in a row is a stuck value (a frozen register). */
  stuckCount: z.number().int().min(2).optional(),
});

export type PointLimits = z.output<typeof pointLimitsSchema>;

/** Plausibility limits per point name. */
export const plausibilitySchema = z.record(identifier, pointLimitsSchema);

const common = {
  plausibility: plausibilitySchema.default({}),
  /** No reading with a value for this long raises a `stale-sensor` alert (cleared by the next one). */
  staleAfter: durationMs.optional(),
};

const lengthUnit = z.enum(['m', 'cm', 'mm']);

export const floodLevelFamilySchema = z.strictObject({
  type: z.literal('flood-level'),
  ...common,
  /** The value that carries the measurement (the profiles' `level_m`; `air_gap_m` for a radar in `distance` mode) and its unit. */
  point: identifier.default('level_m'),
  unit: lengthUnit.default('m'),
  datum: z
    .strictObject({
      /** `level`: the sensor reports water depth/level; `distance`: it reports the air gap down to the water (radar, ultrasonic). */
      mode: z.enum(['level', 'distance']).default('level'),
      /** Added to a `level` measurement to refer it to the station datum (m). */
      offsetM: z.number().default(0),
      /** For `distance`: the sensor's elevation above the station datum (m). */
      sensorElevationM: z.number().optional(),
    })
    .prefault({}),
  /**
   * Stage thresholds against the datum (m). With them, this family decides the stage and raises the
   * flood-stage, flood-rise and stale-sensor alerts (the flood flow then only follows its stage).
   * Without them, it reports level, rate of rise and below-bank only, and the flood flow's own
   * thresholds (editable in the Node-RED editor) decide the stage and raise the alerts: one place
   * decides, so the siren and the alert upstream always agree.
   * Stage thresholds against the datum (m), rising; stages clear `hysteresisM` below, after `minHold`. */
  stages: z
    .strictObject({
      watchM: z.number(),
      alertM: z.number(),
      criticalM: z.number(),
      hysteresisM: z.number().min(0).default(0.05),
      minHold: durationMs.default(300_000),
    })
    .refine((s) => s.watchM < s.alertM && s.alertM < s.criticalM, 'expected watchM < alertM < criticalM')
    .optional(),
  /** Bank-full level against the datum (m); gives `below_bank_m`. */
  bankM: z.number().optional(),
  rise: z
    .strictObject({
      window: durationMs.default(3_600_000),
      /** The rate is reported once the samples span at least this long (default a quarter of the window). */
      minSpan: durationMs.optional(),
      /** Raise `flood-rise` at or above this rate (cm/h); clear `hysteresisCmH` below it. */
      alertCmH: z.number().positive().optional(),
      hysteresisCmH: z.number().min(0).default(0.5),
    })
    .prefault({}),
});

export const airQualityFamilySchema = z.strictObject({
  type: z.literal('air-quality'),
  ...common,
  /**
   * Which reading values carry each pollutant (PM in ug/m3, O3/NO2/SO2 in ppb, CO in ppm). The
   * defaults are the gateway's value names, so a device that follows them needs no mapping.
   */
  points: z
    .strictObject({
      pm2_5: identifier.default('pm25_ug_m3'),
      pm10: identifier.default('pm10_ug_m3'),
      o3: identifier.default('o3_ppb'),
      co: identifier.default('co_ppm'),
      no2: identifier.default('no2_ppb'),
      so2: identifier.default('so2_ppb'),
    })
    .prefault({}),
  /** Share of an averaging window that must hold data before its index is reported (0 reports from the first reading). */
  minCoverage: z.number().min(0).max(1).default(0),
});

export const waterQualityFamilySchema = z.strictObject({
  type: z.literal('water-quality'),
  ...common,
  /**
   * Which reading values carry each parameter (DO mg/L, pH, conductivity uS/cm, turbidity NTU,
   * degC, ORP mV, BOD mg/L, NH3-N mg/L). The defaults are the gateway's value names; with the
   * default turbidity name, a device reporting `turbidity_fnu` is taken as well.
   */
  points: z
    .strictObject({
      do: identifier.default('do_mg_l'),
      ph: identifier.default('ph'),
      conductivity: identifier.default('conductivity_us_cm'),
      turbidity: identifier.default('turbidity_ntu'),
      temperature: identifier.default('temperature_c'),
      orp: identifier.default('orp_mv'),
      bod: identifier.default('bod_mg_l'),
      nh3n: identifier.default('nh3_n_mg_l'),
    })
    .prefault({}),
});

/** Plausibility only (a generic device whose values should still be checked). */
export const genericFamilySchema = z.strictObject({ type: z.literal('generic'), ...common });

export const familySchema = z.discriminatedUnion('type', [floodLevelFamilySchema, airQualityFamilySchema, waterQualityFamilySchema, genericFamilySchema]);

export type FamilyConfig = z.output<typeof familySchema>;
export type FloodLevelFamilyConfig = z.output<typeof floodLevelFamilySchema>;
export type WaterQualityFamilyConfig = z.output<typeof waterQualityFamilySchema>;
