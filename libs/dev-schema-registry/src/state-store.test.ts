import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { devSchemaRegistryErrors } from './errors.js';
import { registerSchema } from './registration.js';
import type { SchemaSubmission } from './request-parsing.js';
import { parseSchemaSubmission } from './request-parsing.js';
import { openStateStore } from './state-store.js';
import { makeTempDir, recordSchema } from '../test/test-helpers.js';

const submission = (text: string): SchemaSubmission => parseSchemaSubmission({ schema: text });
const v1 = submission(recordSchema('R', [{ name: 'a', type: 'string' }]));
const v2 = submission(
  recordSchema('R', [
    { name: 'a', type: 'string' },
    { name: 'b', type: 'int', default: 0 },
  ]),
);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('openStateStore', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  beforeEach(async () => {
    temp = await makeTempDir();
  });
  afterEach(async () => {
    await temp.remove();
  });

  it('saves each change to the file and loads it back with the same ids, guids and versions', async () => {
    const file = join(temp.dir, 'nested', 'state.json');
    const store = await openStateStore(file);
    const first = await store.update((draft) => registerSchema(draft, 's', v1, 'BACKWARD'));
    const second = await store.update((draft) => registerSchema(draft, 's', v2, 'BACKWARD'));
    await store.update((draft) => {
      draft.globalCompatibility = 'FULL';
      draft.subjectCompatibility.set('s', 'NONE');
    });

    const reopened = await openStateStore(file);
    const state = reopened.current();
    expect(state.schemas.get(first.id)?.guid).toBe(first.guid);
    expect(state.subjects.get('s')?.map((v) => [v.version, v.schemaId])).toEqual([
      [1, first.id],
      [2, second.id],
    ]);
    expect(state.globalCompatibility).toBe('FULL');
    expect(state.subjectCompatibility.get('s')).toBe('NONE');
    // Identity is rebuilt on load, so the same schema keeps its id.
    const again = await reopened.update((draft) => registerSchema(draft, 'other', v1, 'BACKWARD'));
    expect(again.id).toBe(first.id);
    // Only the state file is left behind: temp files were renamed over it.
    expect(await readdir(join(temp.dir, 'nested'))).toEqual(['state.json']);
  });

  it('leaves state and file unchanged when a change throws', async () => {
    const file = join(temp.dir, 'state.json');
    const store = await openStateStore(file);
    await store.update((draft) => registerSchema(draft, 's', v1, 'BACKWARD'));
    const before = await readFile(file, 'utf8');
    const err = await rejection(
      store.update((draft) => {
        draft.subjects.delete('s');
        throw new Error('changed my mind');
      }),
    );
    expect(err).toBeInstanceOf(Error);
    expect(store.current().subjects.has('s')).toBe(true);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('fails with TW_DEVSR_STORE_FAILED, keeping the old state, when the file cannot be written', async () => {
    const store = await openStateStore(join(temp.dir, 'blocked', 'state.json'));
    // A regular file where the state file's directory should be: mkdir fails, even as root.
    await writeFile(join(temp.dir, 'blocked'), 'not a directory');
    const err = await rejection(store.update((draft) => registerSchema(draft, 's', v1, 'BACKWARD')));
    expect(devSchemaRegistryErrors.is(err, 'TW_DEVSR_STORE_FAILED')).toBe(true);
    expect(store.current().subjects.size).toBe(0);
  });

  it('runs updates one at a time so concurrent registrations get distinct ids', async () => {
    const store = await openStateStore(join(temp.dir, 'state.json'));
    const results = await Promise.all([
      store.update((draft) => registerSchema(draft, 'a', v1, 'NONE')),
      store.update((draft) => registerSchema(draft, 'b', v2, 'NONE')),
      store.update((draft) => registerSchema(draft, 'c', v1, 'NONE')),
    ]);
    expect(results.map((r) => r.id)).toEqual([1, 2, 1]);
  });

  it('refuses a corrupt state file instead of overwriting it', async () => {
    const file = join(temp.dir, 'state.json');
    for (const content of ['{not json', JSON.stringify({ format: 'something else' })]) {
      await writeFile(file, content);
      const err = await rejection(openStateStore(file));
      expect(devSchemaRegistryErrors.is(err, 'TW_DEVSR_STATE_FILE_INVALID')).toBe(true);
      expect(await readFile(file, 'utf8')).toBe(content);
    }
  });

  it('keeps state in memory when no file is given', async () => {
    const store = await openStateStore(undefined);
    const registered = await store.update((draft) => registerSchema(draft, 's', v1, 'BACKWARD'));
    expect(registered).toMatchObject({ subject: 's', version: 1, id: 1 });
  });
});
