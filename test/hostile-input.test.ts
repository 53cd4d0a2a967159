// Hostile or odd input, end to end through the built binary with real pipes, on each store. Each
// test states the expected outcome and checks that nothing else in the database changed: the
// bystander dataset `Other` and the record `keep` of `M` are seeded first, and every run is
// compared against a snapshot read by the store's fixture.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  TIME,
  datasetIdOf,
  expectNoCrash,
  expectOneLineError,
  expectOnlyChanged,
  pump,
  run,
  scratchDir,
  start,
  timeReport,
  vmHwm,
  type Proc,
  type RawResult,
} from './faults-helpers.js';
import { seed } from './helpers.js';
import { fixtureFor, type Snapshot } from './store-fixtures.js';
import { copyStore, freshStore, STORES } from './stores.js';

const snapshot = (db: string) => fixtureFor(db).snapshot(db);

/** Nothing of a run is kept: every row as it was, and the last position too where a rollback gives it back. */
function expectNothingKept(db: string, before: Snapshot): void {
  const after = snapshot(db);
  if (fixtureFor(db).positionsRollBack) expect(after).toEqual(before);
  else expect({ ...after, positions: before.positions }).toEqual(before);
}

const save = (db: string, input: string | Buffer, ...extra: string[]) => run(['--db', db, 'save', '--model', 'M', '--json', ...extra], input);
const records = (db: string, ...extra: string[]) => run(['--db', db, 'records', '--model', 'M', ...extra]);

/** The summary printed by --json. */
function summary(result: RawResult): Record<string, number> {
  expect(result.code, result.stderr).toBe(0);
  expectNoCrash(result.stderr);
  return JSON.parse(result.stdout.toString('utf8'));
}

/** The output lines of `records` with `_nango_metadata` cut off again: the payloads as raw bytes. */
function printedPayloads(stdout: Buffer): Buffer[] {
  const marker = Buffer.from(',"_nango_metadata":');
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const end = stdout.indexOf(10, start);
    if (end === -1) break;
    const line = stdout.subarray(start, end);
    out.push(Buffer.concat([line.subarray(0, line.lastIndexOf(marker)), Buffer.from('}')]));
    start = end + 1;
  }
  expect(start, 'output ends with a newline').toBe(stdout.length);
  return out;
}

/** The payloads of `records` other than the seeded `keep`, as text. */
async function printedText(db: string): Promise<string[]> {
  const result = await records(db);
  expect(result.code, result.stderr).toBe(0);
  return printedPayloads(result.stdout)
    .map((payload) => payload.toString('utf8'))
    .filter((text) => text !== '{"id":"keep","v":"untouched"}');
}

/** The stored payloads of dataset M other than the seeded `keep`, in stream order: what `records` prints of them. */
function storedText(db: string): string[] {
  return [...storedRows(db).values()]
    .sort((a, b) => Number(a.position) - Number(b.position))
    .filter((row) => row.id !== 'keep')
    .map((row) => row.payload as string);
}

/** The stored rows of dataset M, by id. */
function storedRows(db: string): Map<string, Record<string, unknown>> {
  const snap = snapshot(db);
  const id = datasetIdOf(snap, 'M');
  return new Map(snap.records.filter((row) => row.dataset_id === id).map((row) => [row.id as string, row]));
}

// ---------------------------------------------------------------------------------------------

