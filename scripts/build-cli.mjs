// Bundles the command line (dist/cli/main.js, as tsc built it) into dist/bundle: one file per
// command and a few shared chunks, instead of some ninety modules and their dependencies' that
// Node would resolve, read and compile one by one at every start. The dependencies are bundled
// too (a CommonJS package loaded from an ES module is also scanned for its exports), except those
// that cannot be: better-sqlite3's native addon, pg's optional native binding, and Ajv, which is
// loaded only with a schema and whose exports do not survive bundling. The library
// (dist/index.js) keeps importing them all from node_modules. The save's worker is an entry of
// its own beside the chunks, where the code that starts it looks for it.
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
  external: ['better-sqlite3', 'pg-native', 'ajv', 'ajv-formats'],
  // Bundled CommonJS code calls require (pg loads parts of itself lazily); an ES module has none.
  banner: { js: "import { createRequire as createRequireOfBundle } from 'node:module'; const require = createRequireOfBundle(import.meta.url);" },
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  outdir: out,
  logLevel: 'warning',
});
