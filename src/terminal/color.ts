/**
 * Whether to colour a stream: --color/--no-color first, then NO_COLOR, then FORCE_COLOR, then
 * whether the stream is a terminal. Decided once here so chalk and tables agree.
 */
export function wantsColor(stream: { isTTY?: boolean }, flag: boolean | undefined, env = process.env): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}
