// The five services' config schemas, from their packages, so that the deployment tests derive
// what each service needs instead of repeating it.
import { z } from 'zod';
import { alertingConfigSchema } from '@tidewater/alerting';
import { driftConfigSchema } from '@tidewater/drift-monitor';
import { featureConfigSchema } from '@tidewater/feature';
import { inferenceConfigSchema } from '@tidewater/inference';
import { ingestionConfigSchema } from '@tidewater/ingestion';

export type EnvSchema = z.ZodObject;

/** Each service's config schema, keyed by its directory under services/. */
export const serviceConfigSchemas: Readonly<Record<string, EnvSchema>> = {
  ingestion: ingestionConfigSchema,
  feature: featureConfigSchema,
  inference: inferenceConfigSchema,
  'drift-monitor': driftConfigSchema,
  alerting: alertingConfigSchema,
};

export const serviceNames: readonly string[] = Object.keys(serviceConfigSchemas);

/** The schema of a service, or a thrown error naming the unknown service. */
export function schemaOf(service: string): EnvSchema {
  const schema = serviceConfigSchemas[service];
  if (!schema) throw new Error(`no config schema for service ${service}`);
  return schema;
}

/** Variables the service cannot start without: their field rejects `undefined` (no default, not optional). */
export function requiredEnv(schema: EnvSchema): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !z.safeParse(field, undefined).success)
    .map(([name]) => name);
}

/** The value a variable takes when unset (undefined for required or optional ones). */
export function envDefault(schema: EnvSchema, name: string): unknown {
  const field = schema.shape[name];
  if (!field) return undefined;
  const parsed = z.safeParse(field, undefined);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Variables whose default points at the developer's own machine (127.0.0.1 or localhost). Inside a
 * container that is the container itself, so a deployment must set them even though they have a default.
 */
export function loopbackDefaults(schema: EnvSchema): string[] {
  return Object.keys(schema.shape).filter((name) => {
    const value = envDefault(schema, name);
    return typeof value === 'string' && /\/\/(127\.0\.0\.1|localhost)[:/]/.test(value);
  });
}

/** The value a service would run with: the given environment's, else the schema default. */
export function effectiveEnv(schema: EnvSchema, env: Readonly<Record<string, string>>, name: string): unknown {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`environment fails the schema: ${z.prettifyError(parsed.error)}`);
  return (parsed.data as Record<string, unknown>)[name];
}
