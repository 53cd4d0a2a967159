import { RcacheError } from '../errors.js';
import type { GlobalOptions } from './context.js';

export interface ServeOptions extends GlobalOptions {
  host: string;
  port: string;
  secretKey?: string;
}

export async function serve(_options: ServeOptions): Promise<void> {
  throw new RcacheError('serve is not available yet');
}
