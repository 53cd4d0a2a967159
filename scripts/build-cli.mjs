// Bundles the command line (dist/cli/main.js, as tsc built it) into dist/bundle: one file per
// command and a few shared chunks, instead of some ninety modules that Node would resolve, read
// and compile one by one at every start. Dependencies stay in node_modules, where the library
// (dist/index.js) finds them too. The save's worker is an entry of its own beside the chunks,
// where the code that starts it looks for it.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'dist', 'bundle');

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: {
    main: join(root, 'dist', 'cli', 'main.js'),
    'prepare-worker': join(root, 'dist', 'cache', 'prepare-worker.js'),
  },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  outdir: out,
  logLevel: 'warning',
});
