import { z } from 'zod';
import { modelErrors } from '../model/errors.js';
import { murmur3 } from './murmur3.js';

/** Name of the optional per-model traffic policy file: `models/<name>/policy.json`. */
export const POLICY_FILE = 'policy.json';

/** A version's directory name: never a dot file, a temp name like "2.tmp", `..` or a path. */
export const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

const versionName = z.string().regex(VERSION_NAME, 'a version is a directory name such as "2"');

/** Schema of `models/<name>/policy.json` and of the admin API's policy body. */
export const trafficPolicySchema = z
  .strictObject({
    /** Serves every entity outside the canary's share; default: the highest loaded version that is not the canary or a shadow. */
    primary: versionName.optional(),
    /** Serves `percent` of the entities, chosen by a hash of the entity key. */
    canary: z.strictObject({ version: versionName, percent: z.number().min(0).max(100) }).optional(),
    /** Score the same inputs; their predictions go to the shadow topic only. */
    shadows: z.array(versionName).default([]),
  })
  .superRefine((p, ctx) => {
    if (p.canary && p.canary.version === p.primary) {
      ctx.addIssue({ code: 'custom', path: ['canary', 'version'], message: 'the canary must be another version than the primary' });
    }
    p.shadows.forEach((v, i) => {
      if (p.shadows.indexOf(v) !== i) ctx.addIssue({ code: 'custom', path: ['shadows', i], message: `shadow ${v} is listed twice` });
      if (v === p.primary || v === p.canary?.version) {
        ctx.addIssue({ code: 'custom', path: ['shadows', i], message: `shadow ${v} also serves traffic; a shadow never serves` });
      }
    });
  });

/** A validated traffic policy. */
export type TrafficPolicy = z.infer<typeof trafficPolicySchema>;

/** Validates a policy; throws TW_MODEL_POLICY_INVALID listing every problem, `source` in the message. */
export function parseTrafficPolicy(value: unknown, source: string): TrafficPolicy {
  const result = trafficPolicySchema.safeParse(value);
  if (!result.success) {
    throw modelErrors.create('TW_MODEL_POLICY_INVALID', `invalid traffic policy ${source}:\n${z.prettifyError(result.error)}`, {
      details: { source },
    });
  }
  return result.data;
}

/** Parses the text of a policy.json; throws TW_MODEL_POLICY_INVALID when it is not JSON or fails the schema. */
export function parseTrafficPolicyText(text: string, source: string): TrafficPolicy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw modelErrors.create('TW_MODEL_POLICY_INVALID', `traffic policy ${source} is not valid JSON`, { cause, details: { source } });
  }
  return parseTrafficPolicy(json, source);
}

/** Canary shares are resolved to basis points: 0.01 % granularity. */
export const BUCKETS = 10_000;

/** Hash seed of a model's canary population: different models split their entities independently. */
export function canarySeed(modelName: string): number {
  return murmur3(modelName);
}

/**
 * The entity's bucket in [0, BUCKETS) for the model of `seed` (see canarySeed): MurmurHash3 x86_32
 * of the key's UTF-8 bytes, modulo BUCKETS. Deterministic across processes and restarts, so every
 * worker routes a card to the same version. An entity is in a canary of p % when its bucket is
 * below p * 100, so raising the share only adds entities, it never moves one back.
 */
export function entityBucket(seed: number, entityKey: string): number {
  return murmur3(entityKey, seed) % BUCKETS;
}

/** Orders version names numerically where they are numbers ("10" after "9"), else lexically. */
export function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
