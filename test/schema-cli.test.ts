import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lines, ndjson, query, rcache, tempDir } from './helpers.js';
import { dbLocation, itOnce } from './store-under-test.js';
import { CONTACT_SCHEMA } from './contact-schema.js';

// --schema on save and update, end to end with the built binary.

const CONTACT = CONTACT_SCHEMA;

function setup(schema: unknown = CONTACT) {
  const dir = tempDir();
  const file = join(dir, 'contact.schema.json');
  writeFileSync(file, JSON.stringify(schema));
  return { dir, db: dbLocation(dir), schema: file };
}

describe('save --schema', () => {
  it('saves records that satisfy the schema', async () => {
    const { db, schema } = setup();
    const result = await rcache(['--db', db, 'save', '--model', 'Contact', '--schema', schema, '--json'], {
      input: ndjson([
        { id: 'a', email: 'a@example.com', age: 3 },
        { id: 'b', email: 'b@example.com' },
      ]),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ added: 2 });
  });

  it('a record that fails is exit 65 naming the file, the line, the JSON pointer and the rule, and nothing is saved', async () => {
    const { dir, db, schema } = setup();
    const file = join(dir, 'contacts.ndjson');
    const cases: [unknown, string][] = [
      [{ id: 'x', email: 'x@example.com', age: -1 }, 'fails the schema at /age: must be >= 0 (minimum, #/properties/age/minimum)'],
      [{ id: 'x', email: 'not an address' }, 'fails the schema at /email: must match format "email" (format, #/properties/email/format)'],
      [{ id: 'x' }, "fails the schema at /email: must have required property 'email' (required, #/required)"],
      [
        { id: 'x', email: 'x@example.com', address: { city: 'Oslo', zip: 1 } },
        'fails the schema at /address/zip: must NOT have additional properties (additionalProperties, #/properties/address/additionalProperties)',
      ],
      // The id is checked as it is stored: a numeric id becomes a string.
      [{ id: 7, email: 'x@example.com', age: 1.5 }, 'fails the schema at /age: must be integer (type, #/properties/age/type)'],
    ];
    for (const [record, reason] of cases) {
      writeFileSync(file, ndjson([{ id: 'ok', email: 'ok@example.com' }, record]));
      const result = await rcache(['--db', db, 'save', '--model', 'Contact', '--schema', schema, file]);
      expect(result.code, reason).toBe(65);
      expect(result.stderr).toBe(`rcache: ${file}:2: ${reason}\n`);
    }
    expect(query(db, 'SELECT count(*) AS n FROM records')).toEqual([{ n: 0 }]);
  });

  it('with --skip-invalid, failing records are reported, counted and kept byte for byte in --rejects', async () => {
    const { dir, db, schema } = setup();
    const rejects = join(dir, 'rejects.ndjson');
    const input = '{"id":"a","email":"a@example.com"}\n{ "id" : "b",  "age": "old" }\r\n{"id":"c","email":"c@example.com"}\n';
    const result = await rcache(['--db', db, 'save', '--model', 'Contact', '--schema', schema, '--skip-invalid', '--rejects', rejects, '--json'], { input });
    expect(JSON.parse(result.stdout)).toMatchObject({ added: 2, rejected: 1 });
    expect(result.stderr).toContain("rcache: <stdin>:2: fails the schema at /email: must have required property 'email' (required, #/required) (skipped)");
    expect(readFileSync(rejects, 'utf8')).toBe('{ "id" : "b",  "age": "old" }\r\n');
  });

  itOnce('takes draft-07 schemas by their $schema, and checks lines prepared on either thread', async () => {
    const { db, schema } = setup({ $schema: 'http://json-schema.org/draft-07/schema#', properties: { n: { type: 'integer' } }, dependencies: { a: ['b'] } });
    const many = Array.from({ length: 30_000 }, (_, i) => ({ id: `r${i}`, n: i }));
    many[29_000] = { id: 'late', n: 1, a: 1 } as never;
    const result = await rcache(['--db', db, 'save', '--model', 'M', '--schema', schema], { input: ndjson(many) });
    expect(result.code).toBe(65);
    expect(result.stderr).toBe(
      'rcache: <stdin>:29001: fails the schema at the record itself: must have property b when property a is present (dependencies, #/dependencies)\n',
    );
  });

  itOnce('a schema file that is missing, not JSON, not a schema or of another draft is a usage error', async () => {
    const { dir, db } = setup();
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.json'), /^rcache: --schema .*missing\.json: cannot read it: there is no such file\n$/],
      [write('text.json', 'type: object'), /^rcache: --schema .*text\.json is not JSON: /],
      [
        write('wrong.json', '{"type":"strng"}'),
        /^rcache: --schema is not a valid JSON Schema: schema is invalid: data\/type must be equal to one of the allowed values/,
      ],
      [
        write('old.json', '{"$schema":"http://json-schema.org/draft-04/schema#"}'),
        /^rcache: --schema only JSON Schema draft 2020-12 and draft-07 are supported/,
      ],
    ];
    for (const [file, message] of cases) {
      const result = await rcache(['--db', db, 'save', '--model', 'M', '--schema', file], { input: ndjson([{ id: 'a' }]) });
      expect(result.code, file).toBe(2);
      expect(result.stderr, file).toMatch(message);
    }
  });
});

describe('update --schema', () => {
  it('checks each record once merged: a merge that breaks the schema is a bad line, and nothing is updated', async () => {
    const { db, schema } = setup();
    await rcache(['--db', db, 'save', '--model', 'Contact'], {
      input: ndjson([
        { id: 'a', email: 'a@example.com' },
        { id: 'b', email: 'b@example.com' },
      ]),
    });
    // The partial records alone would fail (no email); merged, the first passes.
    const input = ndjson([
      { id: 'a', age: 4 },
      { id: 'b', address: { city: 'Oslo', zip: '0150' } },
    ]);
    const strict = await rcache(['--db', db, 'update', '--model', 'Contact', '--schema', schema], { input });
    expect(strict.code).toBe(65);
    expect(strict.stderr).toBe(
      'rcache: <stdin>:2: fails the schema at /address/zip: must NOT have additional properties (additionalProperties, #/properties/address/additionalProperties)\n',
    );
    expect(query(db, "SELECT count(*) AS n FROM records WHERE action = 'UPDATED'")).toEqual([{ n: 0 }]);
    const skipping = await rcache(['--db', db, 'update', '--model', 'Contact', '--schema', schema, '--skip-invalid', '--json'], { input });
    expect(JSON.parse(skipping.stdout)).toMatchObject({ updated: 1, rejected: 1 });
    const records = lines((await rcache(['--db', db, 'records', '--model', 'Contact'])).stdout);
    expect(records.map(({ _nango_metadata: _, ...payload }) => payload)).toEqual([
      { id: 'b', email: 'b@example.com' },
      { id: 'a', email: 'a@example.com', age: 4 },
    ]);
  });
});
