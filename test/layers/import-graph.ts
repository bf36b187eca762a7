// Who imports whom, by top-level folder. Used by the layer test (drivers/ may import only the
// shared layer) and runnable on its own to print the counts between folders:
//   node deploy/runtime/launch.cjs test/layers/import-graph.ts
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE_FOLDERS = ['core', 'drivers', 'gateway', 'flows', 'test', 'deploy'];
const SKIP = new Set(['node_modules', '.runtime', '.git']);
const SOURCE_FILE = /\.(ts|js|cjs|mjs)$/;
// Static imports and re-exports (`from '...'`), side-effect imports, dynamic import() and require().
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

export interface ImportEdge {
  /** Importing file, relative to the repository root, with '/' separators. */
  from: string;
  /** Imported file (relative specifiers only), relative to the root. */
  to: string;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (SOURCE_FILE.test(name)) out.push(path);
  }
}

function rel(path: string): string {
  return relative(ROOT, path).split(sep).join('/');
}

/** Every relative import between the project's own files. */
export function importEdges(root = ROOT): ImportEdge[] {
  const files: string[] = [];
  for (const folder of SOURCE_FOLDERS) {
    try {
      walk(join(root, folder), files);
    } catch {
      // folder absent in this checkout
    }
  }
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(SPECIFIER)) {
      const specifier = match[1] ?? '';
      if (!specifier.startsWith('.')) continue;
      edges.push({ from: rel(file), to: rel(resolve(dirname(file), specifier)) });
    }
  }
  return edges;
}

/** `folder` is the first path segment: drivers, gateway, flows, test, deploy, core. */
export function topFolder(path: string): string {
  return path.split('/')[0] ?? path;
}

/** Import statements counted per (from folder -> to folder), between different folders only. */
export function countsBetweenFolders(edges: ImportEdge[], folderOf = topFolder): Map<string, number> {
  const counts = new Map<string, number>();
  for (const edge of edges) {
    const a = folderOf(edge.from);
    const b = folderOf(edge.to);
    if (a === b) continue;
    const key = `${a} -> ${b}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return new Map([...counts].sort(([x], [y]) => x.localeCompare(y)));
}

if (import.meta.main) {
  const edges = importEdges();
  for (const [key, n] of countsBetweenFolders(edges)) process.stdout.write(`${key.padEnd(22)} ${n}\n`);
}
