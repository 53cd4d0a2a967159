// Bundles the dashboard's front-end (web/) into dist/web: content-hashed files, each with a gzip
// copy, a page that names them, and manifest.json, which the server reads.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = join(import.meta.dirname, '..');
const out = join(root, 'dist', 'web');
const TYPES = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [join(root, 'web', 'src', 'main.ts')],
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  outdir: out,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const icon = readFileSync(join(root, 'web', 'icon.svg'));
const iconName = `icon-${createHash('sha256').update(icon).digest('hex').slice(0, 8).toUpperCase()}.svg`;
writeFileSync(join(out, iconName), icon);

const files = [...Object.keys(result.metafile.outputs).map((path) => basename(path)), iconName];
const entry = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint !== undefined);
const names = { js: basename(entry[0]), css: basename(entry[1].cssBundle), icon: iconName };
const page = readFileSync(join(root, 'web', 'index.html'), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key) => names[key]);
writeFileSync(join(out, 'index.html'), page);

const assets = {};
for (const name of files) {
  const body = readFileSync(join(out, name));
  const gzip = `${name}.gz`;
  writeFileSync(join(out, gzip), gzipSync(body, { level: 9 }));
  assets[name] = { type: TYPES[extname(name)], gzip };
}
writeFileSync(join(out, 'manifest.json'), JSON.stringify({ index: 'index.html', assets }, null, 2) + '\n');
