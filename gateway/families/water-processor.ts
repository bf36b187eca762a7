import type { ReadingProcessor } from '../processing/types.ts';
import type { NewReading } from '../../core/reading.ts';
import type { FamilyConfig, WaterQualityFamilyConfig } from '../../core/family-schema.ts';
import { usableNumber, withValues } from './family-configs.ts';
import { surfaceWaterClass, waterClassNames } from './water-class.ts';

/** Units of the water parameters, filled in where a driver left them out. */
const defaultUnits: Record<keyof WaterQualityFamilyConfig['points'], string> = {
  do: 'mg/L',
  ph: 'pH',
  conductivity: 'uS/cm',
  turbidity: 'NTU',
  temperature: 'degC',
  orp: 'mV',
  bod: 'mg/L',
  nh3n: 'mg/L',
};

/** Adds the Thai surface water class (`water_class`, 2-5) where DO and pH allow it. */
export class WaterQualityProcessor implements ReadingProcessor {
  readonly name = 'water-quality';
  readonly #families: Map<string, FamilyConfig>;

  constructor(families: Map<string, FamilyConfig>) {
    this.#families = families;
  }

  process(reading: NewReading): NewReading {
    const family = this.#families.get(reading.device);
    if (family?.type !== 'water-quality') return reading;
    const units: Record<string, string> = {};
    for (const [parameter, point] of Object.entries(family.points) as Array<[keyof WaterQualityFamilyConfig['points'], string]>) {
      if (point in reading.values && !reading.units[point]) units[point] = defaultUnits[parameter];
    }
    // Sondes that measure in FNU (ISO 7027) name the value `turbidity_fnu`; under the default
    // name the family takes it as it is rather than asking for a mapping.
    if (family.points.turbidity === 'turbidity_ntu' && !('turbidity_ntu' in reading.values) && 'turbidity_fnu' in reading.values && !reading.units.turbidity_fnu) {
      units.turbidity_fnu = 'FNU';
    }
    const result = surfaceWaterClass({
      doMgL: usableNumber(reading, family.points.do),
      ph: usableNumber(reading, family.points.ph),
      bodMgL: usableNumber(reading, family.points.bod),
      nh3nMgL: usableNumber(reading, family.points.nh3n),
    });
    if (result === null) return withValues(reading, {}, units);
    return withValues(
      reading,
      {
        water_class: result.waterClass,
        water_class_basis: result.basis.join(','),
        water_class_en: waterClassNames[result.waterClass].en,
        water_class_th: waterClassNames[result.waterClass].th,
      },
      { ...units, water_class: 'class' },
    );
  }
}
