// The rooms of src/ (docs/architecture.md): each top-level folder imports only the ones below it,
// and the library leaves the environment and the terminal to the command line.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

/** From the top down: a room may import the rooms after it, never one before it. */
const ROOMS = ['index', 'cli', 'http', 'webhooks', 'terminal', 'cache', 'schema', 'wire', 'input', 'stores', 'decisions', 'base'];

/** The rooms of the command line: the only ones that read the environment or speak to a terminal. */
const COMMAND_LINE = new Set(['index', 'cli', 'terminal']);

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function roomOf(path: string): string {
  const parts = relative(SRC, path).split('/');
  if (parts.length === 1) return parts[0] === 'index.ts' ? 'index' : 'base';
  return parts[0] ?? 'base';
}

function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((match) => normalize(join(dirname(path), match[1] ?? '')));
}

describe('the rooms of src/', () => {
  it('are all known, and each imports only the rooms below it', () => {
    const wrong: string[] = [];
    for (const file of sources()) {
      const room = roomOf(file);
      expect(ROOMS, `${relative(SRC, file)} is in a room docs/architecture.md does not list`).toContain(room);
      for (const target of importsOf(file)) {
        const other = roomOf(target);
        if (other !== room && ROOMS.indexOf(other) < ROOMS.indexOf(room)) wrong.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('leave process.env and terminal matters to the command line', () => {
    const found = sources()
      .filter((file) => !COMMAND_LINE.has(roomOf(file)))
      .filter((file) => /process\.env|isTTY|process\.std(out|err)/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    // PostgreSQL's own variables (PGPASSWORD, PGSSLMODE) are read where libpq would read them.
    expect(found).toEqual(['stores/postgres/client-config.ts']);
  });

  it('hold no file over 300 lines: each is readable in one sitting', () => {
    const long = sources()
      .map((file) => ({ file: relative(SRC, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > 300);
    expect(long).toEqual([]);
  });
});
