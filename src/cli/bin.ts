#!/usr/bin/env node
// The `kiln` executable (package.json "bin"); everything is in main.ts.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
