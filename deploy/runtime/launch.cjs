'use strict';
// The gateway's runtime launcher. It runs on whatever Node the host has (kept to syntax that
// Node 12 understands) and makes sure the project runs on the one pinned Node version in
// `.node-version`, like firmware: when the host's Node is not that major or is older, it brings
// the pinned build from the npm registry (`node-linux-<arch>`, headers included) into `.runtime/`,
// installs dependencies with it (native addons compiled against its headers) and runs the given
// script with it.
const fs = require('fs');
const path = require('path');
const os = require('os');
const cp = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const RUNTIME_DIR = path.join(ROOT, '.runtime');

function say(line) {
  process.stderr.write('[citygw setup] ' + line + '\n');
}

function fail(line) {
  process.stderr.write('citygw: ' + line + '\n');
  process.exit(1);
}

function pinnedVersion() {
  return fs.readFileSync(path.join(ROOT, '.node-version'), 'utf8').trim().replace(/^v/, '');
}

function parseVersion(v) {
  const parts = String(v).replace(/^v/, '').split('.').map(Number);
  return { major: parts[0], minor: parts[1] || 0, patch: parts[2] || 0 };
}

function compareVersions(a, b) {
  const x = parseVersion(a);
  const y = parseVersion(b);
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

/** The host's Node serves when it is the pinned major and not older than the pin. */
function hostNodeFits(pinned) {
  if (process.env.CITYGW_FORCE_PINNED_NODE === '1') return false;
  const host = process.versions.node;
  return parseVersion(host).major === parseVersion(pinned).major && compareVersions(host, pinned) >= 0;
}

function npmArch() {
  const map = { x64: 'x64', arm64: 'arm64' };
  const arch = map[process.arch];
  if (!arch) fail('no pinned Node build for CPU "' + process.arch + '"; install Node ' + pinnedVersion() + ' yourself and rerun.');
  return arch;
}

function run(cmd, args, options) {
  const result = cp.spawnSync(cmd, args, Object.assign({ stdio: 'inherit' }, options || {}));
  if (result.error) fail('could not run ' + cmd + ': ' + result.error.message);
  return result.status === null ? 1 : result.status;
}

/** Returns the directory of a Node installation (with bin/node and include/node) of the pinned version. */
function ensureRuntime() {
  const pinned = pinnedVersion();
  if (hostNodeFits(pinned)) {
    return { nodeBin: process.execPath, nodeDir: path.resolve(path.dirname(process.execPath), '..'), version: process.versions.node, pinned: false };
  }
  const arch = npmArch();
  const dir = path.join(RUNTIME_DIR, 'node-v' + pinned + '-linux-' + arch);
  const nodeBin = path.join(dir, 'bin', 'node');
  if (!fs.existsSync(nodeBin)) {
    say('host Node is ' + process.version + '; fetching the pinned Node ' + pinned + ' (' + arch + ') into .runtime/ ...');
    fs.mkdirSync(RUNTIME_DIR, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(RUNTIME_DIR, 'fetch-'));
    const status = run('npm', ['pack', '--silent', 'node-linux-' + arch + '@' + pinned, '--pack-destination', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = fs.readdirSync(tmp).filter(function (f) { return f.endsWith('.tgz'); })[0];
    if (status !== 0 || !tgz) fail('could not fetch node-linux-' + arch + '@' + pinned + ' with npm; check that npm can reach its registry.');
    if (run('tar', ['xzf', path.join(tmp, tgz), '-C', tmp]) !== 0) fail('could not unpack ' + tgz);
    fs.chmodSync(path.join(tmp, 'package', 'bin', 'node'), 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(path.join(tmp, 'package'), dir);
    fs.rmSync(tmp, { recursive: true, force: true });
    say('Node ' + pinned + ' ready at ' + path.relative(ROOT, dir));
  }
  return { nodeBin: nodeBin, nodeDir: dir, version: pinned, pinned: true };
}

/** Environment in which `node`, `npm` scripts and node-gyp all use the chosen runtime. */
function runtimeEnv(runtime, extra) {
  const env = Object.assign({}, process.env, extra || {});
  env.PATH = path.join(runtime.nodeDir, 'bin') + path.delimiter + path.join(ROOT, 'node_modules', '.bin') + path.delimiter + (env.PATH || '');
  // better-sqlite3 and serialport ship prebuilt binaries inside their npm packages; when one must
  // be compiled (an unusual CPU), node-gyp uses the runtime's own headers, never a download.
  env.npm_config_nodedir = runtime.nodeDir;
  return env;
}

function installStamp(runtime) {
  const lock = fs.readFileSync(path.join(ROOT, 'package-lock.json'));
  const hash = require('crypto').createHash('sha256').update(lock).digest('hex').slice(0, 16);
  return 'node ' + parseVersion(runtime.version).major + ' ' + os.platform() + '-' + process.arch + ' lock ' + hash;
}

/** Runs `npm ci` with the runtime when node_modules is missing or was built for another lock or ABI. */
function ensureDependencies(runtime) {
  const stampFile = path.join(ROOT, 'node_modules', '.citygw-install');
  const want = installStamp(runtime);
  let have = '';
  try { have = fs.readFileSync(stampFile, 'utf8').trim(); } catch (e) { /* not installed yet */ }
  if (have === want) return;
  say('installing dependencies with Node ' + runtime.version + ' (npm ci, about a minute the first time) ...');
  const status = run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: ROOT, env: runtimeEnv(runtime) });
  if (status !== 0) fail('npm ci failed (see above). A C++ compiler, make and python3 are needed for native addons: apt-get install build-essential python3');
  linkOwnBin();
  fs.writeFileSync(stampFile, want + '\n');
}

/** npm does not link a project's own bin into node_modules/.bin; do it so `npx citygw` works. */
function linkOwnBin() {
  const binDir = path.join(ROOT, 'node_modules', '.bin');
  fs.mkdirSync(binDir, { recursive: true });
  const link = path.join(binDir, 'citygw');
  try { fs.unlinkSync(link); } catch (e) { /* absent */ }
  fs.symlinkSync(path.join('..', '..', 'deploy', 'runtime', 'citygw.cjs'), link);
}

/**
 * Runs `args` (a script path and its arguments) with the pinned runtime and exits with its code.
 * Signals reach the child; the launcher waits for it so a Ctrl-C shutdown can finish cleanly.
 */
function execWithRuntime(runtime, args, extraEnv) {
  // CITYGW_LAUNCHER_PID: the child shuts down in order if this launcher is ever killed outright.
  const env = runtimeEnv(runtime, Object.assign({ CITYGW_LAUNCHER_PID: String(process.pid) }, extraEnv || {}));
  const child = cp.spawn(runtime.nodeBin, args, { stdio: 'inherit', cwd: process.cwd(), env: env });
  ['SIGINT', 'SIGTERM', 'SIGHUP'].forEach(function (sig) {
    process.on(sig, function () {
      // A terminal's Ctrl-C already reached the child (same process group); pass on the others.
      if (sig !== 'SIGINT' || !process.stdin.isTTY) {
        try { child.kill(sig); } catch (e) { /* already gone */ }
      }
    });
  });
  child.on('exit', function (code, signal) {
    process.exit(code === null ? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1) : code);
  });
}

function setup() {
  const runtime = ensureRuntime();
  ensureDependencies(runtime);
  return runtime;
}

module.exports = { ROOT: ROOT, setup: setup, ensureRuntime: ensureRuntime, ensureDependencies: ensureDependencies, runtimeEnv: runtimeEnv, execWithRuntime: execWithRuntime, say: say, fail: fail, run: run };

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.length === 0) fail('usage: node deploy/runtime/launch.cjs SCRIPT [ARGS...]');
  execWithRuntime(setup(), args);
}
