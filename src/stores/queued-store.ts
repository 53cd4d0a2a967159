import {
  StoreError,
  type BeginOptions,
  type Deliveries,
  type DeliveryHold,
  type Dataset,
  type PruneRequest,
  type PruneUntilCounts,
  type Store,
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

  prune(request: PruneRequest) {
    if (request.dryRun) return this.store.prune(request);
    // Compacting rewrites the storage of every dataset.
    const scope = request.dataset === undefined || request.compact ? EVERY_DATASET : scopeOf(request.dataset);
    return this.queued(scope, () => this.store.prune(request));
  }

  pruneUntil(dataset: Dataset, until: number, options: { now: number; limit?: number; dryRun: boolean; compact?: boolean }): Promise<PruneUntilCounts> {
    if (options.dryRun) return this.store.pruneUntil(dataset, until, options);
    return this.queued(options.compact ? EVERY_DATASET : scopeOf(dataset), () => this.store.pruneUntil(dataset, until, options));
  }

  reset(dataset: Dataset, now: number) {
    return this.queued(scopeOf(dataset), () => this.store.reset(dataset, now));
  }

  info() {
    return this.store.info();
  }

  findDataset(...args: Parameters<Store['findDataset']>) {
    return this.store.findDataset(...args);
  }

  readChanges(...args: Parameters<Store['readChanges']>) {
    return this.store.readChanges(...args);
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

  close(): Promise<void> {
    this.queue.close(new StoreError('failed', `the cache at ${this.location} was closed before this write could begin`));
    return this.store.close();
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
    commit: (outcome) => run.commit(outcome).finally(end),
    abort: end,
  };
}
