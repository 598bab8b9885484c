import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchema, schemaNameForFile } from './avro-schemas.js';
import { checkDocumentedCodes } from '@tidewater/errors';
import { loadTopicsManifest, schemasErrors } from './topics-manifest.js';

describe('topics manifest', () => {
  it('lists the default topics with at least 6 partitions on the scored path', () => {
    const m = loadTopicsManifest();
    const byName = new Map(m.topics.map((t) => [t.name, t]));
    for (const t of ['events.raw', 'events.valid', 'events.dlq', 'features', 'predictions', 'drift.reports', 'alerts']) {
      expect(byName.has(t), t).toBe(true);
    }
    for (const t of ['events.raw', 'events.valid', 'features', 'predictions']) {
      expect(byName.get(t)?.partitions).toBeGreaterThanOrEqual(6);
    }
  });

  it('names only schema files that exist and compile', () => {
    for (const t of loadTopicsManifest().topics) {
      for (const side of [t.key, t.value]) {
        if (side.format === 'avro' || side.format === 'json') {
          const name = schemaNameForFile(side.schema);
          expect(name, side.schema).toBeDefined();
          expect(loadSchema(name!).type).toBeDefined();
        }
      }
    }
  });

  it('rejects a manifest with a duplicate topic, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-topics-'));
    const file = join(dir, 'topics.yaml');
    const topic = `  - { name: a, partitions: 1, cleanupPolicy: delete, retentionMs: 1, key: { format: string }, value: { format: bytes }, description: x }\n`;
    writeFileSync(file, `topics:\n${topic}${topic}`);
    expect(() => loadTopicsManifest(file)).toThrow(/topic a is listed twice/);
  });

  it('lists every problem of an invalid manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-topics-'));
    const file = join(dir, 'topics.yaml');
    writeFileSync(
      file,
      `topics:\n  - { name: 'bad name', partitions: 0, cleanupPolicy: delete, retentionMs: 1, key: { format: string }, value: { format: bytes }, description: x }\n`,
    );
    expect(() => loadTopicsManifest(file)).toThrow(/name[\s\S]*partitions/);
  });
});

describe('TW_SCHEMAS_ codes', () => {
  it('are each documented in docs/error-codes.md, with no stale entry', () => {
    const doc = new URL('../../../docs/error-codes.md', import.meta.url).pathname;
    expect(checkDocumentedCodes(schemasErrors.catalogue, schemasErrors.prefix, doc)).toEqual({ missing: [], stale: [] });
  });
});
