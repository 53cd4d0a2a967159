import { describe, expect, it } from 'vitest';
import { readLines, splitLines } from '../src/input/ndjson.js';
import { Readable } from 'node:stream';

describe('splitting input into lines', () => {
  it('gives the lines a single split on LF would, across the pieces it decodes separately', () => {
    const samples = [
      '',
      '\n',
      'a',
      'a\n',
      '\na\n\n',
      'x'.repeat(16 * 1024) + '\n' + 'y',
      'x'.repeat(16 * 1024 - 1) + '\n' + '\n'.repeat(3),
      'ü😀ж '.repeat(20_000).replace(/ /g, '\n'),
      Array.from({ length: 5000 }, (_, i) => `{"id":"${i}","s":"${'é'.repeat(i % 40)}"}\r`).join('\n'),
      'z'.repeat(100_000),
      'z'.repeat(40_000) + '\n' + 'w'.repeat(40_000) + '\n',
    ];
    for (const text of samples) expect(splitLines(Buffer.from(text))).toEqual(text.split('\n'));
    const offset = Buffer.from('skip' + samples[8]).subarray(4);
    expect(splitLines(offset)).toEqual(samples[8]!.split('\n'));
  });

  it('numbers lines across chunks of a stream that end anywhere', async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `{"id":"${i}"}`).join('\n') + '\n';
    const seen: string[] = [];
    const bytes = Buffer.from(text);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 999) }, (_, i) => bytes.subarray(i * 999, (i + 1) * 999));
    for await (const batch of readLines(['-'], { stdin: Readable.from(chunks) })) {
      batch.lines.forEach((line, i) => {
        if (line !== '') expect(line).toBe(`{"id":"${batch.firstLine + i - 1}"}`);
        seen.push(line);
      });
    }
    expect(seen.filter((line) => line !== '')).toHaveLength(20_000);
  });
});
