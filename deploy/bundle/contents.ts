/**
 * What a release bundle contains, in one place so it is easy to change. Paths are relative to the
 * source tree; the builder copies them as they are in the working tree (tracked files only when
 * the source is a git checkout).
 */

/** Code and data the box runs: the gateway, the drivers with their profiles, the rules' nodes and flows. */
export const codePaths = ['core', 'gateway', 'drivers', 'flows', 'deploy/examples', 'deploy/systemd', 'package.json', 'README.md'];

/** Launch scripts, copied to bin/ of the release (executable). */
export const binDir = 'deploy/bundle/bin';

/** Of the Node package only the executable and its licence are needed: no headers, npm or docs. */
export const nodeFiles = ['bin/node', 'LICENSE'];

/**
 * Files in the production dependencies that a box never uses, removed after `npm ci`. Each entry
 * is a path under node_modules/ (or a `*` suffix pattern for a folder's entries) with its reason.
 * `{arch}` is replaced by the target's CPU.
 */
export const prune: { path: string; why: string }[] = [
  { path: '.bin', why: 'command links for npm scripts; symlinks do not belong in a release' },
  { path: '.package-lock.json', why: "npm's own bookkeeping" },
  { path: 'better-sqlite3/deps', why: 'SQLite sources, for compiling; the prebuilt addon is used' },
  { path: 'better-sqlite3/src', why: 'addon sources' },
  { path: 'better-sqlite3/build', why: 'a compiled addon here would shadow the prebuild for the target CPU' },
  { path: 'better-sqlite3/prebuilds/!linux-{arch}.node', why: "other platforms' addons" },
  { path: '@serialport/bindings-cpp/prebuilds/!linux-{arch}', why: "other platforms' addons" },
  { path: '@serialport/bindings-cpp/build', why: 'a compiled addon here would shadow the prebuild for the target CPU' },
  { path: '@serialport/bindings-cpp/src', why: 'addon sources' },
  { path: 'typescript', why: 'optional peer of pino and zod, for type-checking only (the gateway runs its .ts with Node type stripping)' },
  { path: '@typescript', why: 'native compiler of the typescript package above' },
  { path: '@types', why: 'type declarations' },
];
