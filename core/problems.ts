/** One problem in a config file, with the path a technician can find: `devices[2].unit`. */
export interface ConfigProblem {
  path: string;
  message: string;
  /** The YAML line of the key, when the problem came from a file. */
  line?: number;
  /** The path as keys and indexes, to find the line and name list entries by id. */
  segments?: PropertyKey[];
}

/** `['devices', 2, 'unit']` -> `devices[2].unit`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}
