#!/usr/bin/env node
// The `pcc` command. TypeScript sources run through tsx's CommonJS loader, so a fresh clone
// needs no build step; `npm run typecheck` is the compiler check.
'use strict';
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => { process.exitCode = code; })
  .catch((err) => {
    process.stderr.write(`pcc: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
