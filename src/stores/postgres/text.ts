/*
 * PostgreSQL's text cannot hold NUL, and the client turns a lone surrogate into U+FFFD, so two
 * distinct ids could become one. Ids and dataset names are therefore stored escaped: a backslash
 * becomes `\\`, NUL `\0`, and a lone surrogate `\uXXXX`. Every other string is stored as it is, so
 * the rows stay readable, and the mapping is one to one.
 */
const NEEDS_ESCAPE = /[\\\0]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NEEDS_ESCAPE_ALL = new RegExp(NEEDS_ESCAPE.source, 'g');
const ESCAPED = /\\(\\|0|u[0-9a-f]{4})/g;

function escapeOne(char: string): string {
  if (char === '\\') return '\\\\';
  if (char === '\0') return '\\0';
  return '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0');
}

function unescapeOne(_: string, code: string): string {
  if (code === '\\') return '\\';
  if (code === '0') return '\0';
  return String.fromCharCode(parseInt(code.slice(1), 16));
}

/** The stored form of an id or a dataset name. */
export function escapeText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(NEEDS_ESCAPE_ALL, escapeOne) : text;
}

/** The id or name a stored form stands for. */
export function unescapeText(stored: string): string {
  return stored.includes('\\') ? stored.replace(ESCAPED, unescapeOne) : stored;
}
