import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseAvroSchema } from './avro-schema.js';
import { compatibilityLevels } from './compatibility.js';
import { devSchemaRegistryErrors } from './errors.js';
import { emptyState } from './registry-state.js';
import type { RegistryState } from './registry-state.js';

/** Holds the registry state in memory and, when given a file, on disk. */
export interface StateStore {
  /** The current state. Read only: every change goes through `update`. */
  current(): RegistryState;
  /**
   * Runs `change` on a copy of the state, saves the copy, then makes it current, and returns what
   * `change` returned. Updates run one at a time, so a check and the write it guards see the same
   * state. If `change` throws or the save fails (TW_DEVSR_STORE_FAILED) nothing changes.
   */
  update<T>(change: (draft: RegistryState) => T): Promise<T>;
}

const FORMAT = 'tidewater-dev-schema-registry/1';

const positiveInt = z.number().int().positive();
const level = z.enum(compatibilityLevels);

/** The state file: JSON arrays rather than Maps, without the derived canonical forms. */
const stateFileSchema = z.object({
  format: z.literal(FORMAT),
  globalCompatibility: level.nullable(),
  schemas: z.array(z.object({ id: positiveInt, guid: z.string().min(1), schema: z.string().min(1) })),
  subjects: z.array(
    z.object({
      subject: z.string(),
      versions: z.array(z.object({ version: positiveInt, schemaId: positiveInt, deleted: z.boolean() })),
    }),
  ),
  subjectCompatibility: z.array(z.object({ subject: z.string(), compatibility: level })),
});

type StateFile = z.infer<typeof stateFileSchema>;

/**
 * Opens the store, loading `file` when it exists; without a file the state lives in memory only.
 * A file that is not a valid state is refused (TW_DEVSR_STATE_FILE_INVALID) rather than
 * overwritten, so a mistake never silently loses registered ids.
 */
export async function openStateStore(file: string | undefined): Promise<StateStore> {
  let state = file === undefined ? emptyState() : await loadStateFile(file);
  let savedText = serializeState(state);
  let queue: Promise<unknown> = Promise.resolve();

  const apply = async <T>(change: (draft: RegistryState) => T): Promise<T> => {
    const draft = structuredClone(state);
    const result = change(draft);
    const text = serializeState(draft);
    // Idempotent requests (re-registering a known schema) leave the file alone.
    if (file !== undefined && text !== savedText) {
      try {
        await writeFileAtomically(file, text);
      } catch (err) {
        throw devSchemaRegistryErrors.create('TW_DEVSR_STORE_FAILED', 'Error in the backend data store', { cause: err, details: { file } });
      }
    }
    state = draft;
    savedText = text;
    return result;
  };

  return {
    current: () => state,
    update<T>(change: (draft: RegistryState) => T): Promise<T> {
      const run = queue.then(() => apply(change));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

async function loadStateFile(file: string): Promise<RegistryState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw invalidStateFile(file, `cannot read it: ${String(err)}`, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalidStateFile(file, 'it is not JSON', err);
  }
  const parsed = stateFileSchema.safeParse(json);
  if (!parsed.success) throw invalidStateFile(file, z.prettifyError(parsed.error), parsed.error);
  return stateFromFile(file, parsed.data);
}

function stateFromFile(file: string, data: StateFile): RegistryState {
  const state = emptyState();
  state.globalCompatibility = data.globalCompatibility ?? undefined;
  for (const { id, guid, schema } of data.schemas) {
    let canonical: string;
    try {
      canonical = parseAvroSchema(schema).canonical;
    } catch (err) {
      throw invalidStateFile(file, `schema ${id} is not valid Avro`, err);
    }
    state.schemas.set(id, { id, guid, schema, canonical });
    state.schemaIdsByCanonical.set(canonical, id);
  }
  for (const { subject, versions } of data.subjects) {
    const unknown = versions.find((v) => !state.schemas.has(v.schemaId));
    if (unknown !== undefined)
      throw invalidStateFile(file, `subject '${subject}' version ${unknown.version} refers to unknown schema ${unknown.schemaId}`);
    state.subjects.set(
      subject,
      [...versions].sort((a, b) => a.version - b.version),
    );
  }
  for (const { subject, compatibility } of data.subjectCompatibility) state.subjectCompatibility.set(subject, compatibility);
  return state;
}

function serializeState(state: RegistryState): string {
  const data: StateFile = {
    format: FORMAT,
    globalCompatibility: state.globalCompatibility ?? null,
    schemas: [...state.schemas.values()].map(({ id, guid, schema }) => ({ id, guid, schema })),
    subjects: [...state.subjects].map(([subject, versions]) => ({ subject, versions: versions.map((v) => ({ ...v })) })),
    subjectCompatibility: [...state.subjectCompatibility].map(([subject, compatibility]) => ({ subject, compatibility })),
  };
  return `${JSON.stringify(data, null, 2)}\n`;
}

/** Writes a temp file beside the target, flushes it, then renames it over: readers see the old file or the new one, never half of one. */
async function writeFileAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

function invalidStateFile(file: string, reason: string, cause?: unknown) {
  return devSchemaRegistryErrors.create('TW_DEVSR_STATE_FILE_INVALID', `State file ${file} is not a valid registry state: ${reason}`, {
    cause,
    details: { file },
  });
}
