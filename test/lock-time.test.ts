// A run's changes carry the time the run took its dataset's write lock (README: "What rcache does
// not promise"), not the time it began to wait for it: a reader asking for changes modified after
// the moment a writer committed must find those of the writer that waited behind it.
import { afterEach, describe, expect, it } from 'vitest';
import { Cache } from '../src/cache/cache.js';
import { openStore } from '../src/stores/open.js';
import type { Store } from '../src/stores/store.js';
import { rcache, start, until } from './harness.js';
import { lines } from './helpers.js';
import { POSTGRES_URL, STORES, adminClient, freshDatabase, freshStore } from './stores.js';

const CONTACTS = { model: 'Contact' };
const open: (Cache | Store)[] = [];
afterEach(async () => {
  for (const handle of open.splice(0)) await handle.close();
});

/** The store at `location`, telling `onBegin` when a run asks for its lock and `onLocked` once it holds it. */
async function watchedStore(location: string, hooks: { onBegin?: () => void; onLocked?: () => void }): Promise<Store> {
  const store = await openStore(location, {});
  const watched: Store = Object.create(store, {
    beginRun: {
      value: async (...args: Parameters<Store['beginRun']>) => {
        hooks.onBegin?.();
        const run = await store.beginRun(...args);
        hooks.onLocked?.();
        return run;
      },
    },
  });
  return watched;
}

function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

/** A save into Contact that takes the dataset's lock with a first batch of lines and holds it until `release` fires. */
function holdingSave(cache: Cache, release: Promise<void>) {
  async function* input() {
    for (let i = 0; i < 2000; i++) yield `{"id":"held-${i}"}`;
    await release;
    yield '{"id":"held-last"}';
  }
  return cache.save(CONTACTS, input());
}

describe.each(STORES)('on %s, a save that waited for the write lock', (kind) => {
  it('stamps its changes with the time it took the lock', async () => {
    const location = await freshStore(kind);
    const clock = { now: Date.parse('2024-05-01T00:00:00Z') };
    const locked = signal();
    const holder = new Cache(await watchedStore(location, { onLocked: locked.fire }), () => clock.now);
    open.push(holder);
    const release = signal();
    const holding = holdingSave(holder, release.promise);
    await locked.promise;

    clock.now = Date.parse('2024-05-01T00:00:10Z');
    const waits = signal();
    const waiter = new Cache(await watchedStore(location, { onBegin: waits.fire }), () => clock.now);
    open.push(waiter);
    const waiting = waiter.save(CONTACTS, ['{"id":"late"}']);
    await waits.promise;

    clock.now = Date.parse('2024-05-01T00:00:20Z');
    release.fire();
    await holding;
    expect(await waiting).toMatchObject({ added: 1 });
    const late = await waiter.record(CONTACTS, 'late');
    expect(new Date(late!.lastModifiedAt).toISOString()).toBe('2024-05-01T00:00:20.000Z');
    const [, run] = await waiter.runs();
    expect([run!.startedAt, run!.finishedAt].map((time) => new Date(time).toISOString())).toEqual(['2024-05-01T00:00:10.000Z', '2024-05-01T00:00:20.000Z']);
  });
});

describe.skipIf(POSTGRES_URL === undefined)('rcache save on PostgreSQL behind another writer of its dataset', () => {
  it('stamps its records after the writer it waited for committed', async () => {
    const { name, url } = await freshDatabase();
    expect((await rcache(['--db', url, 'save', '--model', 'Contact'], { input: '{"id":"seed"}\n' })).code).toBe(0);
    const locked = signal();
    const holder = new Cache(await watchedStore(url, { onLocked: locked.fire }), Date.now);
    open.push(holder);
    const release = signal();
    const holding = holdingSave(holder, release.promise);
    await locked.promise;

    const waiter = start(['--db', url, 'save', '--model', 'Contact', '--json']);
    waiter.child.stdin!.end('{"id":"late"}\n');
    const admin = await adminClient();
    const waitsForLock = async () =>
      (await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [name])).rows[0].n > 0;
    await until(async () => !waiter.running() || (await waitsForLock()), 20_000, 'the save to wait for the lock');
    expect(waiter.running(), waiter.err()).toBe(true);
    const released = Date.now();
    release.fire();
    await holding;
    const result = await waiter.exit;
    expect(result.code, result.stderr).toBe(0);
    const late = lines((await rcache(['--db', url, 'records', '--model', 'Contact', '--ids', 'late'])).stdout)[0]!;
    expect(Date.parse(late._nango_metadata.last_modified_at)).toBeGreaterThanOrEqual(released);
  });
});
