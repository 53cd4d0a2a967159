const PAGE_BITS = 1 << 16;

/**
 * A set of row ids (StoredRecord.rowid), one bit each, in 8 KiB pages made as rows are added: a run that touches
 * a million records keeps them in about 128 KiB.
 */
export class RowSet {
  private readonly pages = new Map<number, Uint32Array>();

  /** Adds `rowid`; false when it was there already. */
  add(rowid: number): boolean {
    const index = Math.floor(rowid / PAGE_BITS);
    let page = this.pages.get(index);
    if (page === undefined) this.pages.set(index, (page = new Uint32Array(PAGE_BITS / 32)));
    const bit = rowid % PAGE_BITS;
    const mask = 1 << (bit & 31);
    const word = page[bit >>> 5]!;
    if ((word & mask) !== 0) return false;
    page[bit >>> 5] = word | mask;
    return true;
  }

  /** Removes `rowid`; false when it was not there. */
  delete(rowid: number): boolean {
    const page = this.pages.get(Math.floor(rowid / PAGE_BITS));
    const bit = rowid % PAGE_BITS;
    const mask = 1 << (bit & 31);
    if (page === undefined || (page[bit >>> 5]! & mask) === 0) return false;
    page[bit >>> 5]! &= ~mask;
    return true;
  }

  has(rowid: number): boolean {
    const page = this.pages.get(Math.floor(rowid / PAGE_BITS));
    if (page === undefined) return false;
    const bit = rowid % PAGE_BITS;
    return (page[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }
}
