#!/usr/bin/env node
'use strict';
// Node opens its inspector on SIGUSR1, which would let any local user run code in a long-running
// save, follower or server; a listener of its own replaces that handler (Node 20 has no flag for it).
process.on('SIGUSR1', () => {});
// pg tells Cloudflare Workers apart by making a fetch Response where there is no `navigator`, as
// in Node 20: that loads fetch's WebAssembly parser, whose memory reservation (over 10 GiB) fails
// under an address-space limit (ulimit -v) and ends the process. Node 21 and later define it.
if (globalThis.navigator === undefined) {
  Object.defineProperty(globalThis, 'navigator', {
    value: { userAgent: `Node.js/${process.versions.node.split('.')[0]}` },
    configurable: true,
    writable: true,
  });
}

/** Why rcache could not load, in one line: a missing build is only one of the reasons. */
function startFailure(error) {
  const code = error?.code;
  if (code === 'EMFILE') return 'too many open files: raise the limit on open files (ulimit -n) and run again';
  if (code === 'ENFILE') return "the system's table of open files is full: close some programs and run again";
  if (code === 'ENOMEM') return 'not enough memory: raise the memory limit (ulimit -v) or free some memory and run again';
  if (code === 'ERR_MODULE_NOT_FOUND' && /[\\/]dist[\\/]/.test(error.message)) return `rcache is not built (${error.message}); run "npm run build" first`;
  return error?.message ? error.message : String(error);
}

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
  import('../dist/bundle/main.js').then(
    (cli) => cli.main(process.argv),
    (error) => {
      process.stderr.write(`rcache: cannot start: ${startFailure(error)}\n`);
      process.exitCode = 1;
    },
  );
}
