/**
 * An exact set of ids in a fraction of a Set<string>'s memory (a run may see millions): ids live
 * end to end in one byte arena, found through an open-addressing table of their hashes.
 */
export class IdSet {
  private arena: Buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private starts: Int32Array = new Int32Array(1 << 12);
  private lengths: Int32Array = new Int32Array(1 << 12);
  private hashes: Int32Array = new Int32Array(1 << 12);
  /** Slot → entry number + 1; 0 is empty. */
  private slots: Int32Array = new Int32Array(1 << 13);
  size = 0;

  private static hash(id: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    return h | 0;
  }

  private find(id: string, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]! - 1;
      if (entry < 0) return -1 - slot;
      if (this.hashes[entry] === hash && this.arena.toString('utf8', this.starts[entry], this.starts[entry]! + this.lengths[entry]!) === id) return entry;
    }
  }

  has(id: string): boolean {
    return this.find(id, IdSet.hash(id)) >= 0;
  }

  /** Adds `id`; false when it was there already. */
  add(id: string): boolean {
    const hash = IdSet.hash(id);
    const found = this.find(id, hash);
    if (found >= 0) return false;
    const bytes = Buffer.byteLength(id);
    if (this.used + bytes > this.arena.length) this.arena = grow(this.arena, this.used + bytes, this.used);
    this.arena.write(id, this.used);
    if (this.size === this.starts.length) {
      this.starts = growInts(this.starts);
      this.lengths = growInts(this.lengths);
      this.hashes = growInts(this.hashes);
    }
    this.starts[this.size] = this.used;
    this.lengths[this.size] = bytes;
    this.hashes[this.size] = hash;
    this.used += bytes;
    this.slots[-1 - found] = ++this.size;
    if (this.size * 2 > this.slots.length) this.rehash();
    return true;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let entry = 0; entry < this.size; entry++) {
      let slot = this.hashes[entry]! & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = entry + 1;
    }
  }
}

function grow(buffer: Buffer, needed: number, used: number): Buffer {
  const larger = Buffer.allocUnsafe(Math.max(needed, buffer.length * 2));
  buffer.copy(larger, 0, 0, used);
  return larger;
}

function growInts(array: Int32Array): Int32Array {
  const larger = new Int32Array(array.length * 2);
  larger.set(array);
  return larger;
}
