/*
 * better-sqlite3 binds a string's lone surrogates as the three bytes UTF-8 would give their code
 * points, so distinct ids stay distinct in the file, but it reads such bytes back as U+FFFD. An id
 * read back with U+FFFD in it is read again as bytes (`CAST(id AS BLOB)`) and decoded here, lone
 * surrogates included. Every other id reads back as it was written.
 */

/** Whether text read from the database may stand for other text than it shows. */
export function mayBeInexact(text: string): boolean {
  return text.includes('\ufffd');
}

/** The text that better-sqlite3 bound as these bytes. */
export function decodeText(bytes: Uint8Array): string {
  const units: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const first = bytes[i]!;
    if (first < 0x80) {
      units.push(first);
      i += 1;
    } else if (first < 0xe0) {
      units.push(((first & 0x1f) << 6) | (bytes[i + 1]! & 0x3f));
      i += 2;
    } else if (first < 0xf0) {
      // Three bytes: a character of the basic plane, or a lone surrogate.
      units.push(((first & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f));
      i += 3;
    } else {
      const point = ((first & 0x07) << 18) | ((bytes[i + 1]! & 0x3f) << 12) | ((bytes[i + 2]! & 0x3f) << 6) | (bytes[i + 3]! & 0x3f);
      units.push(0xd800 + ((point - 0x10000) >> 10), 0xdc00 + ((point - 0x10000) & 0x3ff));
      i += 4;
    }
  }
  let text = '';
  for (let i = 0; i < units.length; i += 4096) text += String.fromCharCode(...units.slice(i, i + 4096));
  return text;
}