// One concurrent suite per store (each test has its own copy of the database), so the file stays quick.
describe.concurrent.each(STORES)('hostile or odd input, on %s', (store) => {
  let template: string;

  // A bystander dataset `Other` and the record `keep` of `M`, saved once; each test works on a copy.
  beforeAll(async () => {
    template = await freshStore(store, scratchDir());
    await seed(
      template,
      [
        { id: 'o1', v: 1 },
        { id: 'o2', nested: { a: [1, 2] } },
      ],
      { model: 'Other' },
    );
    await seed(template, [{ id: 'keep', v: 'untouched' }]);
  });

  const fresh = async () => {
    const db = await copyStore(store, template, scratchDir());
    return { db, before: snapshot(db) };
  };

  describe('unicode, NUL and odd keys: stored and printed back byte for byte', () => {
    it('unicode and emoji ids and payloads round-trip exactly, and ids compare by value (escaped = raw)', async () => {
      const { db, before } = await fresh();
      const input = [
        '{"id":"ü-🎉-中文","name":"Zoë 🧪 ∑","rtl":"مرحبا بالعالم","family":"👩‍👩‍👧‍👦","flag":"🇩🇪"}',
        '{"id":"\u00e9","form":"precomposed U+00E9, raw"}',
        '{"id":"e\u0301","form":"e + combining acute, raw: another id"}',
        '{"id":"\\ud83c\\udf89","escaped":"\\u00fc\\n\\t\\"\\\\\\/"}',
        '{"id":"  spaced  ","v":"\u2028\u2029\u0085"}',
      ];
      const ids = ['ü-🎉-中文', '\u00e9', 'e\u0301', '🎉', '  spaced  '];
      expect(summary(await save(db, input.join('\n') + '\n'))).toMatchObject({ added: 5, duplicates: 0, rejected: 0 });
      expect(await printedText(db)).toEqual(input);
      const rows = storedRows(db);
      for (const [i, id] of ids.entries()) expect(rows.get(id)?.payload, `stored payload of line ${i + 1}`).toBe(input[i]);
      expectOnlyChanged(before, snapshot(db), 'M', ids);

      // The same records, the first one written with escapes: the same id and the same values.
      const middle = snapshot(db);
      const again = [
        '{"id":"\\u00fc-\\ud83c\\udf89-\\u4e2d\\u6587","name":"Zo\\u00eb \\ud83e\\uddea \\u2211","rtl":"مرحبا بالعالم","family":"👩‍👩‍👧‍👦","flag":"🇩🇪"}',
        ...input.slice(1),
      ];
      expect(summary(await save(db, again.join('\n') + '\n'))).toMatchObject({ added: 0, updated: 0, unchanged: 5 });
      const after = snapshot(db);
      expect(after.records).toEqual(middle.records);
    });

    it('lone surrogates (escaped in the JSON) are distinct ids, printed back as given and deleted one by one', async () => {
      const { db, before } = await fresh();
      const input = ['{"id":"\\ud800","v":"lone high surrogate"}', '{"id":"\\udc00","v":"lone low surrogate"}'];
      expect(summary(await save(db, input.join('\n') + '\n'))).toMatchObject({ added: 2 });
      expect(await printedText(db)).toEqual(input);
      const removed = await run(['--db', db, 'delete', '--model', 'M', '--json'], '{"id":"\\ud800"}\n');
      expect(summary(removed)).toMatchObject({ deleted: 1 });
      const rows = storedRows(db);
      expect(rows.get('\ud800')?.deleted_at, 'the high surrogate is deleted').not.toBeNull();
      expect(rows.get('\udc00')).toMatchObject({ payload: input[1], deleted_at: null });
      expectOnlyChanged(before, snapshot(db), 'M', ['\ud800', '\udc00'], 2);
    });

    it('\\u0000 inside ids, keys and values is stored and printed back exactly; "a\\u0000b" and "a" stay different ids', async () => {
      const { db, before } = await fresh();
      const input = ['{"id":"nul\\u0000id","v":"a\\u0000b","k\\u0000":"\\u0000"}', '{"id":"nul","v":"no nul"}'];
      expect(summary(await save(db, input.join('\n') + '\n'))).toMatchObject({ added: 2 });
      expect(await printedText(db)).toEqual(input);
      const rows = storedRows(db);
      expect(rows.get('nul\u0000id')?.payload).toBe(input[0]);
      expect(rows.get('nul')?.payload).toBe(input[1]);
      expectOnlyChanged(before, snapshot(db), 'M', ['nul\u0000id', 'nul']);

      const middle = snapshot(db);
      expect(summary(await save(db, input.join('\n') + '\n'))).toMatchObject({ added: 0, unchanged: 2 });
      const removed = await run(['--db', db, 'delete', '--model', 'M', '--json'], '{"id":"nul\\u0000id"}\n');
      expect(summary(removed)).toMatchObject({ deleted: 1, unknown: 0 });
      const after = storedRows(db);
      expect(after.get('nul\u0000id')?.deleted_at).not.toBeNull();
      expect(after.get('nul')).toEqual(middle.records.find((row) => row.id === 'nul'));
    });

    it('odd keys (__proto__, constructor, an empty key, a repeated key) are kept as given and pollute nothing', async () => {
      const { db, before } = await fresh();
      const input = [
        '{"id":"proto","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
        '{"id":"empty","":"empty key","a":{"":[]}}',
        '{"id":"repeated","a":1,"a":2}',
      ];
      expect(summary(await save(db, input.join('\n') + '\n'))).toMatchObject({ added: 3 });
      expect(await printedText(db)).toEqual(input);
      const update = await run(['--db', db, 'update', '--model', 'M', '--json'], '{"id":"proto","__proto__":{"more":1}}\n{"id":"keep","z":1}\n');
      expect(update.code, update.stderr).toBe(0);
      expectNoCrash(update.stderr);
      expect(JSON.parse(storedRows(db).get('keep')?.payload as string)).toEqual({ id: 'keep', v: 'untouched', z: 1 });
      expectOnlyChanged(before, snapshot(db), 'M', ['proto', 'empty', 'repeated', 'keep'], 2);
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe('ids at the length limit', () => {
    it('exactly 255 characters is accepted, counting characters (not bytes or UTF-16 units)', async () => {
      const { db, before } = await fresh();
      const ids = ['a'.repeat(255), '🎉'.repeat(255), 'é'.repeat(255), 'x'.repeat(200) + '中'.repeat(54) + '🎉'];
      const input = ids.map((id, i) => JSON.stringify({ id, i })).join('\n') + '\n';
      expect(summary(await save(db, input))).toMatchObject({ added: 4, rejected: 0 });
      expect(storedText(db)).toEqual(ids.map((id, i) => JSON.stringify({ id, i })));
      expect([...storedRows(db).keys()]).toEqual(expect.arrayContaining(ids));
      expectOnlyChanged(before, snapshot(db), 'M', ids);
    });

    it('256 characters is exit 65 naming the line (stdin and file), and nothing of the run is saved', async () => {
      const { db, before } = await fresh();
      const input = [JSON.stringify({ id: 'fine' }), JSON.stringify({ id: '🎉'.repeat(256) })].join('\n') + '\n';
      const fromStdin = await save(db, input);
      expect(fromStdin.code).toBe(65);
      expectOneLineError(fromStdin.stderr, /^rcache: <stdin>:2: .*255/);
      const file = join(scratchDir(), 'long-ids.ndjson');
      writeFileSync(file, [JSON.stringify({ id: 'fine' }), JSON.stringify({ id: 'fine2' }), JSON.stringify({ id: 'a'.repeat(256) })].join('\n') + '\n');
      const fromFile = await run(['--db', db, 'save', '--model', 'M', file]);
      expect(fromFile.code).toBe(65);
      expectOneLineError(fromFile.stderr, new RegExp(`^rcache: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: .*255`));
      expectNothingKept(db, before);
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe('numbers beyond double precision', () => {
    it('are stored and printed back exactly as given; numeric ids keep all their digits; a change past double precision is a change', async () => {
      const { db, before } = await fresh();
      const line = '{"id":"n","big":12345678901234567890123,"small":1.00000000000000000001,"huge":1e400,"tiny":-1E-400,"arr":[9007199254740993,0.1e+999]}';
      const input = [line, '{"id":12345678901234567890123,"v":"a"}', '{"id":12345678901234567890124,"v":"b"}'];
      expect(summary(await save(db, input.join('\n') + '\n'))).toMatchObject({ added: 3 });
      expect(await printedText(db)).toEqual([line, '{"id":"12345678901234567890123","v":"a"}', '{"id":"12345678901234567890124","v":"b"}']);
      expect(storedRows(db).get('n')?.payload).toBe(line);
      expectOnlyChanged(before, snapshot(db), 'M', ['n', '12345678901234567890123', '12345678901234567890124']);

      const changed = line.replace('12345678901234567890123', '12345678901234567890124');
      expect(summary(await save(db, changed + '\n'))).toMatchObject({ updated: 1, unchanged: 0 });
      expect(storedText(db).at(-1)).toBe(changed);
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe('size and depth', () => {
    it('an 8 MiB record is accepted and printed back identical', async () => {
      const { db, before } = await fresh();
      const unit = 'abcdefghij-ü-🎉-0123456789|';
      const blob = unit.repeat(Math.ceil((8 << 20) / Buffer.byteLength(unit)));
      const line = `{"id":"huge","blob":"${blob}","tail":[1,2,3]}`;
      expect(Buffer.byteLength(line)).toBeGreaterThan(8 << 20);
      expect(summary(await save(db, line + '\n'))).toMatchObject({ added: 1 });
      const printed = printedPayloads((await records(db, '--ids', 'huge')).stdout);
      expect(printed.length).toBe(1);
      expect(printed[0]!.equals(Buffer.from(line)), 'printed back byte for byte').toBe(true);
      const row = storedRows(db).get('huge')!;
      expect(row.size).toBe(Buffer.byteLength(line));
      expectOnlyChanged(before, snapshot(db), 'M', ['huge']);
    });

    const deep = (kind: 'arrays' | 'objects', depth: number) =>
      kind === 'arrays' ? `{"id":"deep","v":${'['.repeat(depth)}1${']'.repeat(depth)}}` : `{"id":"deep","v":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;

    it.each([
      { kind: 'arrays', depth: 5_000 },
      { kind: 'objects', depth: 5_000 },
      { kind: 'arrays', depth: 100_000 },
      { kind: 'objects', depth: 100_000 },
    ] as const)(
      '$depth levels of $kind: a clear exit-65 error naming the line, never a crash; --skip-invalid saves the lines around it',
      async ({ kind, depth }) => {
        const { db, before } = await fresh();
        const line = deep(kind, depth);
        const result = await save(db, `{"id":"before"}\n${line}\n{"id":"after"}\n`);
        expectNoCrash(result.stderr);
        expect(result.code).toBe(65);
        expectOneLineError(result.stderr, /^rcache: <stdin>:2: record is nested more than 1000 levels deep\n$/);
        expectNothingKept(db, before);
        const skipped = await save(db, `{"id":"before"}\n${line}\n{"id":"after"}\n`, '--skip-invalid');
        expect(summary(skipped)).toMatchObject({ added: 2, rejected: 1 });
        expect(skipped.stderr).toMatch(/^rcache: <stdin>:2: [^\n]*\n$/);
        expectOnlyChanged(before, snapshot(db), 'M', ['before', 'after']);
      },
    );

    it.each(['arrays', 'objects'] as const)('1000 levels of %s, the limit: accepted and printed back byte for byte', async (kind) => {
      const { db, before } = await fresh();
      const line = deep(kind, 999);
      const result = await save(db, `{"id":"before"}\n${line}\n{"id":"after"}\n`);
      expect(summary(result)).toMatchObject({ added: 3 });
      expect(await printedText(db)).toEqual(['{"id":"before"}', line, '{"id":"after"}']);
      const json = await records(db, '--format', 'json');
      expect(json.code, json.stderr).toBe(0);
      expectOnlyChanged(before, snapshot(db), 'M', ['before', 'deep', 'after']);
    });

    it('a record nested to the limit can still be updated with a shallow partial', async () => {
      const { db, before } = await fresh();
      const line = deep('arrays', 998);
      const saved = await save(db, line + '\n');
      expect(summary(saved)).toMatchObject({ added: 1 });
      const update = await run(['--db', db, 'update', '--model', 'M', '--json'], '{"id":"deep","x":1}\n');
      expectNoCrash(update.stderr);
      expect({ code: update.code, stderr: update.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(update.stdout.toString())).toMatchObject({ updated: 1 });
      expect(storedText(db)).toEqual([line.slice(0, -1) + ',"x":1}']);
      expectOnlyChanged(before, snapshot(db), 'M', ['deep'], 2);
    });

    it('a partial record too deep to merge is a clear exit-65 error naming its line; nothing of the run is kept', async () => {
      const { db, before } = await fresh();
      const result = await run(
        ['--db', db, 'update', '--model', 'M', '--json'],
        `{"id":"keep","w":1}\n${deep('objects', 5_000).replace('"deep"', '"keep"')}\n`,
      );
      expectNoCrash(result.stderr);
      expect(result.code).toBe(65);
      expectOneLineError(result.stderr, /^rcache: <stdin>:2: the record or the stored record is nested too deeply to merge\n$/);
      expectNothingKept(db, before);
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe('line framing: blank lines, CRLF, no final newline, BOM', () => {
    it('blank lines (empty, spaces, tabs, a lone CR) are ignored, and later line numbers still count them', async () => {
      const { db, before } = await fresh();
      expect(summary(await save(db, '{"id":"a"}\n\n   \n\t\n\r\n{"id":"b"}\n\n'))).toMatchObject({ added: 2, rejected: 0 });
      expect(storedText(db)).toEqual(['{"id":"a"}', '{"id":"b"}']);
      expectOnlyChanged(before, snapshot(db), 'M', ['a', 'b']);
      const middle = snapshot(db);
      const bad = await save(db, '{"id":"c"}\n\n \n{"id":"d"}\nnot json\n');
      expect(bad.code).toBe(65);
      expectOneLineError(bad.stderr, /^rcache: <stdin>:5: /);
      expectNothingKept(db, middle);
    });

    it('CRLF line endings: the CR is not part of the record, and the same data with LF is unchanged', async () => {
      const { db, before } = await fresh();
      expect(summary(await save(db, '{"id":"a","v":1}\r\n{"id":"b","v":"x"}\r\n'))).toMatchObject({ added: 2 });
      expect(storedText(db)).toEqual(['{"id":"a","v":1}', '{"id":"b","v":"x"}']);
      expect(summary(await save(db, '{"id":"a","v":1}\n{"id":"b","v":"x"}\n'))).toMatchObject({ added: 0, updated: 0, unchanged: 2 });
      expectOnlyChanged(before, snapshot(db), 'M', ['a', 'b'], 2);
    });

    it('a missing final newline: the last line is a record like any other', async () => {
      const { db, before } = await fresh();
      expect(summary(await save(db, '{"id":"a"}\n{"id":"last","v":"no newline"}'))).toMatchObject({ added: 2 });
      expect(storedText(db)).toEqual(['{"id":"a"}', '{"id":"last","v":"no newline"}']);
      expectOnlyChanged(before, snapshot(db), 'M', ['a', 'last']);
    });

    it('a UTF-8 BOM at the start of stdin and of each file is skipped, not part of the first record', async () => {
      const { db, before } = await fresh();
      const dir = scratchDir();
      writeFileSync(join(dir, 'one.ndjson'), '\uFEFF{"id":"bom1","v":1}\r\n{"id":"x1"}\r\n');
      writeFileSync(join(dir, 'two.ndjson'), '\uFEFF{"id":"bom2","v":2}\n');
      const result = await run(['--db', db, 'save', '--model', 'M', '--json', join(dir, 'one.ndjson'), '-', join(dir, 'two.ndjson')], '\uFEFF{"id":"bom0"}\n');
      expect(summary(result)).toMatchObject({ added: 4, rejected: 0 });
      expect(storedText(db)).toEqual(['{"id":"bom1","v":1}', '{"id":"x1"}', '{"id":"bom0"}', '{"id":"bom2","v":2}']);
      expectOnlyChanged(before, snapshot(db), 'M', ['bom1', 'x1', 'bom0', 'bom2']);
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe('invalid UTF-8', () => {
    const bad = [
      Buffer.from('{"id":"bad","v":"\xff\xfe"}', 'latin1'),
      Buffer.from('{"id":"overlong","v":"\xc0\xaf"}', 'latin1'),
      Buffer.from('{"id":"surrogate","v":"\xed\xa0\x80"}', 'latin1'),
      Buffer.from('{"id":"truncated","v":"\xe2\x82"}', 'latin1'),
    ];

    it('strict: exit 65 naming the line (stdin and file), nothing saved', async () => {
      const { db, before } = await fresh();
      const input = Buffer.concat([Buffer.from('{"id":"good"}\n'), bad[0]!, Buffer.from('\n{"id":"good2"}\n')]);
      const fromStdin = await save(db, input);
      expect(fromStdin.code).toBe(65);
      expectOneLineError(fromStdin.stderr, /^rcache: <stdin>:2: .*UTF-8/);
      const file = join(scratchDir(), 'latin1.ndjson');
      writeFileSync(file, Buffer.concat([Buffer.from('{"id":"good"}\n\n'), bad[1]!, Buffer.from('\n')]));
      const fromFile = await run(['--db', db, 'save', '--model', 'M', file]);
      expect(fromFile.code).toBe(65);
      expectOneLineError(fromFile.stderr, /latin1\.ndjson:3: .*UTF-8/);
      expectNothingKept(db, before);
    });

    it('with --skip-invalid --rejects FILE: good lines saved, each bad line reported by number and kept in FILE byte for byte', async () => {
      const { db, before } = await fresh();
      const rejects = join(scratchDir(), 'rejects.ndjson');
      const input = Buffer.concat([
        Buffer.from('{"id":"g1"}\n'),
        bad[0]!,
        Buffer.from('\n{"id":"g2"}\n'),
        bad[1]!,
        Buffer.from('\r\n'),
        bad[2]!,
        Buffer.from('\n{"id":"g3","v":"ü"}\n'),
        bad[3]!, // the last line, without a final newline
      ]);
      const result = await save(db, input, '--skip-invalid', '--rejects', rejects);
      expect(summary(result)).toMatchObject({ added: 3, rejected: 4 });
      expect(
        result.stderr
          .split('\n')
          .filter(Boolean)
          .map((line) => /^rcache: <stdin>:(\d+): .*UTF-8/.exec(line)?.[1]),
      ).toEqual(['2', '4', '5', '7']);
      expectNoCrash(result.stderr);
      const kept = readFileSync(rejects);
      const expected = Buffer.concat([bad[0]!, Buffer.from('\n'), bad[1]!, Buffer.from('\r\n'), bad[2]!, Buffer.from('\n'), bad[3]!, Buffer.from('\n')]);
      const withoutCr = Buffer.concat([bad[0]!, Buffer.from('\n'), bad[1]!, Buffer.from('\n'), bad[2]!, Buffer.from('\n'), bad[3]!, Buffer.from('\n')]);
      expect(kept.equals(expected) || kept.equals(withoutCr), `rejects file holds the bad lines verbatim: ${JSON.stringify(kept.toString('latin1'))}`).toBe(
        true,
      );
      expect(storedText(db)).toEqual(['{"id":"g1"}', '{"id":"g2"}', '{"id":"g3","v":"ü"}']);
      expectOnlyChanged(before, snapshot(db), 'M', ['g1', 'g2', 'g3']);
    });
  });

  // ---------------------------------------------------------------------------------------------

  const MiB = 1 << 20;

  /** 'exited' once the process ends while its input is still open; after a bound only a hang reaches, 'still running'. */
  async function exitedWithInputOpen(proc: Proc): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running 20 s later, its input open'), 20_000)));
    try {
      return await Promise.race([proc.exit.then(() => 'exited'), hung]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs `save` with input streamed to its stdin (never held whole in the test): `head`, then
   * `times` MiB of `x`, then `tail`. Returns the result and the process's peak RSS in KiB.
   */
  async function saveStreamed(db: string, head: string, times: number, tail: string, ...extra: string[]): Promise<{ result: RawResult; peakKiB: number }> {
    const dir = scratchDir();
    const report = join(dir, 'time.txt');
    const proc = start(['--db', db, 'save', '--model', 'M', ...extra], { prefix: TIME ? [TIME, '-f', '%M', '-o', report] : [] });
    let polled = 0;
    const poll = TIME ? undefined : setInterval(() => (polled = Math.max(polled, vmHwm(proc.child.pid!) ?? 0)), 5);
    const stdin = proc.child.stdin!;
    stdin.write(head);
    await pump(stdin, Buffer.alloc(MiB, 'x'), times);
    if (!stdin.destroyed) stdin.end(tail);
    const result = await proc.exit;
    if (poll) clearInterval(poll);
    return { result, peakKiB: TIME ? timeReport(report) : polled };
  }

  let baseline: Promise<number> | undefined;

  /** Peak RSS (KiB) of a save of one small record: the process's own overhead (measured once). */
  function baselineKiB(): Promise<number> {
    baseline ??= freshStore(store, scratchDir())
      .then((db) => saveStreamed(db, '{"id":"baseline"}\n', 0, '', '--json'))
      .then((measured) => measured.peakKiB);
    return baseline;
  }

  describe(`a line of 100 MB (peak memory from ${TIME ? '/usr/bin/time' : '/proc/PID/status VmHWM'})`, () => {
    it('without a newline, strict: exit 65 "longer than 64 MiB", memory bounded (a 300 MB line costs no more), nothing saved', async () => {
      const { db, before } = await fresh();
      const baseline = await baselineKiB();
      const { result, peakKiB } = await saveStreamed(db, '{"id":"a"}\n{"id":"big","v":"', 100, '');
      expect(result.code).toBe(65);
      expectOneLineError(result.stderr, /^rcache: <stdin>:2: .*longer than 64 MiB/);
      expectNothingKept(db, before);
      // At most the 64 MiB cap held, plus as much again of not yet collected garbage; never the line.
      expect(peakKiB - baseline, `peak ${peakKiB} KiB, baseline ${baseline} KiB`).toBeLessThan(128 * 1024);
      // Memory does not grow with the line: three times as long, (almost) the same peak.
      const longer = await saveStreamed(db, '{"id":"a"}\n{"id":"big","v":"', 300, '');
      expect(longer.result.code).toBe(65);
      expect(longer.peakKiB - peakKiB, `peak ${longer.peakKiB} KiB for 300 MB, ${peakKiB} KiB for 100 MB`).toBeLessThan(48 * 1024);
      expectNothingKept(db, before);
    });

    it('strict: an over-long line fails the run once it passes 64 MiB, without waiting for the input to end (an endless line cannot hang it)', async () => {
      const { db, before } = await fresh();
      const proc = start(['--db', db, 'save', '--model', 'M']);
      const stdin = proc.child.stdin!;
      stdin.write('{"id":"a"}\n{"id":"big","v":"');
      // 72 MiB of one line, and then the producer just stays there, its output open.
      await pump(stdin, Buffer.alloc(MiB, 'x'), 72);
      const first = await exitedWithInputOpen(proc);
      stdin.destroy();
      const result = await proc.exit;
      expect(first).toBe('exited');
      expect(result.code).toBe(65);
      expectOneLineError(result.stderr, /^rcache: <stdin>:2: .*longer than 64 MiB/);
      expectNothingKept(db, before);
    });

    it('strict: a bad line fails the run at once, without waiting for the rest of a slow input', async () => {
      const { db, before } = await fresh();
      const proc = start(['--db', db, 'save', '--model', 'M']);
      proc.child.stdin!.write('{"id":"a"}\nnot json\n');
      const first = await exitedWithInputOpen(proc);
      proc.child.stdin!.end('{"id":"b"}\n');
      const result = await proc.exit;
      expect(first).toBe('exited');
      expect(result.code).toBe(65);
      expectOneLineError(result.stderr, /^rcache: <stdin>:2: not valid JSON/);
      expectNothingKept(db, before);
    });

    it('in the middle of good input with --skip-invalid: the lines around it are saved and later line numbers are right', async () => {
      const { db, before } = await fresh();
      const baseline = await baselineKiB();
      const rejects = join(scratchDir(), 'rejects.ndjson');
      const { result, peakKiB } = await saveStreamed(
        db,
        '{"id":"a"}\nbad\n{"id":"big","v":"',
        100,
        '"}\n{"id":"b"}\nalso bad\n\n{"id":"c"}',
        '--skip-invalid',
        '--rejects',
        rejects,
        '--json',
      );
      expect(summary(result)).toMatchObject({ added: 3, rejected: 3 });
      expectNoCrash(result.stderr);
      const reported = result.stderr.split('\n').filter(Boolean);
      expect(reported.map((line) => /^rcache: <stdin>:(\d+): /.exec(line)?.[1])).toEqual(['2', '3', '5']);
      expect(reported[1]).toMatch(/longer than 64 MiB/);
      const kept = readFileSync(rejects);
      expect(kept.subarray(0, 4).toString()).toBe('bad\n');
      expect(kept.subarray(-9).toString()).toBe('also bad\n');
      expect(storedText(db)).toEqual(['{"id":"a"}', '{"id":"b"}', '{"id":"c"}']);
      expectOnlyChanged(before, snapshot(db), 'M', ['a', 'b', 'c']);
      // Bounded as in strict mode: the 64 MiB cap and garbage not yet collected, never the whole line.
      expect(peakKiB - baseline, `peak ${peakKiB} KiB, baseline ${baseline} KiB`).toBeLessThan(128 * 1024);
    });
  });
});
