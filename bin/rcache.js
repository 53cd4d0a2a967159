#!/usr/bin/env node
// `--version` is answered before anything is loaded: scripts call it often and expect it to be instant.
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version + '\n');
} else {
  let cli;
  try {
    cli = await import('../dist/cli/main.js');
  } catch (error) {
    process.stderr.write(`rcache: cannot start (${error.message}); run "npm run build" first\n`);
    process.exitCode = 1;
  }
  await cli?.main(process.argv);
}
