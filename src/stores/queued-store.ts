import {
  StoreError,
  type BeginOptions,
  type CheckpointWrite,
  type Deliveries,
  type DeliveryHold,
  type Dataset,
  type Maintenance,
  type MaintenanceOptions,
  type Schemas,
  type Store,
  type StoredCheckpoint,
  type WriteRun,
} from './store.js';
import { EVERY_DATASET, WriteQueue, type WriteScope } from './write-queue.js';

const LONGEST_TIMER = 2 ** 31 - 1;
/** The scope of webhook positions' writes: apart from every dataset's. */
const DELIVERIES: WriteScope = '\u0000deliveries';

function scopeOf(dataset: Dataset): WriteScope {
  return JSON.stringify([dataset.integration, dataset.connection, dataset.model]);
}

/**
 * A store whose writes from this process are queued as its `concurrentWrites` allows (see the
 * Store interface): what lets a program's calls overlap freely. Reads pass straight through.
 */
export class QueuedStore implements Store {
  private readonly queue: WriteQueue;

  constructor(
    private readonly store: Store,
    /** The database as messages name it. */
    private readonly location = 'the database',
    private readonly busyTimeout = 60_000,
  ) {
    this.queue = new WriteQueue(Math.max(1, store.concurrentWrites ?? 1));
  }

  get batchBytes(): number | undefined {
    return this.store.batchBytes;
  }

  get concurrentWrites(): number | undefined {
    return this.store.concurrentWrites;
  }

  /** Waits for the turn of a write of `scope`, then runs it to its end. */
  private async queued<T>(scope: WriteScope, write: () => Promise<T>): Promise<T> {
    const release = await this.enter(scope);
    try {
      return await write();
    } finally {
      release();
    }
  }

  private enter(scope: WriteScope, signal?: AbortSignal): Promise<() => void> {
    const timedOut = () =>
      new StoreError('busy', `cannot write to ${this.location}: for the busy timeout (${this.busyTimeout} ms), no other write of this program ended`);
    return this.queue.enter(scope, Math.min(this.busyTimeout, LONGEST_TIMER), timedOut, signal);
  }

  async beginRun(dataset: Dataset, options: BeginOptions): Promise<WriteRun | undefined> {
    const release = await this.enter(scopeOf(dataset), options.signal);
    let run: WriteRun | undefined;
    try {
      run = await this.store.beginRun(dataset, options);
    } finally {
      if (run === undefined) release();
    }
    return run && queuedRun(run, release);
  }

  /** Work on whole datasets holds its turn until it commits or aborts; read-only work is not queued. */
  async beginMaintenance(options: MaintenanceOptions): Promise<Maintenance> {
    if (options.readonly) return this.store.beginMaintenance(options);
    const named = options.datasets;
    const one = named?.integration !== undefined && named.connection !== undefined && named.model !== undefined;
    const release = await this.enter(one ? scopeOf(named as Dataset) : EVERY_DATASET);
    let maintenance: Maintenance | undefined;
    try {
      maintenance = await this.store.beginMaintenance(options);
    } finally {
      if (maintenance === undefined) release();
    }
    return queuedMaintenance(maintenance, release);
  }

  /** Compacting rewrites the storage of every dataset. */
  compact(): Promise<number> {
    return this.queued(EVERY_DATASET, () => this.store.compact());
  }

  info() {
    return this.store.info();
  }

  findDataset(...args: Parameters<Store['findDataset']>) {
    return this.store.findDataset(...args);
  }

  findHorizon(...args: Parameters<Store['findHorizon']>) {
    return this.store.findHorizon(...args);
  }

  readChanges(...args: Parameters<Store['readChanges']>) {
    return this.store.readChanges(...args);
  }

  /** The store's own, when it has one: the reader falls back on readChanges without it. */
  get readChangeBytes(): Store['readChangeBytes'] {
    return this.store.readChangeBytes?.bind(this.store);
  }

  readRecord(...args: Parameters<Store['readRecord']>) {
    return this.store.readRecord(...args);
  }

  version() {
    return this.store.version();
  }

  waitForCommit(...args: Parameters<Store['waitForCommit']>) {
    return this.store.waitForCommit(...args);
  }

  datasets(...args: Parameters<Store['datasets']>) {
    return this.store.datasets(...args);
  }

  runs(...args: Parameters<Store['runs']>) {
    return this.store.runs(...args);
  }

  runCounts() {
    return this.store.runCounts();
  }

  datasetRunCounts() {
    return this.store.datasetRunCounts();
  }

