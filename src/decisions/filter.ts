import { InvalidArgumentError } from '../errors.js';
import { ACTIONS, type Action } from '../types.js';

/** `added`, `updated`, `deleted` or a comma list of them, in any case: the actions a reader wants. */
export function parseFilter(text: string, what?: string): Action[] {
  const actions = text.split(',').map((part) => part.trim().toUpperCase());
  for (const action of actions) {
    if (!ACTIONS.includes(action as Action)) {
      throw new InvalidArgumentError(`invalid filter '${text}': use added, updated, deleted, or a comma list of them`, what);
    }
  }
  return [...new Set(actions as Action[])];
}
