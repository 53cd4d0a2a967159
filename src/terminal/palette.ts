import { Chalk, type ChalkInstance } from 'chalk';

/** Colours for text on a stream, or plain text when `color` is false (see wantsColor). */
export function palette(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}
