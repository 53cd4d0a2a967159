import { digest, LEAF, MAX_DEPTH, type IgnoreFields, type IgnoreNode } from './canonical.js';
import { arrayElements, topLevelMembers } from './json-text.js';

/*
 * The raw hash recognises a line identical to the one its record was saved from, without parsing
 * it. With ignored fields it is taken over the line with the values of those fields replaced by a
 * mark (and the set of paths mixed in), so that a line whose only changes are in volatile fields
 * (`fetched_at`) is still recognised at once.
 *
 * Why that is sound without parsing the line: a stored raw hash always comes from a line that was
 * parsed and accepted. The mark is a control character, which valid JSON never holds, and a line
 * holding one is not marked at all; so a line whose marked text equals an accepted line's is that
 * line with other text in place of some of its ignored values. Each such text is checked to be one
 * JSON value: the line is then valid JSON, and differs from the accepted one in ignored fields only.
 */
const MARK = '\u0001';

/** The raw hash of a line (already trimmed), with the values of ignored fields left out. */
export function rawDigest(text: string, ignore: IgnoreFields): string {
  if (ignore.root === undefined) return digest(text);
  if (!ignore.leafKeys.some((key) => text.includes(key))) return digest(ignore.signature + text);
  const spans: number[] = [];
  try {
    if (text.includes(MARK) || text.charCodeAt(0) !== 0x7b) throw new SyntaxError('not an object');
    ignoredValues(text, 0, ignore.root, 1, spans);
    for (let i = 0; i < spans.length; i += 2) {
      if (spans[i]! < (i === 0 ? 0 : spans[i - 1]!)) throw new SyntaxError('out of order');
      JSON.parse(text.slice(spans[i], spans[i + 1]));
    }
  } catch {
    // Not a record: its plain hash, which no line saved with these fields left out has; it is
    // parsed, and refused, as any changed line is.
    return digest(text);
  }
  let marked = ignore.signature;
  let at = 0;
  for (let i = 0; i < spans.length; i += 2) {
    marked += text.slice(at, spans[i]) + MARK;
    at = spans[i + 1]!;
  }
  return digest(marked + text.slice(at));
}

/**
 * The raw hash of a line to compare with a record's stored raw hash `stored`. With ignored fields,
 * a record whose stored hash is the plain hash of this very line (saved without those fields left
 * out, or by an older rcache) is recognised too: the line is byte for byte what was saved.
 */
export function rawDigestAgainst(text: string, ignore: IgnoreFields, stored: string): string {
  const raw = rawDigest(text, ignore);
  return raw !== stored && ignore.root !== undefined && digest(text) === stored ? stored : raw;
}

/** Adds to `spans` where the values of the object at `from` that `node` ignores start and end; the top-level id is never ignored here, since it confirms which record a line is compared with. */
function ignoredValues(text: string, from: number, node: IgnoreNode, depth: number, spans: number[]): void {
  for (const member of topLevelMembers(text, from)) {
    const child = depth === 1 && member.key === 'id' ? undefined : node.get(member.key);
    if (child === LEAF) spans.push(member.valueStart, member.end);
    else if (child !== undefined) nestedValues(text, member.valueStart, child, depth + 1, spans);
  }
}

/** Arrays are looked through, as the canonical hash does; past the depth limit nothing more is left out, which only costs a parse. */
function nestedValues(text: string, from: number, node: IgnoreNode, depth: number, spans: number[]): void {
  if (depth > MAX_DEPTH) return;
  const first = text.charCodeAt(from);
  if (first === 0x7b) ignoredValues(text, from, node, depth, spans);
  else if (first === 0x5b) for (const [start] of arrayElements(text, from)) nestedValues(text, start, node, depth + 1, spans);
}
