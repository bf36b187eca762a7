import { SimDevice } from './sim-device.ts';

/** Slow, smooth variation: a sine with a period of `periodS`, plus a little noise. */
function wave(tS: number, periodS: number, amplitude: number, noise = 0): number {
  return amplitude * Math.sin((2 * Math.PI * tS) / periodS) + (Math.random() - 0.5) * 2 * noise;
}

/** A simulated device whose values change with time. */
export interface SimModel {
  readonly device: SimDevice;
  /** Recomputes the time-varying values (called about once a second). */
  tick(nowMs: number): void;
}

/**
 * A canal radar: the level drifts slowly around a base that code can set or push up (flood tests
 * drive it through the stages). The air gap follows from the installation height.
 */
export class RadarModel implements SimModel {
  readonly device: SimDevice;
  private baseLevelM = 1.2;
  private installHeightM = 6;
  private echoLost = false;

  constructor(unit: number) {
    this.device = new SimDevice(unit, 'radar-level-ld8001h').map();
    this.device.set('install_height_m', this.installHeightM);
    this.device.slave.onWrite = () => {
      const height = this.device.get('install_height_m');
      if (typeof height === 'number') this.installHeightM = height;
    };
    this.tick(Date.now());
  }

  /** Sets the canal level (metres above the sensor's datum) from now on. */
  setLevelM(levelM: number): void {
    this.baseLevelM = levelM;
    this.tick(Date.now());
  }

  levelM(): number {
    return this.baseLevelM;
  }

  /** No echo (foam, a bird on the sensor): the device reports 0xFFFF until restoreEcho(). */
  loseEcho(): void {
    this.echoLost = true;
    this.device.setRaw('level_m', [0xffff]);
    this.device.setRaw('air_gap_m', [0xffff]);
  }

  restoreEcho(): void {
    this.echoLost = false;
    this.tick(Date.now());
  }

  tick(nowMs: number): void {
    if (this.echoLost) return;
    const level = Math.max(0, this.baseLevelM + wave(nowMs / 1000, 600, 0.02, 0.002));
    this.device.set('level_m', Number(level.toFixed(3)));
    this.device.set('air_gap_m', Number(Math.max(0, this.installHeightM - level).toFixed(3)));
  }
}

/** A multi-parameter sonde in a canal: plausible tropical values with a daily-ish drift. */
export class SondeModel implements SimModel {
  readonly device: SimDevice;
  private fixedDoMgL: number | null = null;

  constructor(unit: number) {
    this.device = new SimDevice(unit, 'water-quality-sonde-cdab').map();
    this.tick(Date.now());
  }

  /** Holds dissolved oxygen at this value (mg/L) from now on; null lets it drift again (oxygen-rule tests). */
  setDoMgL(mgL: number | null): void {
    this.fixedDoMgL = mgL;
    this.tick(Date.now());
  }

  tick(nowMs: number): void {
    const t = nowMs / 1000;
    const d = this.device;
    d.set('temperature_c', 29 + wave(t, 3600, 0.8, 0.02));
    d.set('conductivity_us_cm', 420 + wave(t, 1800, 30, 2));
    d.set('ph', 7.1 + wave(t, 2400, 0.2, 0.01));
    d.set('do_mg_l', this.fixedDoMgL ?? 4.6 + wave(t, 3000, 0.6, 0.05));
    d.set('turbidity_fnu', 35 + wave(t, 900, 8, 1));
    d.set('depth_m', 1.2 + wave(t, 600, 0.02, 0.002));
  }
}

/** A relay module: state changes only when written (a siren, a valve). */
export class RelayModel implements SimModel {
  readonly device: SimDevice;

  constructor(unit: number) {
    this.device = new SimDevice(unit, 'relay-output-4ch').map();
  }

  tick(): void {}
}

/** Any shipped profile with fixed plausible values (for tests and benches). */
export class StaticModel implements SimModel {
  readonly device: SimDevice;

  constructor(unit: number, model: string, values: Record<string, number | boolean> = {}) {
    this.device = new SimDevice(unit, model).map();
    for (const [name, value] of Object.entries(values)) this.device.set(name, value);
  }

  tick(): void {}
}
