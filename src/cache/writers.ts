// Everything a writing run needs, in one module that readers never load.
export { versionPath } from '../decisions/version.js';
export { checkId, parseId, RecordError } from '../decisions/record.js';
export { readRecords } from '../input/input.js';
export { checkRejects } from '../input/rejects.js';
export { batchesOf } from '../input/sources.js';
export { coalesce } from '../input/coalesce.js';
export { DeleteRun, preparePartial, UpdateRun } from './edit-runs.js';
export { deleteLimit } from './guard.js';
export { readyRules } from './line-rules.js';
export { saveBatches } from './pipeline.js';
export { SaveRun } from './save-run.js';
