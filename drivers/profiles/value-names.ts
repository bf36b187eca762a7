/**
 * The gateway's value-name convention (described in drivers/profiles/README.md, "Value names"):
 * a measured value is named `<quantity>_<unit>` in lower snake case, and the unit in the name is
 * the unit the value is in. Upstream platforms and local rules key on these names, so a value
 * means the same whatever the device speaks.
 */

/** Unit suffixes a value name may end with, and the `unit` strings each one stands for. */
export const unitSuffixes: Readonly<Record<string, readonly string[]>> = {
  m: ['m'],
  cm: ['cm'],
  mm: ['mm'],
  ug_m3: ['ug/m3'],
  mg_l: ['mg/L'],
  ppm: ['ppm'],
  ppb: ['ppb'],
  pct: ['%', '%RH'],
  c: ['degC'],
  us_cm: ['uS/cm'],
  ntu: ['NTU'],
  fnu: ['FNU'],
  mv: ['mV'],
  ma: ['mA'],
  v: ['V'],
  bar: ['bar'],
  per_dl: ['1/0.1L'],
};

/** Measured values that have no unit of their own, with the `unit` string they may carry. */
export const unitlessNames: Readonly<Record<string, readonly string[]>> = {
  ph: ['pH', ''],
};

const snakeCase = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/** A device's status or fault word (bit flags or a code, e.g. `meter_status`): a state, no unit. */
const statusWord = /_status$/;

/**
 * What is wrong with a value name, or null when it follows the convention. `state` values
 * (relays, digital inputs: coils and discrete inputs) and status words (`*_status` without a
 * unit) are not measurements: they only need lower snake case.
 */
export function valueNameProblem(name: string, unit: string, state = false): string | null {
  if (!snakeCase.test(name)) return `"${name}" is not lower snake case`;
  if (state || (statusWord.test(name) && unit === '')) return null;
  const unitless = unitlessNames[name];
  if (unitless) return unitless.includes(unit) ? null : `"${name}" is unitless but has unit "${unit}"`;
  const suffix = Object.keys(unitSuffixes)
    .filter((s) => name.endsWith(`_${s}`))
    .sort((a, b) => b.length - a.length)[0];
  if (suffix === undefined) return `"${name}" does not end with a unit (_m, _ug_m3, _mg_l, _pct, _c, ...)`;
  const units = unitSuffixes[suffix]!;
  return units.includes(unit) ? null : `"${name}" says _${suffix} (${units.join(' or ')}) but its unit is "${unit}"`;
}
