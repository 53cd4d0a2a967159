import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');

/** Runs a program in a folder where `rcache` is installed as a dependency, as a user's project would have it. */
function runProgram(source: string): { status: number | null; stdout: string; stderr: string } {
  const project = tempDir();
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(ROOT, join(project, 'node_modules', 'rcache'), 'dir');
  writeFileSync(join(project, 'program.mjs'), source);
  const result = spawnSync(process.execPath, ['program.mjs'], { cwd: project, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the package, imported by name from a program', () => {
  it('saves records with one call and reads the changes back with one call, resuming from a cursor', () => {
    const result = runProgram(`
      import { openCache } from 'rcache';
      const cache = await openCache('cache.db');
      const contact = { model: 'Contact' };
      const first = await cache.save(contact, [{ id: 'a', name: 'Ann' }, { id: 'b', name: 'Bo' }]);
      const seen = [];
      let cursor;
      for await (const record of cache.changes(contact)) {
        seen.push([record.id, record._nango_metadata.last_action]);
        cursor = record._nango_metadata.cursor;
      }
      const second = await cache.save(contact, ['{"id":"a","name":"Anna"}', '{"id":"b","name":"Bo"}']);
      for await (const record of cache.changes(contact, { cursor })) seen.push([record.id, record._nango_metadata.last_action, record.name]);
      const deleted = await cache.delete(contact, { ids: ['b'] });
      const [stats] = await cache.stats();
      await cache.close();
      console.log(JSON.stringify({ first, second, deleted, seen, live: stats.live }));
    `);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.first).toMatchObject({ added: 2, updated: 0 });
    expect(out.second).toMatchObject({ added: 0, updated: 1, unchanged: 1 });
    expect(out.deleted).toMatchObject({ deleted: 1 });
    expect(out.seen).toEqual([
      ['a', 'ADDED'],
      ['b', 'ADDED'],
      ['a', 'UPDATED', 'Anna'],
    ]);
    expect(out.live).toBe(1);
  });

  it('gives domain errors, not exit codes: a bad record rejects the save and nothing is kept', () => {
    const result = runProgram(`
      import { openCache, InputError } from 'rcache';
      const cache = await openCache('cache.db');
      try {
        await cache.save({ model: 'M' }, ['{"id":"a"}', 'not json']);
      } catch (error) {
        console.log(JSON.stringify({ input: error instanceof InputError, message: error.message, exitCode: error.exitCode ?? null }));
      }
      console.log((await cache.stats()).length);
      await cache.close();
    `);
    expect(result.status, result.stderr).toBe(0);
    const [error, datasets] = result.stdout.trim().split('\n');
    expect(JSON.parse(error!)).toEqual({ input: true, message: expect.stringMatching(/^<input>:2: not valid JSON/), exitCode: null });
    expect(datasets).toBe('0');
  });
});

describe('the tarball', () => {
  it('carries the MIT licence that package.json names', () => {
    const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(packed.status, packed.stderr).toBe(0);
    const [tarball] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { files: { path: string }[] }[];
    expect(tarball!.files.map((file) => file.path)).toContain('LICENSE');
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) /);
  });
});
