import { isMap, isScalar, type Document, type LineCounter, type Node } from 'yaml';
import type { z } from 'zod';
import { formatPath, type ConfigProblem } from '../../core/problems.ts';

/**
 * Makes a config problem easy to find in the file: the entry of a list is named by its id as well
 * as its index (`devices[3] (canal-level).unit`) and the YAML line of the key is given.
 */
export function locateProblems(problems: ConfigProblem[], raw: unknown, doc?: Document, lines?: LineCounter): ConfigProblem[] {
  return problems.map((problem) => {
    if (!problem.segments) return problem;
    const located: ConfigProblem = { ...problem, path: pathWithIds(problem.segments, raw) };
    const line = doc && lines ? lineOf(doc, lines, problem.segments) : undefined;
    if (line !== undefined) located.line = line;
    return located;
  });
}

/** `['devices', 3, 'unit']` -> `devices[3] (canal-level).unit` when the entry has an id. */
export function pathWithIds(segments: ReadonlyArray<PropertyKey>, raw: unknown): string {
  let out = '';
  let node: unknown = raw;
  for (const part of segments) {
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[part] : undefined;
    if (typeof part === 'number') {
      out += `[${part}]`;
      const id = node !== null && typeof node === 'object' ? (node as { id?: unknown }).id : undefined;
      if (typeof id === 'string' && id !== '') out += ` (${id})`;
    } else {
      out += out === '' ? String(part) : `.${String(part)}`;
    }
  }
  return out === '' ? formatPath([]) : out;
}

/** The line of the deepest part of `segments` present in the document (the key itself when it is there). */
function lineOf(doc: Document, lines: LineCounter, segments: ReadonlyArray<PropertyKey>): number | undefined {
  for (let depth = segments.length; depth > 0; depth--) {
    const parent = depth === 1 ? doc.contents : (doc.getIn(segments.slice(0, depth - 1) as unknown[], true) as Node | undefined);
    const last = segments[depth - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
      const range = (pair?.key as Node | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
    } else {
      const node = doc.getIn(segments.slice(0, depth) as unknown[], true) as Node | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
  }
  return undefined;
}

/** Every key name any object in the schema knows, for "did you mean" on a misspelt key. */
export function knownKeys(schema: z.ZodType): Set<string> {
  const keys = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (type: unknown): void => {
    if (!type || seen.has(type)) return;
    seen.add(type);
    const def = (type as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    if (def.type === 'object') {
      for (const [key, value] of Object.entries(def.shape as Record<string, unknown>)) {
        keys.add(key);
        walk(value);
      }
    }
    for (const field of ['innerType', 'in', 'out', 'element', 'valueType', 'left', 'right']) walk(def[field]);
    if (Array.isArray(def.options)) def.options.forEach(walk);
  };
  walk(schema);
  return keys;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known key closest to a misspelt one (at most a third of its letters wrong), if any. */
export function closestKey(key: string, known: Iterable<string>): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance <= Math.max(1, Math.floor(key.length / 3)) && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}
