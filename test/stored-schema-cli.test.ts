import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayLocation } from '../src/stores/open.js';
import { ndjson, query, rcache, seed, tempDir, withCache } from './helpers.js';
import { dbLocation } from './store-under-test.js';
import { CONTACT_SCHEMA } from './contact-schema.js';

// A JSON Schema stored per dataset (rcache schema), end to end with the built binary.

const CONTACT = CONTACT_SCHEMA;

function setup() {
  const dir = tempDir();
  const db = dbLocation(dir);
  const write = (name: string, content: unknown) => {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return join(dir, name);
  };
  const run = (args: string[], input?: string) => rcache(['--db', db, ...args], { input });
  return { dir, db, write, run, contact: write('contact.schema.json', CONTACT) };
}

/** The schemas the database holds, parsed, by model. */
const schemaRows = (db: string) =>
  query<{ model: string; schema: string }>(db, 'SELECT model, schema FROM json_schemas ORDER BY model').map(({ model, schema }) => ({
    model,
    schema: JSON.parse(schema),
  }));

/** Stores a dataset's schema through the library, in this process: what a case starts from, not the command it tests. */
const storeSchema = (db: string, model: string, schema: unknown) => withCache(db, (cache) => cache.setSchema({ model }, schema));

describe('rcache schema', () => {
  it('sets, prints and clears the schema of a dataset; printing none is exit 5', async () => {
    const { db, run, contact } = setup();
    const none = await run(['schema', '--model', 'Contact']);
    expect(none).toMatchObject({ code: 1, stdout: '' });
    expect(none.stderr).toMatch(/^rcache: no rcache database at /);

    // Set before the dataset has any record.
    const set = await run(['schema', '--model', 'Contact', '--set', contact]);
    expect(set).toMatchObject({ code: 0, stdout: '', stderr: `schema Contact: set from ${contact}\n` });
    const printed = await run(['schema', '--model', 'Contact']);
    expect(printed).toMatchObject({ code: 0, stderr: '' });
    expect(printed.stdout).toBe(`${JSON.stringify(CONTACT, null, 2)}\n`);
    // Another dataset's names are another dataset.
    const elsewhere = await run(['schema', '--model', 'Contact', '--connection', 'acme']);
    expect(elsewhere).toMatchObject({ code: 5, stdout: '' });
    expect(elsewhere.stderr).toBe(
      `rcache: there is no schema for Contact (integration default, connection acme) in ${displayLocation(db)}: set one with rcache schema --model Contact --set FILE\n`,
    );

    expect(await run(['schema', '--model', 'Contact', '--clear'])).toMatchObject({ code: 0, stderr: 'schema Contact: cleared\n' });
    expect(schemaRows(db)).toEqual([]);
    expect((await run(['schema', '--model', 'Contact'])).code).toBe(5);
    expect(await run(['schema', '--model', 'Contact', '--clear'])).toMatchObject({
      code: 0,
      stderr: 'rcache: there is no schema for Contact (integration default, connection default): nothing to clear\n',
    });
  });

  it('a schema file that does not compile is a usage error naming the problem, and nothing is stored', async () => {
    const { dir, db, write, run } = setup();
    await storeSchema(db, 'Contact', CONTACT);
    const cases: [string, string][] = [
      [join(dir, 'missing.json'), `rcache: --set ${join(dir, 'missing.json')}: cannot read it: there is no such file\n`],
      [write('text.json', 'type: object'), `rcache: --set ${join(dir, 'text.json')} is not JSON: `],
      [
        write('wrong.json', { type: 'object', properties: { age: { type: 'integr' } } }),
        `rcache: --set ${join(dir, 'wrong.json')}: is not a valid JSON Schema: schema is invalid: data/properties/age/type must be equal to one of the allowed values`,
      ],
      [
        write('old.json', { $schema: 'http://json-schema.org/draft-04/schema#' }),
        `rcache: --set ${join(dir, 'old.json')}: only JSON Schema draft 2020-12 and draft-07 are supported, not $schema "http://json-schema.org/draft-04/schema#"; nothing was stored\n`,
      ],
      [
        write('list.json', [{ type: 'object' }]),
        `rcache: --set ${join(dir, 'list.json')}: must be a JSON Schema: an object (or true or false); nothing was stored\n`,
      ],
    ];
    for (const [file, message] of cases) {
      const result = await run(['schema', '--model', 'Contact', '--set', file]);
      expect(result.code, file).toBe(2);
      expect(result.stderr.startsWith(message), result.stderr).toBe(true);
    }
    // The schema stored before is still the one.
    expect(schemaRows(db)).toEqual([{ model: 'Contact', schema: CONTACT }]);
    // Draft-07 is taken by its $schema.
    const seven = write('seven.json', { $schema: 'http://json-schema.org/draft-07/schema#', dependencies: { a: ['b'] } });
    expect((await run(['schema', '--model', 'Other', '--set', seven])).code).toBe(0);
    const refused = await run(['save', '--model', 'Other'], ndjson([{ id: 'x', a: 1 }]));
    expect(refused).toMatchObject({ code: 65, stderr: expect.stringContaining('must have property b when property a is present (dependencies') });
  });

  it('--set, --clear and --infer are one at a time, and the command needs --model', async () => {
    const { run, contact } = setup();
    const both = await run(['schema', '--model', 'Contact', '--set', contact, '--clear']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^rcache: option '--set <file>' cannot be used with option '--clear'\n/);
    expect((await run(['schema', '--model', 'Contact', '--clear', '--infer'])).code).toBe(2);
    expect((await run(['schema', '--set', contact])).code).toBe(2);
    const help = await rcache(['schema', '--help']);
    expect(help.stdout).toContain('rcache schema --model Contact --infer > contact.schema.json');
    expect((await rcache(['--help'])).stdout).toMatch(/\n {2}5 +nothing stored/);
  });
});

