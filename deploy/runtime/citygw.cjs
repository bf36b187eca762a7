#!/usr/bin/env node
'use strict';
// `citygw` entry point: picks the pinned Node runtime (see launch.cjs) and runs the gateway CLI with it.
const path = require('path');
const launch = require('./launch.cjs');

launch.execWithRuntime(launch.setup(), ['--disable-warning=ExperimentalWarning', path.join(launch.ROOT, 'gateway', 'cli.ts')].concat(process.argv.slice(2)));
