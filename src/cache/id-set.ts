const CHUNK_BYTES = 1 << 20;
const HEADER_BYTES = 8;

/**
 * An exact set of ids in a fraction of a Set<string>'s memory (a run may see millions). Each id is
 * written once, as its hash, its length and its UTF-8 bytes, into 1 MiB chunks that never move or
 * get copied; an open-addressing table of positions finds them.
 */
export class IdSet {
  private readonly chunks: Buffer[] = [];
  /** Bytes used in the last chunk. */
  private used = CHUNK_BYTES;
  /** Slot → position of an entry + 1 (chunk number × 1 MiB + offset); 0 is empty. */
  private slots = new Uint32Array(1 << 13);
  size = 0;

  private static hash(id: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    return h | 0;
  }

  private entryHash(position: number): number {
    return this.chunks[Math.floor(position / CHUNK_BYTES)]!.readInt32LE(position % CHUNK_BYTES);
  }

  /** The slot holding `id`, or -1 - the empty slot where it would go. */
  private find(id: string, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const position = this.slots[slot]! - 1;
      if (position < 0) return -1 - slot;
      const chunk = this.chunks[Math.floor(position / CHUNK_BYTES)]!;
      const offset = position % CHUNK_BYTES;
      if (chunk.readInt32LE(offset) !== hash) continue;
      const start = offset + HEADER_BYTES;
      if (chunk.toString('utf8', start, start + chunk.readInt32LE(offset + 4)) === id) return slot;
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
    if (this.used + HEADER_BYTES + bytes > CHUNK_BYTES) {
      // An id longer than a chunk gets a chunk of its own, and the next id a fresh one.
      const size = HEADER_BYTES + bytes;
      this.chunks.push(Buffer.allocUnsafe(Math.max(size, CHUNK_BYTES)));
      this.used = 0;
    }
    const chunk = this.chunks.at(-1)!;
    chunk.writeInt32LE(hash, this.used);
    chunk.writeInt32LE(bytes, this.used + 4);
    chunk.write(id, this.used + HEADER_BYTES);
    this.slots[-1 - found] = (this.chunks.length - 1) * CHUNK_BYTES + this.used + 1;
    this.used = Math.min(this.used + HEADER_BYTES + bytes, CHUNK_BYTES);
    if (++this.size * 2 > this.slots.length) this.rehash();
    return true;
  }

  private rehash(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    const mask = this.slots.length - 1;
    for (const entry of old) {
      if (entry === 0) continue;
      let slot = this.entryHash(entry - 1) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = entry;
    }
  }
}
