#!/usr/bin/env node
// The `tcpfsm` executable (package.json bin). See cli.ts for the commands and exit codes.
import { hideBin } from 'yargs/helpers';
import { main } from './cli.js';

process.exitCode = await main(hideBin(process.argv));
