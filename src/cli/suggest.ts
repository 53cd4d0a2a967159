import type { Dataset } from '../types.js';

/** Edit distance (insertions, deletions, substitutions), ignoring case. */
function distance(a: string, b: string): number {
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

/**
 * The datasets a mistyped one was probably meant to be, as a phrase ("Contact", or
 * "Contact (--connection acme)"); undefined when none is close. Names that differ by case or a
 * typo or two in the same connection come first, then the same model in another connection.
 */
export function suggestDatasets(wanted: Dataset, known: readonly Dataset[]): string | undefined {
  const near = (model: string) => distance(model, wanted.model) <= Math.max(1, Math.floor(wanted.model.length / 4));
  const sameConnection = (dataset: Dataset) => dataset.integration === wanted.integration && dataset.connection === wanted.connection;
  const models = known.filter((dataset) => sameConnection(dataset) && near(dataset.model)).map((dataset) => dataset.model);
  if (models.length > 0) return [...new Set(models)].sort((a, b) => distance(a, wanted.model) - distance(b, wanted.model)).slice(0, 3).join(' or ');
  const elsewhere = known.filter((dataset) => !sameConnection(dataset) && near(dataset.model)).slice(0, 3);
  if (elsewhere.length === 0) return undefined;
  return elsewhere.map((dataset) => namedFrom(dataset, wanted)).join(' or ');
}

/** A dataset's model, with the options that reach it from the chosen integration and connection: `Invoice (--connection acme)`. */
export function namedFrom(dataset: Dataset, chosen: Omit<Dataset, 'model'>): string {
  const flags = [
    dataset.integration !== chosen.integration ? `--integration ${dataset.integration}` : '',
    dataset.connection !== chosen.connection ? `--connection ${dataset.connection}` : '',
  ].filter(Boolean);
  return flags.length === 0 ? dataset.model : `${dataset.model} (${flags.join(' ')})`;
}
