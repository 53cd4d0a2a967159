import stringWidth from 'string-width';

const ASCII = /^[\x20-\x7e]*$/;
// Text where every UTF-16 unit is one character one column wide (printable Latin, Greek, most of
// Cyrillic, dashes and quotes): measured and cut by length, without the grapheme segmenter.
const NARROW = /^[\x20-\x7e\xa0-\xac\xae-\u02ff\u0370-\u0377\u037a-\u03ff\u0400-\u0482\u048a-\u04ff\u2010-\u2027\u2030-\u205e]*$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Control characters would move the cursor or end the line: they are shown escaped. */
export function visible(text: string): string {
  return ASCII.test(text) ? text : text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One user-perceived character: a regional-indicator pair (a flag), or a character with the marks,
 * variation selectors, skin tones, tags and zero-width-joined characters that follow it. Close to
 * Unicode's extended grapheme cluster, and many times faster than Intl.Segmenter.
 */
const GRAPHEME =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: a class of combining marks and modifiers, each matched alone (u flag)
  /\p{RI}\p{RI}|[\s\S][\p{M}\u200c\ufe00-\ufe0f\u{1f3fb}-\u{1f3ff}\u{e0020}-\u{e007f}]*(?:\u200d[\s\S][\p{M}\u200c\ufe00-\ufe0f\u{1f3fb}-\u{1f3ff}\u{e0020}-\u{e007f}]*)*/uy;
const widths = new Map<string, number>();

/** A long cell is cut before it is looked at, so a huge payload costs no more than a short one. */
export function precut(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max * 4) return text;
  let end = max * 4;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Width of one grapheme: the common case (a Latin, Greek or Cyrillic letter) without a lookup. */
function graphemeWidth(grapheme: string): number {
  const code = grapheme.charCodeAt(0);
  if (grapheme.length === 1 && code >= 0x20 && code < 0x300 && code !== 0x7f) return 1;
  let width = widths.get(grapheme);
  if (width === undefined) {
    width = stringWidth(grapheme);
    if (widths.size < 10_000) widths.set(grapheme, width);
  }
  return width;
}

/**
 * Cuts `text` to at most `width` columns, never inside a character (grapheme), ending in `…` when
 * cut; returns the text and its width. Only as much of the text is looked at as can be shown.
 */
export function cut(text: string, width: number): [string, number] {
  if (ASCII.test(text) || NARROW.test(text)) return text.length <= width ? [text, text.length] : width <= 0 ? ['', 0] : [`${text.slice(0, width - 1)}…`, width];
  let used = 0;
  let fits = 0;
  let fitsWidth = 0;
  for (let at = 0; at < text.length; ) {
    GRAPHEME.lastIndex = at;
    GRAPHEME.test(text);
    const end = GRAPHEME.lastIndex;
    const w = graphemeWidth(text.slice(at, end));
    if (used + w > width) return width <= 0 ? ['', 0] : [`${text.slice(0, fits)}…`, fitsWidth + 1];
    used += w;
    at = end;
    if (used <= width - 1) {
      fits = at;
      fitsWidth = used;
    }
  }
  return [text, used];
}

/** Display width in terminal columns (CJK and most emoji take two), counted no further than `limit`. */
export function displayWidth(text: string, limit = Infinity): number {
  return ASCII.test(text) ? text.length : cut(text, limit)[1];
}
