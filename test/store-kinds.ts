// Every store the suite covers. Adding one is adding its name here: the compiler then asks for its
// maker (stores.ts), its fixture (store-fixtures.ts) and whether a run has it (vitest.config.ts),
// and every contract case and every end-to-end file of vitest.config.ts runs on it.

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** The store of the first project, which runs every file; the other stores' projects run the end-to-end files again. */
export const DEFAULT_STORE: StoreKind = 'sqlite';

export function isStoreKind(name: string): name is StoreKind {
  return (STORE_KINDS as readonly string[]).includes(name);
}
