import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../src/decisions/cursor.js';
import { InvalidArgumentError } from '../src/errors.js';
import { rcache, tempDir } from './harness.js';
import { lines, ndjson } from './helpers.js';
import { killServe, startServe } from './serve-process.js';
import { dbLocation } from './store-under-test.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DATABASE = 'q7Xz0_Ab-Cd9';

/** The cursors that differ from `printed` in their last character only. */
function lastCharacterVariants(printed: string): string[] {
  return [...ALPHABET].filter((c) => c !== printed.at(-1)).map((c) => printed.slice(0, -1) + c);
}

function decodes(cursor: string): boolean {
  try {
    decodeCursor(cursor);
    return true;
  } catch (error) {
    if (error instanceof InvalidArgumentError) return false;
    throw error;
  }
}

describe('a cursor is the database id, then "rc:<position>" in unpadded base64url', () => {
  const positions = [0, 1, 9, 10, 99, 100, 999, 1000, 65_535, 1_000_000, 123_456_789, 2 ** 31, 2 ** 32 + 1, 10 ** 15, 9_007_199_254_740_991];
  it.each(positions)('position %d', (position) => {
    const printed = encodeCursor(DATABASE, position);
    expect(printed).toBe(DATABASE + Buffer.from(`rc:${position}`).toString('base64url'));
    expect(decodeCursor(printed)).toEqual({ databaseId: DATABASE, position });
  });
});

describe('only the cursor rcache printed is taken, not another spelling of its position', () => {
  // "rc:<position>" of 4 bytes leaves 4 spare bits in the last character, of 5 bytes 2, of 6 none.
  const cases: { position: number; spare: number }[] = [
    { position: 1, spare: 15 },
    { position: 9, spare: 15 },
    { position: 12, spare: 3 },
    { position: 123, spare: 0 },
    { position: 1234, spare: 15 },
    { position: 9_007_199_254_740_991, spare: 15 },
  ];
  it.each(cases)('position $position: the printed cursor is taken, none of its $spare other spellings', ({ position, spare }) => {
    const printed = encodeCursor(DATABASE, position);
    expect(decodeCursor(printed)).toEqual({ databaseId: DATABASE, position });
    const variants = lastCharacterVariants(printed);
    const samePosition = variants.filter((variant) => Buffer.from(variant.slice(12), 'base64url').equals(Buffer.from(printed.slice(12), 'base64url')));
    expect(samePosition).toHaveLength(spare);
    expect(samePosition.filter(decodes)).toEqual([]);
    // A variant that is taken names another position, and is what rcache prints for it.
    for (const other of variants.filter(decodes)) expect(encodeCursor(DATABASE, decodeCursor(other).position)).toBe(other);
  });

  const refused: [string, string][] = [
    ['one character more', encodeCursor(DATABASE, 1) + 'A'],
    ['padding', encodeCursor(DATABASE, 1) + '=='],
    ['a leading zero', DATABASE + Buffer.from('rc:01').toString('base64url')],
    ['a sign', DATABASE + Buffer.from('rc:+1').toString('base64url')],
  ];
  it.each(refused)('%s is refused', (_name, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(/^invalid cursor '.*': use a cursor that rcache printed$/);
  });
});

describe('another spelling of a printed cursor is refused on the command line and over HTTP', () => {
  let db: string;
  let printed: string;
  let variant: string;
  // The cases share one database, made before them (and so kept until the file ends).
  beforeAll(async () => {
    db = dbLocation(tempDir());
    await rcache(['--db', db, 'save', '--model', 'M'], { input: ndjson([{ id: 'a' }, { id: 'b' }]) });
    printed = lines((await rcache(['--db', db, 'records', '--model', 'M', '-n', '1'])).stdout)[0]!._nango_metadata.cursor;
    // The first position is "rc:1", whose last character carries four spare bits.
    variant = printed.slice(0, -1) + ALPHABET[ALPHABET.indexOf(printed.at(-1)!) + 1];
  });

  it('records --cursor and prune --until-cursor: exit 2, nothing done', async () => {
    const taken = await rcache(['--db', db, 'records', '--model', 'M', '--cursor', printed]);
    expect(lines(taken.stdout).map((record) => record.id)).toEqual(['b']);
    const refused = await rcache(['--db', db, 'records', '--model', 'M', '--cursor', variant]);
    expect(refused).toMatchObject({ code: 2, stdout: '', stderr: `rcache: invalid cursor '${variant}': use a cursor that rcache printed\n` });
    const prune = await rcache(['--db', db, 'prune', '--model', 'M', '--until-cursor', variant]);
    expect(prune).toMatchObject({ code: 2, stdout: '' });
    expect(prune.stderr).toMatch(/^rcache: .*invalid cursor/);
    const all = await rcache(['--db', db, 'records', '--model', 'M']);
    expect(lines(all.stdout).map((record) => record._nango_metadata.pruned_at)).toEqual([null, null]);
  });

  it('GET /records and PATCH /records/prune: 400 invalid_query_params', async () => {
    const server = await startServe(db);
    try {
      const headers = { 'Provider-Config-Key': 'default', 'Connection-Id': 'default' };
      const get = await fetch(`${server.url}/records?model=M&cursor=${variant}`, { headers });
      expect(get.status).toBe(400);
      expect(await get.json()).toMatchObject({ error: { code: 'invalid_query_params', message: expect.stringMatching(/invalid cursor/) } });
      const prune = await fetch(`${server.url}/records/prune`, {
        method: 'PATCH',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: 'M', until_cursor: variant }),
      });
      expect(prune.status).toBe(400);
      const changes = await fetch(`${server.url}/api/changes?model=M&cursor=${variant}`);
      expect(changes.status).toBe(400);
      const taken = await fetch(`${server.url}/records?model=M&cursor=${printed}`, { headers });
      expect(((await taken.json()) as { records: { id: string }[] }).records.map((record) => record.id)).toEqual(['b']);
    } finally {
      await killServe(server);
    }
  });
});
