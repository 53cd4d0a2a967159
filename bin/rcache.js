#!/usr/bin/env node
'use strict';
// CommonJS (see package.json beside it), which Node starts faster than an ES module, and `--version`
// is answered before anything else is loaded: scripts call it often and expect it to be instant.
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') return;
    process.stderr.write(`rcache: cannot write the output: ${error.code === 'ENOSPC' ? 'the disk is full' : error.message}\n`);
    process.exitCode = 1;
  });
  process.stdout.write(require('../package.json').version + '\n');
} else {
  import('../dist/cli/main.js').then(
    (cli) => cli.main(process.argv),
    (error) => {
      process.stderr.write(`rcache: cannot start (${error.message}); run "npm run build" first\n`);
      process.exitCode = 1;
    },
  );
}
