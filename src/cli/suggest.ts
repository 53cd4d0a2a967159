import { distance } from '../decisions/distance.js';
import type { Dataset } from '../types.js';

/**
 * The datasets a mistyped one was probably meant to be, as a phrase ("Contact", or
 * "Contact (--connection acme)"); undefined when none is close. Names that differ by case or a
 * typo or two in the same connection come first, then the same model in another connection.
 */
export function suggestDatasets(wanted: Dataset, known: readonly Dataset[]): string | undefined {
  const near = (model: string) => distance(model, wanted.model) <= Math.max(1, Math.floor(wanted.model.length / 4));
  const sameConnection = (dataset: Dataset) => dataset.integration === wanted.integration && dataset.connection === wanted.connection;
  const models = known.filter((dataset) => sameConnection(dataset) && near(dataset.model)).map((dataset) => dataset.model);
  if (models.length > 0)
    return [...new Set(models)]
      .sort((a, b) => distance(a, wanted.model) - distance(b, wanted.model))
      .slice(0, 3)
      .join(' or ');
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
