import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IgnoreFields, payloadHash } from '../src/decisions/canonical.js';
import { rawDigest } from '../src/decisions/raw-hash.js';

const FETCHED = new IgnoreFields(['fetched_at', 'meta.seen_at', 'items.checked_at']);
const plain = (text: string) => createHash('sha256').update(text).digest('base64').slice(0, 22);

describe('the raw hash with ignored fields: a line that differs only in them is recognised without parsing', () => {
  const saved = '{"id":"a","n":1,"fetched_at":"2024-05-01T10:00:00Z","meta":{"seen_at":1,"k":"v"},"items":[{"checked_at":1,"q":2},{"q":3}]}';
  const same: [string, string][] = [
    ['a top-level ignored field', saved.replace('"2024-05-01T10:00:00Z"', '"2024-05-02T11:00:00Z"')],
    ['a nested ignored field', saved.replace('"seen_at":1', '"seen_at":{"deep":[1,2]}')],
    ['an ignored field in objects of an array', saved.replace('"checked_at":1', '"checked_at":"later"')],
    ['an ignored value of another type', saved.replace('"2024-05-01T10:00:00Z"', 'null')],
  ];
  for (const [name, line] of same) {
    it(`same raw hash after a change in ${name}`, () => {
      expect(rawDigest(line, FETCHED)).toBe(rawDigest(saved, FETCHED));
    });
  }

  const other: [string, string][] = [
    ['a field that is not ignored', saved.replace('"n":1', '"n":2')],
    ['the id', saved.replace('"id":"a"', '"id":"b"')],
    ['a field of the same name elsewhere', saved.replace('"q":3', '"q":3,"fetched_at":1')],
    ['an ignored field missing', saved.replace(',"fetched_at":"2024-05-01T10:00:00Z"', '')],
    // Lines that are not JSON must never pass for a record saved before.
    ['an ignored value that is not JSON', saved.replace('"2024-05-01T10:00:00Z"', 'later')],
    ['an ignored value that runs into the next member', saved.replace('"2024-05-01T10:00:00Z"', '"x",')],
    ['a mark character in the line', saved.replace('"2024-05-01T10:00:00Z"', '"\u0001"')],
    ['a line cut short', saved.slice(0, saved.indexOf('"fetched_at"') + 14)],
    ['an unclosed string', saved.replace('"2024-05-01T10:00:00Z"', '"open')],
  ];
  for (const [name, line] of other) {
    it(`another raw hash after a change in ${name}`, () => {
      expect(rawDigest(line, FETCHED)).not.toBe(rawDigest(saved, FETCHED));
    });
  }

  it('is the plain hash of the text without ignored fields, and differs with another set of them', () => {
    expect(rawDigest(saved, new IgnoreFields())).toBe(plain(saved));
    expect(rawDigest(saved, FETCHED)).not.toBe(plain(saved));
    expect(rawDigest(saved, new IgnoreFields(['fetched_at']))).not.toBe(rawDigest(saved, FETCHED));
    expect(rawDigest('{"id":"a","n":1}', FETCHED)).not.toBe(plain('{"id":"a","n":1}'));
  });

  it('never leaves out the top-level id, even when it is ignored', () => {
    const ignoreId = new IgnoreFields(['id']);
    expect(rawDigest('{"id":"a","n":1}', ignoreId)).not.toBe(rawDigest('{"id":"b","n":1}', ignoreId));
  });

  it('ends on any text, however broken, and nested deeper than records may be', () => {
    const broken = [
      '{"fetched_at',
      '{"fetched_at":[',
      '{"fetched_at":{"a":"\\',
      '{"meta":{"seen_at"',
      '{"items":[{"checked_at":[[[[',
      `{"items":${'['.repeat(5000)}{"checked_at":1`,
    ];
    for (const line of broken) expect(rawDigest(line, FETCHED)).toMatch(/^[A-Za-z0-9+/]{22}$/);
    const deep = `{"id":"a","items":${'['.repeat(2000)}{"checked_at":1}${']'.repeat(2000)}}`;
    expect(rawDigest(deep, FETCHED)).toMatch(/^[A-Za-z0-9+/]{22}$/);
  });

  it('equal raw hashes mean equal canonical hashes under the same ignored fields', () => {
    for (const [, line] of same) {
      const id = 'a';
      expect(payloadHash(JSON.parse(line), id, FETCHED)).toBe(payloadHash(JSON.parse(saved), id, FETCHED));
    }
  });
});
