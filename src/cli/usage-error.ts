import { RcacheError } from '../errors.js';

/** A mistake in how rcache was called: an option, a missing argument. */
export class UsageError extends RcacheError {}
