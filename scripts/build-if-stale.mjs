#!/usr/bin/env node
// Runs `npm run build` unless the last build finished after every file it is made from changed:
// `npm test` just after `npm install` (whose prepare script builds) need not build again.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const SOURCES = ['src', 'web', 'scripts/build-cli.mjs', 'scripts/build-web.mjs', 'tsconfig.json', 'package.json', 'package-lock.json'];
// The build's last step writes it.
const BUILT = join(root, 'dist', 'web', 'manifest.json');

/** The latest modification time of a file, or of anything in a folder. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sources = Math.max(
  ...SOURCES.map((path) => join(root, path))
    .filter(existsSync)
    .map(newest),
);
if (existsSync(BUILT) && statSync(BUILT).mtimeMs > sources) process.exit(0);
const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(build.status ?? 1);
