import { RcacheError } from '../errors.js';

/** What a command was asked to print is not there (a dataset's schema): exit 5, which a script tells apart from a failure. */
export class NothingStoredError extends RcacheError {}
