/** Edit distance (insertions, deletions, substitutions), ignoring case. */
export function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The name of `names` that `wanted` was probably meant to be (a typo, another case, snake_case for camelCase); undefined when none is close. */
export function closest(wanted: string, names: readonly string[]): string | undefined {
  const plain = (name: string) => name.replace(/[-_]/g, '');
  const scored = names.map((name) => ({ name, score: distance(plain(wanted), plain(name)) }));
  const best = scored.sort((a, b) => a.score - b.score)[0];
  return best !== undefined && best.score <= Math.max(1, Math.floor(wanted.length / 4)) ? best.name : undefined;
}
