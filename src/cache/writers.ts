// Everything a writing run needs, in one module that readers never load.
export { versionPath } from '../decisions/version.js';
export { checkId, parseId, RecordError } from '../decisions/record.js';
export { readRecords } from '../io/input.js';
export { checkRejects } from '../io/rejects.js';
export { batchesOf } from '../io/sources.js';
export { coalesce } from '../io/coalesce.js';
export { DeleteRun, preparePartial, UpdateRun } from './edit-runs.js';
export { deleteLimit } from './guard.js';
export { readyRules } from './line-rules.js';
export { saveBatches } from './pipeline.js';
export { SaveRun } from './save-run.js';
