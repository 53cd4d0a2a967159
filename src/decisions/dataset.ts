import { InvalidArgumentError } from '../errors.js';
import type { Dataset } from '../types.js';

/** A dataset by name; integration and connection default to `default`. */
export interface DatasetName {
  integration?: string;
  connection?: string;
  model: string;
}

/** Nango's limit for the keys that name a dataset. */
const LONGEST_NAME = 255;

/** The rule for each part of a dataset's name: a string with more than spaces in it, of at most 255 characters. Throws InvalidArgumentError. */
export function checkName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidArgumentError('must not be empty');
  if ([...value].length > LONGEST_NAME) throw new InvalidArgumentError(`must be at most ${LONGEST_NAME} characters`);
  return value;
}

/** The dataset a name gives, each part checked; an InvalidArgumentError names the part that is wrong. */
export function datasetOf(name: DatasetName): Dataset {
  if (typeof name !== 'object' || name === null)
    throw new InvalidArgumentError('must be an object with a model (and, optionally, integration and connection)', 'dataset');
  const dataset: Dataset = { integration: name.integration ?? 'default', connection: name.connection ?? 'default', model: name.model };
  for (const key of ['integration', 'connection', 'model'] as const) {
    try {
      checkName(dataset[key]);
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(error.reason, key, ' ');
      throw error;
    }
  }
  return dataset;
}
