import { describe, expect, it } from 'vitest';
import { canonicalNumber, IgnoreFields } from '../src/decisions/canonical.js';
import { prepareRecord } from '../src/decisions/record.js';
import { lines, ndjson, rcache, tempDir } from './helpers.js';
import { dbLocation, itOnce } from './store-under-test.js';

// One rule for every number, in payloads and ids alike: equal exactly when the decimal values are.
const EQUAL: string[][] = [
  ['1', '1.0', '1e0', '10e-1', '0.1e1', '1.000000000000000000000'],
  ['7', '7.0', '70e-1'],
  ['0', '-0', '0.0', '0e5', '-0.0e-3'],
  ['1234567890123456', '1234567890123456.0', '12345678901234560e-1', '1.234567890123456e15'],
  ['18446744073709551616', '18446744073709551616.0', '1.8446744073709551616e19', '184467440737095516160e-1'],
  ['1e21', '1E21', '1e+21', '10e20', '1000000000000000000000'],
  ['1.5e400', '15e399', '1.50E+400'],
  ['12345678901234567890123', '1.2345678901234567890123e22', '12345678901234567890123.000'],
  ['-2.5e-400', '-25e-401'],
  ['0.1', '1e-1', '0.10'],
];

// Numbers a double cannot tell apart, but which are different values.
const DIFFERENT: [string, string][] = [
  ['9007199254740993', '9007199254740992'],
  ['1.0000000000000001', '1'],
  ['18446744073709551616', '18446744073709551617'],
  ['1e400', '1e401'],
  ['0.30000000000000001', '0.3'],
];

describe('number equality', () => {
  // In process, without a store: the SQLite run covers them.
  itOnce.each(EQUAL)('%s and its equals share one canonical text', (...tokens) => {
    expect(new Set(tokens.map(canonicalNumber)).size).toBe(1);
  });

  itOnce.each(DIFFERENT)('%s and %s stay different', (a, b) => {
    expect(canonicalNumber(a)).not.toBe(canonicalNumber(b));
  });

  itOnce.each(EQUAL)('records holding %s and its equals hash alike, and as ids name one record', (...tokens) => {
    const hashes = tokens.map((token) => prepareRecord(`{"id":"x","n":${token},"list":[${token}],"deep":{"v":${token}}}`, new IgnoreFields()).hash);
    expect(new Set(hashes).size).toBe(1);
    // Ids beyond a double's range are refused, as before.
    const ids = tokens.filter((token) => Number.isFinite(Number(token))).map((token) => prepareRecord(`{"id":${token}}`, new IgnoreFields()).id);
    expect(new Set(ids).size).toBeLessThanOrEqual(1);
  });

  itOnce.each(DIFFERENT)('records holding %s and %s differ', (a, b) => {
    const [first, second] = [a, b].map((token) => prepareRecord(`{"id":"x","n":${token}}`, new IgnoreFields()));
    expect(first!.hash).not.toBe(second!.hash);
    if (Number.isFinite(Number(a))) expect(prepareRecord(`{"id":${a}}`, new IgnoreFields()).id).not.toBe(prepareRecord(`{"id":${b}}`, new IgnoreFields()).id);
  });

  it('a re-save that writes a number differently is no change, end to end', async () => {
    const db = dbLocation(tempDir());
    const first = await rcache(['--db', db, 'save', '-m', 'N', '--json'], { input: '{"id":18446744073709551616,"n":1234567890123456}\n{"id":7,"n":1}\n' });
    expect(JSON.parse(first.stdout)).toMatchObject({ added: 2 });
    const again = await rcache(['--db', db, 'save', '-m', 'N', '--json'], {
      input: '{"id":18446744073709551616.0,"n":1234567890123456.0}\n{"id":7.0,"n":1e0}\n',
    });
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, updated: 0, unchanged: 2 });
    const records = lines((await rcache(['--db', db, 'records', '-m', 'N'])).stdout);
    expect(records.map((record) => record.id)).toEqual(['18446744073709551616', '7']);
    const removed = await rcache(['--db', db, 'delete', '-m', 'N', '--json'], { input: ndjson([{ id: 7 }]) + '{"id":1.8446744073709551616e19}\n' });
    expect(JSON.parse(removed.stdout)).toMatchObject({ deleted: 2, unknown: 0 });
  });
});
