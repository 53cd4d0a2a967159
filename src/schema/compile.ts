import type { ErrorObject, ValidateFunction } from 'ajv';
import { InvalidArgumentError } from '../errors.js';

/** Checks a record's payload (parsed): the reason it fails the schema, or undefined when it passes. */
export type RecordCheck = (payload: unknown) => string | undefined;

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;
const DRAFT_2020_12 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;

/**
 * Compiles a JSON Schema (draft 2020-12, or draft-07 when its `$schema` says so) into a check of
 * records. Ajv and its formats are loaded only here: a save without a schema never loads them.
 * A schema that is not one, or of another draft, is an InvalidArgumentError.
 */
export async function compileSchema(schema: unknown, { checked = false } = {}): Promise<RecordCheck> {
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    throw new InvalidArgumentError('must be a JSON Schema: an object (or true or false)', 'schema');
  }
  const declared = typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  if (declared !== undefined && (typeof declared !== 'string' || !(DRAFT_07.test(declared) || DRAFT_2020_12.test(declared)))) {
    throw new InvalidArgumentError(`only JSON Schema draft 2020-12 and draft-07 are supported, not $schema ${JSON.stringify(declared)}`, 'schema');
  }
  // Unknown keywords (annotations such as "x-order") are allowed; a schema that breaks its draft's
  // rules is not. Checking that (against the draft's meta-schema) is most of the cost of compiling:
  // a schema `checked` on another thread already is not checked again.
  const options = { allErrors: false, strict: false, logger: false as const, validateSchema: !checked };
  const draft07 = declared !== undefined && DRAFT_07.test(declared);
  const [ajv, formats] = await Promise.all([
    draft07 ? import('ajv').then(({ Ajv }) => new Ajv(options)) : import('ajv/dist/2020.js').then(({ Ajv2020 }) => new Ajv2020(options)),
    import('ajv-formats'),
  ]);
  (formats.default as unknown as (ajv: unknown) => void)(ajv);
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema as object);
  } catch (error) {
    throw new InvalidArgumentError(`is not a valid JSON Schema: ${(error as Error).message}`, 'schema');
  }
  return (payload) => (validate(payload) ? undefined : failure(validate.errors![0]!));
}

/** The first rule a record breaks: where (a JSON pointer), what, and which rule of the schema. */
function failure(error: ErrorObject): string {
  let pointer = error.instancePath;
  const property =
    (error.params as { missingProperty?: string; additionalProperty?: string }).missingProperty ??
    (error.params as { additionalProperty?: string }).additionalProperty;
  if ((error.keyword === 'required' || error.keyword === 'additionalProperties') && property !== undefined)
    pointer += '/' + property.replace(/~/g, '~0').replace(/\//g, '~1');
  return `fails the schema at ${pointer === '' ? 'the record itself' : pointer}: ${error.message ?? 'is not valid'} (${error.keyword}, ${error.schemaPath})`;
}
