import { describe, expect, it } from 'vitest';
import { Progress } from '../src/terminal/progress.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

describe('the progress line of a long save', () => {
  it('on a terminal shows records and records/s, and is erased at the end', () => {
    const terminal = stream(true);
    const progress = new Progress(terminal, 'saving', 0);
    progress.update(1500);
    progress.update(250000);
    progress.done();
    expect(terminal.written[0]).toMatch(/^\r\u001b\[2Ksaving: 1,500 records, [\d,]+\/s$/);
    expect(terminal.written[1]).toMatch(/^\r\u001b\[2Ksaving: 250,000 records, [\d,]+\/s$/);
    expect(terminal.written.at(-1)).toBe('\r\u001b[2K');
  });

  it('with an input of known size shows the share done and the time left', () => {
    const terminal = stream(true);
    const progress = new Progress(terminal, 'saving', 0, 1000);
    progress.update(100, 250);
    progress.update(300, 250);
    expect(terminal.written[0]).toMatch(/^\r\u001b\[2Ksaving: 25% · 100 records, [\d,]+\/s · about \d+(s|m\d\ds) left$/);
    expect(terminal.written[1]).toMatch(/^\r\u001b\[2Ksaving: 50% · 300 records, [\d,]+\/s · about \d+(s|m\d\ds) left$/);
  });

  it('is redrawn at most every interval', () => {
    const terminal = stream(true);
    const progress = new Progress(terminal, 'saving', 60_000);
    for (let i = 0; i < 1000; i++) progress.update(i);
    progress.done();
    expect(terminal.written).toEqual([]);
  });

  it('writes nothing at all on a pipe or a file', () => {
    const pipe = stream(false);
    const progress = new Progress(pipe, 'saving', 0);
    progress.update(10);
    progress.done();
    expect(pipe.written).toEqual([]);
  });
});
