import type { RecordsCache } from './cache.js';
import { Run } from './run.js';
import type { Dataset } from './types.js';

/** A `delete` run: live records get a deleted mark and keep their last payload. */
export class DeleteRun extends Run {
  constructor(cache: RecordsCache, dataset: Dataset) {
    super(cache, 'delete', dataset);
  }

  write(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.begin();
    const select = this.cache.statement('SELECT rowid, deleted_at FROM records WHERE dataset_id = ? AND id = ?');
    for (const id of ids) {
      if (this.see(id)) continue;
      const row = select.get(this.datasetId, id) as { rowid: number; deleted_at: number | null } | undefined;
      if (row === undefined) this.summary.unknown++;
      else if (row.deleted_at !== null) this.summary.unchanged++;
      else this.markDeleted(row.rowid);
    }
  }
}
