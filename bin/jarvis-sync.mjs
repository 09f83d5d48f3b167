#!/usr/bin/env node
// The jarvis-sync CLI. Loads the TypeScript sources through tsx, so it works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../electron/headless/cli.ts');
process.exitCode = await main(process.argv.slice(2));