  /** Webhook positions are written on the store's connection too: their writes take turns with the runs'. */
  deliveries(): Deliveries {
    const deliveries = this.store.deliveries();
    const turn = <T>(write: () => Promise<T>) => this.queued(DELIVERIES, write);
    const held = (hold: DeliveryHold): DeliveryHold => ({
      url: hold.url,
      position: hold.position,
      advance: (...args) => turn(() => hold.advance(...args)),
      fail: (...args) => turn(() => hold.fail(...args)),
      renew: () => turn(() => hold.renew()),
      release: () => turn(() => hold.release()),
    });
    return {
      register: (...args) => turn(() => deliveries.register(...args)),
      hold: async (...args) => {
        const hold = await turn(() => deliveries.hold(...args));
        return hold && held(hold);
      },
      runsAfter: (...args) => deliveries.runsAfter(...args),
      list: () => deliveries.list(),
    };
  }

  endOf(...args: Parameters<Store['endOf']>) {
    return this.store.endOf(...args);
  }

  /** The store, when it keeps checkpoints (a program's own store may not); else a StoreError saying so. */
  checkpointing(): Required<Pick<Store, 'readCheckpoint' | 'writeCheckpoint'>> {
    if (this.store.readCheckpoint === undefined || this.store.writeCheckpoint === undefined) {
      throw new StoreError('failed', `${this.location} keeps no checkpoints: its store does not implement them`);
    }
    return this.store as Required<Store>;
  }

  /** A store that keeps no checkpoints has none to read. */
  async readCheckpoint(dataset: Dataset): Promise<StoredCheckpoint> {
    return this.store.readCheckpoint?.(dataset) ?? { text: null, version: 0, updatedAt: null };
  }

  /** A checkpoint written alone takes its turn as a write of its dataset. */
  writeCheckpoint(dataset: Dataset, write: CheckpointWrite): Promise<{ written: boolean; stored: StoredCheckpoint }> {
    const store = this.checkpointing();
    return this.queued(scopeOf(dataset), () => store.writeCheckpoint(dataset, write));
  }

  close(): Promise<void> {
    this.queue.close(new StoreError('failed', `the cache at ${this.location} was closed before this write could begin`));
    return this.store.close();
  }

  /** A schema is written in its dataset's turn; a store that keeps no schemas has none to give, and refuses to keep one. */
  schemas(): Schemas {
    const schemas = this.store.schemas?.();
    return {
      get: (dataset) => schemas?.get(dataset) ?? Promise.resolve(undefined),
      list: (filter) => schemas?.list(filter) ?? Promise.resolve([]),
      set: (dataset, schema) => {
        if (schemas === undefined) return Promise.reject(new StoreError('failed', `the store of ${this.location} keeps no schemas`));
        return this.queued(scopeOf(dataset), () => schemas.set(dataset, schema));
      },
    };
  }
}

/** The run, ending its turn once it has ended (committed, failed to commit, or aborted). */
function queuedRun(run: WriteRun, release: () => void): WriteRun {
  const end = () => run.abort().finally(release);
  return {
    dataset: run.dataset,
    time: run.time,
    startPosition: run.startPosition,
    emptyAtStart: run.emptyAtStart,
    liveAtStart: run.liveAtStart,
    lookup: (ids) => run.lookup(ids),
    payloads: (keys) => run.payloads(keys),
    write: (ops) => run.write(ops),
    untouchedLive: (afterKey, limit) => run.untouchedLive(afterKey, limit),
    // A commit that failed may have left the run open: it is over before another write begins.
    commit: (entry, move, checkpoint) => run.commit(entry, move, checkpoint).finally(end),
    abort: end,
    readCheckpoint: run.readCheckpoint && (() => run.readCheckpoint!()),
  };
}

/** The maintenance, ending its turn once it has ended (committed, failed to commit, or aborted). */
function queuedMaintenance(maintenance: Maintenance, release: () => void): Maintenance {
  const end = () => maintenance.abort().finally(release);
  return {
    datasets: maintenance.datasets,
    time: maintenance.time,
    countRecords: (...args) => maintenance.countRecords(...args),
    selectPayloads: (...args) => maintenance.selectPayloads(...args),
    dropPayloads: (...args) => maintenance.dropPayloads(...args),
    clearDataset: (...args) => maintenance.clearDataset(...args),
    appendRun: (...args) => maintenance.appendRun(...args),
    commit: () => maintenance.commit().finally(end),
    abort: end,
    clearCheckpoint: maintenance.clearCheckpoint && ((dataset) => maintenance.clearCheckpoint!(dataset)),
  };
}
