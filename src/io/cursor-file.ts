import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { RcacheError } from '../errors.js';

/** A consumer's position kept in a file: read at start, replaced atomically as output is written. */
export class CursorFile {
  private saved: string | undefined;

  constructor(readonly path: string) {}

  /** The stored cursor; empty (the beginning) when the file does not exist or is empty. */
  read(): string {
    try {
      this.saved = readFileSync(this.path, 'utf8').trim();
      return this.saved;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw new RcacheError(`cannot read cursor file ${this.path}: ${(error as Error).message}`);
    }
  }

  /** Replaces the file with `cursor`; a reader of the file never sees it half-written. */
  write(cursor: string): void {
    if (cursor === this.saved) return;
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, cursor + '\n');
      renameSync(temporary, this.path);
      this.saved = cursor;
    } catch (error) {
      throw new RcacheError(`cannot write cursor file ${this.path}: ${(error as Error).message}`);
    }
  }
}
