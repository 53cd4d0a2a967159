// Everything a writing run needs, in one module that readers never load.
export { IgnoreFields } from '../decisions/canonical.js';
export { checkId, parseId, RecordError } from '../decisions/record.js';
export { readRecords } from '../io/input.js';
export { batchesOf } from '../io/sources.js';
export { coalesce } from '../io/coalesce.js';
export { DeleteRun, preparePartial, UpdateRun } from './edit-runs.js';
export { saveBatches } from './pipeline.js';
export { SaveRun } from './save-run.js';
