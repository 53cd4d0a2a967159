#!/usr/bin/env node
import('../dist/cli/main.js').then(
  ({ main }) => main(process.argv),
  (error) => {
    process.stderr.write(`rcache: cannot start (${error.message}); run "npm run build" first\n`);
    process.exitCode = 1;
  },
);
