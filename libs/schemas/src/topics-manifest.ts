import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { defineErrors } from '@tidewater/errors';
import { topicsManifestPath } from './paths.js';

export const schemasErrors = defineErrors('TW_SCHEMAS_', {
  TW_SCHEMAS_TOPICS_MANIFEST_INVALID: {
    retriable: false,
    description: 'deploy/topics.yaml (or the file given) fails validation: a bad name, partition count, format, or a topic listed twice.',
  },
});

const formatSchema = z.discriminatedUnion('format', [
  z.object({ format: z.literal('avro'), schema: z.string().endsWith('.avsc') }),
  z.object({ format: z.literal('json'), schema: z.string().endsWith('.avsc') }),
  z.object({ format: z.literal('string') }),
  z.object({ format: z.literal('bytes') }),
]);

const topicSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'Kafka topic names use [a-zA-Z0-9._-]'),
  partitions: z.number().int().min(1).max(1000),
  cleanupPolicy: z.enum(['delete', 'compact', 'compact,delete']),
  retentionMs: z.number().int().min(-1),
  key: formatSchema,
  value: formatSchema,
  description: z.string().min(1),
});

const manifestSchema = z.object({ topics: z.array(topicSchema).min(1) });

export type TopicSpec = z.infer<typeof topicSchema>;
export type TopicsManifest = z.infer<typeof manifestSchema>;

/** Reads and validates `deploy/topics.yaml` (or the given file). */
export function loadTopicsManifest(path: string = topicsManifestPath): TopicsManifest {
  const parsed = manifestSchema.safeParse(parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw schemasErrors.create('TW_SCHEMAS_TOPICS_MANIFEST_INVALID', `invalid topics manifest ${path}:\n${z.prettifyError(parsed.error)}`);
  }
  const names = parsed.data.topics.map((t) => t.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup)
    throw schemasErrors.create('TW_SCHEMAS_TOPICS_MANIFEST_INVALID', `invalid topics manifest ${path}: topic ${dup} is listed twice`);
  return parsed.data;
}
