'use strict';
// `npm test`: sets up what the tests need (pinned Node, dependencies, the Debian packages of the
// real peers when run as root), type-checks, lints, runs every vitest suite, and ends with one plain
// line `N passed, N failed` that any CI can read (a failed type-check or lint counts as a failure).
const fs = require('fs');
const path = require('path');
const cp = require('child_process');
const launch = require('../deploy/runtime/launch.cjs');

// Two full runs on one machine (two checkouts, say) compete for its cores, and the real-peer tests
// have bounded waits, so both would fail for no fault of the code. A run holds a machine-wide lock
// (util-linux flock) and another one waits for it instead.
const LOCK_FILE = '/tmp/citygw-npm-test.lock';
if (!process.env.CITYGW_TEST_LOCK_HELD && cp.spawnSync('flock', ['--version'], { stdio: 'ignore' }).status === 0) {
  if (cp.spawnSync('flock', ['-n', LOCK_FILE, 'true'], { stdio: 'ignore' }).status !== 0) {
    launch.say('another npm test is running on this machine; waiting for it to finish (' + LOCK_FILE + ') ...');
  }
  const locked = cp.spawnSync('flock', [LOCK_FILE, process.execPath, __filename].concat(process.argv.slice(2)), {
    stdio: 'inherit',
    env: Object.assign({}, process.env, { CITYGW_TEST_LOCK_HELD: '1' }),
  });
  process.exit(locked.status === null ? 1 : locked.status);
}

const ROOT = launch.ROOT;
const runtime = launch.setup();
const env = launch.runtimeEnv(runtime);

const sys = launch.run('bash', [path.join(ROOT, 'test', 'setup', 'system-packages.sh')], { env: env });
if (sys !== 0) launch.fail('the test peers are missing (see the line above); nothing was run.');

launch.say('type-checking (tsc --noEmit) ...');
const tsc = launch.run(runtime.nodeBin, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', path.join(ROOT, 'tsconfig.json')], { cwd: ROOT, env: env });

launch.say('type-checking the Node-RED nodes (checkJs, tsconfig.nodes.json) ...');
const tscNodes = launch.run(runtime.nodeBin, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', path.join(ROOT, 'tsconfig.nodes.json')], { cwd: ROOT, env: env });

// Type-aware lint (typescript-eslint's no-floating-promises and no-misused-promises, as oxlint runs
// them on the TypeScript 7 checker): a promise nobody awaits or catches is an unhandled rejection
// waiting for a bad moment in the field.
launch.say('linting (oxlint --type-aware, .oxlintrc.json) ...');
const lint = launch.run(runtime.nodeBin, [path.join(ROOT, 'node_modules', 'oxlint', 'bin', 'oxlint'), '--type-aware', '--deny-warnings', '--tsconfig', path.join(ROOT, 'tsconfig.json'), 'core', 'drivers', 'gateway', 'flows', 'test', 'vitest.config.ts'], { cwd: ROOT, env: env });

const resultFile = path.join(ROOT, 'node_modules', '.vitest-results.json');
try { fs.unlinkSync(resultFile); } catch (e) { /* first run */ }
const vitestArgs = [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', '--outputFile.json=' + resultFile].concat(process.argv.slice(2));
const status = launch.run(runtime.nodeBin, vitestArgs, { cwd: ROOT, env: env });

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const results = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests + (results.numRuntimeErrorTestSuites || 0) + results.testResults.filter(function (f) { return f.status === 'failed' && f.assertionResults.length === 0; }).length;
  skipped = (results.numPendingTests || 0) + (results.numTodoTests || 0);
} catch (e) {
  failed = Math.max(failed, 1);
  launch.say('vitest wrote no results: ' + e.message);
}
if (tsc !== 0) {
  failed += 1;
  launch.say('type-check failed (counted as one failure)');
}
if (tscNodes !== 0) {
  failed += 1;
  launch.say('type-check of the Node-RED nodes failed (counted as one failure)');
}
if (lint !== 0) {
  failed += 1;
  launch.say('lint failed (counted as one failure)');
}
if (status !== 0 && failed === 0) failed = 1;
process.stdout.write(passed + ' passed, ' + failed + ' failed' + (skipped ? ', ' + skipped + ' skipped' : '') + '\n');
process.exit(failed === 0 ? 0 : 1);
