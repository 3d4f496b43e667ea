import type { Store } from './store.js';

/**
 * Writes a change and the alerts it raises as one unit: a process that dies midway leaves neither, so the
 * change is seen again (a webhook's retry, the next poll) and its alert raised then. The work writes
 * through the store it is given and reports the change through `alert`.
 */
export type CommitWithAlerts<Change> = <T>(shop: string, work: (store: Store, alert: (change: Change) => Promise<void>) => Promise<T>) => Promise<T>;

/** Without alerts to keep with the writes: they go to the store one by one. */
export const writeAlone = <Change>(store: Store): CommitWithAlerts<Change> => (_shop, work) => work(store, async () => undefined);
