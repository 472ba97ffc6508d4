#!/usr/bin/env node
// The `takeover` command: registers tsx so the TypeScript sources run as they are, then hands over.
import './startup-threads.js';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../server/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
