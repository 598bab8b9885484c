import { alertingErrors } from '../src/errors.js';
import type { SilenceStore } from '../src/silences/silence-store.js';

/**
 * A silence store that holds no silences and refuses writes: enough for route tests about paths,
 * methods and unknown ids, which then need no Redis. Store semantics are tested on Redis in
 * silence-store.redis.test.ts.
 */
export function emptySilenceStore(): SilenceStore {
  const notFound = (id: string) => alertingErrors.create('TW_ALERT_SILENCE_NOT_FOUND', `no silence with id ${id}`, { details: { id } });
  return {
    create: () => Promise.reject(new Error('emptySilenceStore refuses writes')),
    update: (id) => Promise.reject(notFound(id)),
    get: (id) => Promise.reject(notFound(id)),
    list: () => Promise.resolve([]),
    expire: (id) => Promise.reject(notFound(id)),
    active: () => Promise.resolve([]),
    purge: () => Promise.resolve(0),
  };
}
