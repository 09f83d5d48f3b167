#!/usr/bin/env node
// The jarvis-sync CLI. Loads the TypeScript sources through tsx, so it works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../electron/headless/cli.ts');
const { killIfThreadsBlocked } = await import('../electron/core/blocked-exit.ts');
process.exitCode = await main(process.argv.slice(2));
// A read stuck on a hung network drive would keep the process from exiting at all (core/blocked-exit.ts).
killIfThreadsBlocked({ warn: (message) => process.stderr.write(`jarvis-sync: ${message}\n`) });
