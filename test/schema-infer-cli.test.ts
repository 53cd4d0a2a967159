import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lines, ndjson, rcache, tempDir } from './helpers.js';
import { killServe, startServe } from './serve-process.js';
import { dbLocation } from './store-under-test.js';

// What rcache infers and shows of stored schemas, end to end with the built binary.

function setup() {
  const dir = tempDir();
  const db = dbLocation(dir);
  const run = (args: string[], input?: string, env?: Record<string, string>) => rcache(['--db', db, ...args], { input, env });
  return { dir, db, run };
}

const RECORDS = [
  { id: 'a', name: 'Ann', age: 31, score: 1.5, tags: ['x'], address: { city: 'Oslo', zip: '0150' }, manager: null },
  { id: 7, name: 'Bo', age: 40, score: 2, tags: [], address: { city: 'Bergen' } },
  { id: 'c', name: 'Cy', age: 22, score: 3, tags: ['y', 'z'], address: { city: 'Tromsø', zip: '9008' }, manager: 'a', items: [{ sku: 1 }, { sku: 2, qty: 3 }] },
];

describe('rcache schema --infer', () => {
  it('prints a schema that every live record satisfies: set back, it accepts all of them', async () => {
    const { dir, run } = setup();
    expect((await run(['save', '--model', 'Contact'], ndjson([...RECORDS, { ...RECORDS[0], id: 'gone', name: 5 }]))).code).toBe(0);
    // A deleted record is not described: its name is a number.
    expect((await run(['delete', '--model', 'Contact', 'gone'])).code).toBe(0);
    const inferred = await run(['schema', '--model', 'Contact', '--infer']);
    expect(inferred).toMatchObject({ code: 0, stderr: '' });
    const schema = JSON.parse(inferred.stdout);
    expect(inferred.stdout).toBe(`${JSON.stringify(schema, null, 2)}\n`);
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['id', 'name', 'age', 'score', 'tags', 'address'],
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        age: { type: 'integer' },
        score: { type: 'number' },
        manager: { type: ['string', 'null'] },
        address: { type: 'object', required: ['city'] },
        items: { type: 'array', items: { type: 'object', required: ['sku'] } },
      },
    });

    const file = join(dir, 'inferred.json');
    writeFileSync(file, inferred.stdout);
    expect((await run(['schema', '--model', 'Contact', '--set', file])).code).toBe(0);
    // Every live record, as stored, saved to a dataset that checks against it.
    await run(['schema', '--model', 'Copy', '--set', file]);
    const stored = (await run(['records', '--model', 'Contact', '--filter', 'added,updated'])).stdout;
    const copy = await run(['save', '--model', 'Copy', '--json'], stored);
    expect(copy.code, copy.stderr).toBe(0);
    expect(JSON.parse(copy.stdout)).toMatchObject({ added: RECORDS.length, rejected: 0 });
    // The deleted record's shape is refused.
    const refused = await run(['save', '--model', 'Copy'], ndjson([{ ...RECORDS[0], id: 'gone', name: 5 }]));
    expect(refused.code).toBe(65);
    expect(refused.stderr).toContain('fails the schema at /name: must be string (type, #/properties/name/type)');
  });

  it('reads the records a page at a time: a dataset many times the size of its heap is described', async () => {
    const { run } = setup();
    const pad = 'x'.repeat(2000);
    const many = Array.from({ length: 30_000 }, (_, i) => ({ id: `r${i}`, n: i, text: `${pad}${i}`, nested: { ok: i % 2 === 0 } }));
    expect((await run(['save', '--model', 'Big'], ndjson(many))).code).toBe(0);
    // About 60 MB of payloads, read with a heap of 24 MB.
    const inferred = await run(['schema', '--model', 'Big', '--infer'], undefined, { NODE_OPTIONS: '--max-old-space-size=24' });
    expect(inferred.code, inferred.stderr.slice(0, 500)).toBe(0);
    expect(JSON.parse(inferred.stdout)).toMatchObject({
      required: ['id', 'n', 'text', 'nested'],
      properties: { nested: { properties: { ok: { type: 'boolean' } } } },
    });
  }, 60_000);

  it('with no live record, or no such dataset, prints nothing and exits 5', async () => {
    const { run } = setup();
    await run(['save', '--model', 'Contact'], ndjson([{ id: 'a' }]));
    await run(['delete', '--model', 'Contact', 'a']);
    expect(await run(['schema', '--model', 'Contact', '--infer'])).toMatchObject({
      code: 5,
      stdout: '',
      stderr: 'rcache: Contact (integration default, connection default) has no live records to infer a schema from\n',
    });
    const typo = await run(['schema', '--model', 'Contakt', '--infer']);
    expect(typo).toMatchObject({ code: 5, stdout: '' });
    expect(typo.stderr).toMatch(
      /^rcache: there is no dataset Contakt \(integration default, connection default\) in .* to infer a schema from; did you mean Contact\?\n$/,
    );
  });
});

describe('which datasets have a schema', () => {
  it('stats says so, as a column of the table and in --json', async () => {
    const { dir, run } = setup();
    await run(['save', '--model', 'Contact'], ndjson([{ id: 'a' }]));
    await run(['save', '--model', 'Deal'], ndjson([{ id: 'd' }]));
    const plain = await run(['stats']);
    expect(plain.stdout).not.toContain('schema');
    const file = join(dir, 'any.json');
    writeFileSync(file, '{"type":"object"}');
    await run(['schema', '--model', 'Contact', '--set', file]);
    const json = JSON.parse((await run(['stats', '--json'])).stdout);
    expect(json.datasets.map((d: { model: string; schema: boolean }) => [d.model, d.schema])).toEqual([
      ['Contact', true],
      ['Deal', false],
    ]);
    const table = (await run(['stats'])).stdout.split('\n');
    const header = table.find((line) => line.includes('integration'))!;
    expect(header.trim().endsWith('schema │')).toBe(true);
    expect(
      table
        .find((line) => line.includes(' Contact '))!
        .trim()
        .endsWith('yes    │'),
    ).toBe(true);
    expect(
      table
        .find((line) => line.includes(' Deal '))!
        .trim()
        .endsWith('-      │'),
    ).toBe(true);
  });

  it("serve's /api/dataset gives a dataset's schema, null when it has none", async () => {
    const { dir, db, run } = setup();
    await run(['save', '--model', 'Contact'], ndjson([{ id: 'a' }]));
    const file = join(dir, 'any.json');
    writeFileSync(file, '{"type":"object","required":["id"]}');
    await run(['schema', '--model', 'Contact', '--set', file]);
    const served = await startServe(db);
    try {
      const page = async (model: string) =>
        (await (await fetch(`${served.url}/api/dataset?integration=default&connection=default&model=${model}`)).json()) as Record<string, any>;
      const contact = await page('Contact');
      expect(contact.schema).toEqual({ type: 'object', required: ['id'] });
      expect(contact.dataset).toMatchObject({ model: 'Contact', live: 1, schema: true });
      expect(await page('Deal')).toMatchObject({ dataset: null, schema: null });
    } finally {
      await killServe(served);
    }
    expect(lines((await run(['records', '--model', 'Contact'])).stdout)).toHaveLength(1);
  });
});
