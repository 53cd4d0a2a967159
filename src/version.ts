import { readFileSync } from 'node:fs';

/** rcache's version, as its package.json gives it (the same file from src/ and dist/). */
export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
