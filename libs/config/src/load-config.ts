import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { z } from 'zod';
import { defineErrors } from '@tidewater/errors';

export const configErrors = defineErrors('TW_CONFIG_', {
  TW_CONFIG_INVALID: { retriable: false, description: 'The service configuration failed validation; the message lists every problem.' },
  TW_CONFIG_FILE_UNREADABLE: { retriable: false, description: 'TIDEWATER_ENV_FILE names a file that cannot be read.' },
});

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Validates a service's configuration once, at boot, into a deeply frozen object.
 * Sources, later ones winning: the dotenv file named by TIDEWATER_ENV_FILE (for example the
 * dev stack's .tidewater/stack.env), then the process environment. Empty strings count as unset,
 * so `FOO=` falls back to the schema default instead of failing a number parse.
 * On failure it throws TW_CONFIG_INVALID listing every problem, not just the first.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): Readonly<z.infer<S>> {
  const merged: Record<string, string> = {};
  const file = env['TIDEWATER_ENV_FILE'];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw configErrors.create('TW_CONFIG_FILE_UNREADABLE', `cannot read TIDEWATER_ENV_FILE=${file}`, { cause });
    }
    Object.assign(merged, parseEnv(text));
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  for (const [k, v] of Object.entries(merged)) if (v.trim() === '') delete merged[k];

  const result = schema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw configErrors.create('TW_CONFIG_INVALID', `invalid configuration (${problems.length} problem(s)):\n${problems.join('\n')}`, {
      details: { problems: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