describe('saves and updates are checked against the stored schema', () => {
  it('a record that fails is exit 65 naming the file, the line, the pointer and the rule, and nothing is written', async () => {
    const { dir, db, run } = setup();
    await storeSchema(db, 'Contact', CONTACT);
    const file = join(dir, 'contacts.ndjson');
    const cases: [unknown, string][] = [
      [{ id: 'x', email: 'x@example.com', age: -1 }, 'fails the schema at /age: must be >= 0 (minimum, #/properties/age/minimum)'],
      [{ id: 'x' }, "fails the schema at /email: must have required property 'email' (required, #/required)"],
      // The id is checked as it is stored: a numeric id becomes a string.
      [{ id: 7, email: 'x@example.com', age: 1.5 }, 'fails the schema at /age: must be integer (type, #/properties/age/type)'],
    ];
    for (const [record, reason] of cases) {
      writeFileSync(file, ndjson([{ id: 'ok', email: 'ok@example.com' }, record]));
      const result = await run(['save', '--model', 'Contact', file]);
      expect(result.code, reason).toBe(65);
      expect(result.stderr).toBe(`rcache: ${file}:2: ${reason}\n`);
    }
    expect(query(db, 'SELECT count(*) AS n FROM records')).toEqual([{ n: 0 }]);
    // Another dataset is not checked.
    expect((await run(['save', '--model', 'Deal'], ndjson([{ id: 'x' }]))).code).toBe(0);
  });

  it('with --skip-invalid, failing records are reported, counted and kept byte for byte in --rejects', async () => {
    const { dir, db, run } = setup();
    await storeSchema(db, 'Contact', CONTACT);
    const rejects = join(dir, 'rejects.ndjson');
    const input = '{"id":"a","email":"a@example.com"}\n{ "id" : "b",  "age": "old" }\r\n{"id":"c","email":"c@example.com","address":{"zip":1}}\n';
    const result = await run(['save', '--model', 'Contact', '--skip-invalid', '--rejects', rejects, '--json'], input);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ added: 1, rejected: 2 });
    expect(result.stderr).toBe(
      "rcache: <stdin>:2: fails the schema at /email: must have required property 'email' (required, #/required) (skipped)\n" +
        'rcache: <stdin>:3: fails the schema at /address/zip: must NOT have additional properties (additionalProperties, #/properties/address/additionalProperties) (skipped)\n',
    );
    expect(readFileSync(rejects, 'utf8')).toBe('{ "id" : "b",  "age": "old" }\r\n{"id":"c","email":"c@example.com","address":{"zip":1}}\n');
  });

  it('update checks each record once merged', async () => {
    const { db, run } = setup();
    await seed(
      db,
      [
        { id: 'a', email: 'a@example.com' },
        { id: 'b', email: 'b@example.com' },
      ],
      { model: 'Contact' },
    );
    await storeSchema(db, 'Contact', CONTACT);
    // The partial records alone would fail (no email); merged, the first passes.
    const input = ndjson([
      { id: 'a', age: 4 },
      { id: 'b', address: { city: 'Oslo', zip: '0150' } },
    ]);
    const strict = await run(['update', '--model', 'Contact'], input);
    expect(strict.code).toBe(65);
    expect(strict.stderr).toBe(
      'rcache: <stdin>:2: fails the schema at /address/zip: must NOT have additional properties (additionalProperties, #/properties/address/additionalProperties)\n',
    );
    const skipping = await run(['update', '--model', 'Contact', '--skip-invalid', '--json'], input);
    expect(JSON.parse(skipping.stdout)).toMatchObject({ updated: 1, rejected: 1 });
    const records = query<{ payload: string }>(db, 'SELECT payload FROM records ORDER BY position').map((row) => JSON.parse(row.payload));
    expect(records).toEqual([
      { id: 'b', email: 'b@example.com' },
      { id: 'a', email: 'a@example.com', age: 4 },
    ]);
  });

  it('--schema FILE on a run replaces the stored schema for that run only, and true checks nothing', async () => {
    const { db, write, run, contact } = setup();
    const loose = { type: 'object', properties: { age: { type: 'integer' } } };
    await storeSchema(db, 'Contact', loose);
    // The run's file is stricter than the stored schema: the run is checked against it alone.
    const stricter = await run(['save', '--model', 'Contact', '--schema', contact], ndjson([{ id: 'a', age: 3 }]));
    expect(stricter.code).toBe(65);
    expect(stricter.stderr).toContain("must have required property 'email'");
    // And looser: what the stored schema refuses, the run's file lets through.
    const anything = write('true.json', 'true');
    expect((await run(['save', '--model', 'Contact'], ndjson([{ id: 'b', age: 'old' }]))).code).toBe(65);
    const allowed = await run(['save', '--model', 'Contact', '--schema', anything, '--json'], ndjson([{ id: 'b', age: 'old' }]));
    expect(JSON.parse(allowed.stdout)).toMatchObject({ added: 1 });
    const updated = await run(['update', '--model', 'Contact', '--schema', anything, '--json'], ndjson([{ id: 'b', age: 'older' }]));
    expect(JSON.parse(updated.stdout)).toMatchObject({ updated: 1 });
    // The stored schema is as it was, and the next run is checked against it.
    expect(schemaRows(db)).toEqual([{ model: 'Contact', schema: loose }]);
    expect((await run(['save', '--model', 'Contact'], ndjson([{ id: 'c', age: 'old' }]))).code).toBe(65);
  });

  it('reset keeps the schema: it describes the model, not the records', async () => {
    const { db, run } = setup();
    await storeSchema(db, 'Contact', CONTACT);
    await seed(db, [{ id: 'a', email: 'a@example.com' }], { model: 'Contact' });
    expect((await run(['reset', '--model', 'Contact'])).code).toBe(0);
    expect(query(db, 'SELECT id FROM records')).toEqual([]);
    expect(schemaRows(db)).toEqual([{ model: 'Contact', schema: CONTACT }]);
    expect((await run(['save', '--model', 'Contact'], ndjson([{ id: 'b' }]))).code).toBe(65);
  });
});
