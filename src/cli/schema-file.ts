import { readFileSync } from 'node:fs';
import { UsageError } from './usage-error.js';

/** The JSON Schema in the file an option (`--schema`) names, parsed; a file that cannot be read or is not JSON is a usage error. */
export function readSchemaFile(file: string | undefined, option = '--schema'): unknown {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : (error as Error).message;
    throw new UsageError(`${option} ${file}: cannot read it: ${reason}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option} ${file} is not JSON: ${(error as Error).message}`);
  }
}
