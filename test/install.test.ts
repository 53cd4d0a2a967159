import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');
const betterSqlite3 = join(createRequire(import.meta.url).resolve('better-sqlite3/package.json'), '..');

/** A copy of the project as a fresh clone has it: sources, no dist/, dependencies installed. */
function clone(): string {
  const dir = join(tempDir(), 'rcache');
  mkdirSync(dir);
  const skipped = new Set(['.git', 'node_modules', 'dist', join('bench', 'data'), join('bench', 'results')].map((entry) => join(ROOT, entry)));
  cpSync(ROOT, dir, { recursive: true, filter: (source) => !skipped.has(source) && !/\.db(-wal|-shm)?$/.test(source) });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/**
 * The SQLite addon this machine already built, offered as a local prebuilt binary, so that the
 * install needs neither the network nor a compiler and stays quick.
 */
function localPrebuilds(): string {
  const dir = tempDir();
  const version = (JSON.parse(readFileSync(join(betterSqlite3, 'package.json'), 'utf8')) as { version: string }).version;
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync('tar', ['-czf', join(dir, name), '-C', betterSqlite3, 'build/Release/better_sqlite3.node']);
  return dir;
}

function npm(args: string[], cwd: string, env: Record<string, string> = {}) {
  // With the certificate authorities the suite's own processes start without (see vitest.config.ts).
  const authorities = process.env.RCACHE_TEST_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.RCACHE_TEST_EXTRA_CA_CERTS } : {};
  const result = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...authorities, ...env },
  });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

function run(bin: string, args: string[], cwd: string, input = '') {
  return spawnSync(bin, args, { cwd, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
}

describe('installing', () => {
  it('packs a tarball that installs, locally and globally, into a working rcache', { timeout: 180_000 }, () => {
    const source = clone();
    const lock = readFileSync(join(source, 'package-lock.json'), 'utf8');
    npm(['install', '--package-lock-only', '--ignore-scripts'], source);
    expect(readFileSync(join(source, 'package-lock.json'), 'utf8')).toBe(lock);
    const packed = npm(['pack', '--json'], source);
    const tarball = join(source, (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[])[0]!.filename);
    expect(readFileSync(join(source, 'package-lock.json'), 'utf8')).toBe(lock);
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    expect(listing).toContain('package/dist/cli/main.js');
    expect(listing).toContain('package/dist/bundle/main.js');
    expect(listing).toContain('package/dist/index.d.ts');
    expect(listing).toContain('package/LICENSE');

    const prebuilds = { npm_config_better_sqlite3_local_prebuilds: localPrebuilds() };
    const project = tempDir();
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
    npm(['install', tarball], project, prebuilds);
    const local = join(project, 'node_modules', '.bin', 'rcache');
    expect(run(local, ['--version'], project).stdout.trim()).toBe('0.1.0');
    const saved = run(local, ['save', '--model', 'Contact', '--json'], project, '{"id":"a","n":1}\n');
    expect(saved.stderr).toBe('');
    expect(JSON.parse(saved.stdout)).toMatchObject({ added: 1 });
    const read = run(local, ['records', '--model', 'Contact'], project);
    expect(JSON.parse(read.stdout)).toMatchObject({ id: 'a', n: 1, _nango_metadata: { last_action: 'ADDED' } });

    const prefix = tempDir();
    npm(['install', '--global', '--prefix', prefix, tarball], project, prebuilds);
    const global = join(prefix, 'bin', 'rcache');
    expect(existsSync(global)).toBe(true);
    const stats = run(global, ['stats', '--json'], project);
    expect(stats.status).toBe(0);
    expect(JSON.parse(stats.stdout).datasets).toMatchObject([{ model: 'Contact', live: 1 }]);
  });
});
