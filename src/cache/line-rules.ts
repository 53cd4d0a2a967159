import { IgnoreFields } from '../decisions/canonical.js';
import type { RecordChecks } from '../decisions/record.js';

/** How a save prepares its lines, in a form that can be posted to the worker thread that prepares most of them. */
export interface LineRules {
  ignoreFields: readonly string[];
  versionPath?: readonly string[];
  /** A parsed JSON Schema every record must satisfy. */
  schema?: unknown;
}

/** Line rules ready to apply on one thread. */
export interface ReadyRules {
  ignore: IgnoreFields;
  checks: RecordChecks;
}

/** Makes rules ready: the schema is compiled (Ajv is loaded only when there is one); `checked`: it was compiled once already. */
export async function readyRules(rules: LineRules, checked = false): Promise<ReadyRules> {
  const validate = rules.schema === undefined ? undefined : await (await import('../schema/compile.js')).compileSchema(rules.schema, { checked });
  return { ignore: new IgnoreFields(rules.ignoreFields), checks: { versionPath: rules.versionPath, validate } };
}
