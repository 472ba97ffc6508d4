#!/usr/bin/env node
// `npm run bench -- <name...>`: runs benchmarks from bench/ (all when no name is given).
import './startup-threads.js';
import { register } from 'tsx/esm/api';

register();
const { runBenchmarks } = await import('../bench/run.ts');
process.exitCode = await runBenchmarks(process.argv.slice(2));
