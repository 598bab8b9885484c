// docker-compose.yml as the deployment tests read it: parsed with YAML merge keys (`<<: *anchor`,
// which Compose supports), checked against the subset of the Compose schema the tests use, with
// Compose's variable interpolation applied to environment values.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const buildSchema = z.looseObject({
  context: z.string(),
  dockerfile: z.string().optional(),
  target: z.string().optional(),
  args: z.record(z.string(), scalar).optional(),
});

const conditionSchema = z.enum(['service_started', 'service_healthy', 'service_completed_successfully']);

export const composeServiceSchema = z.looseObject({
  image: z.string().optional(),
  build: buildSchema.optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  environment: z.union([z.record(z.string(), scalar.nullable()), z.array(z.string())]).optional(),
  depends_on: z
    .union([z.array(z.string()), z.record(z.string(), z.looseObject({ condition: conditionSchema.default('service_started') }))])
    .optional(),
  ports: z.array(z.union([z.string(), z.number()])).optional(),
  healthcheck: z.looseObject({ test: z.union([z.string(), z.array(z.string())]).optional(), disable: z.boolean().optional() }).optional(),
  stop_grace_period: z.string().optional(),
  restart: z.string().optional(),
  hostname: z.string().optional(),
});

export type ComposeService = z.infer<typeof composeServiceSchema>;

const composeFileSchema = z.looseObject({ services: z.record(z.string(), composeServiceSchema) });

/** Parses a compose file; YAML errors and shape errors throw with the details. */
export function loadComposeFile(path: string): { services: Record<string, ComposeService> } {
  const doc = parseDocument(readFileSync(path, 'utf8'), { merge: true });
  if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
  const parsed = composeFileSchema.safeParse(doc.toJS());
  if (!parsed.success) throw new Error(`${path}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

type HostEnv = Readonly<Record<string, string | undefined>>;

/**
 * Compose's interpolation of one value: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?error}`, `${VAR?error}`, `${VAR:+other}`, `${VAR+other}`. A missing required variable throws.
 */
export function interpolate(value: string, hostEnv: HostEnv): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_]\w*)/g,
    (match, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      if (match === '$$') return '$';
      const name = braced ?? bare ?? '';
      const v = hostEnv[name];
      const unsetOrEmpty = v === undefined || v === '';
      const unset = op?.startsWith(':') ? unsetOrEmpty : v === undefined;
      switch (op?.slice(-1)) {
        case '-':
          return unset ? (word ?? '') : (v ?? '');
        case '?':
          if (unset) throw new Error(`${name} is required: ${word ?? ''}`);
          return v ?? '';
        case '+':
          return unset ? '' : (word ?? '');
        default:
          return v ?? '';
      }
    },
  );
}

/** Names of the variables a value requires from the host (`${VAR:?...}` / `${VAR?...}`). */
export function requiredHostVariables(value: string): string[] {
  return [...value.matchAll(/\$\{([A-Za-z_]\w*):?\?[^}]*\}/g)].map((m) => m[1] ?? '');
}

/**
 * A service's container environment after interpolation, as strings. A list entry without `=`
 * (or a map entry without a value) passes the host's variable through, as Compose does.
 */
export function serviceEnvironment(service: ComposeService, hostEnv: HostEnv): Record<string, string> {
  const entries: [string, string | undefined][] = Array.isArray(service.environment)
    ? service.environment.map((e) => {
        const at = e.indexOf('=');
        return at < 0 ? [e, hostEnv[e]] : [e.slice(0, at), e.slice(at + 1)];
      })
    : Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? hostEnv[k] : String(v)]);
  const env: Record<string, string> = {};
  for (const [k, v] of entries) if (v !== undefined) env[k] = interpolate(v, hostEnv);
  return env;
}

/** depends_on as a map of service name to condition (the list form means service_started). */
export function dependencies(service: ComposeService): Record<string, string> {
  const deps = service.depends_on;
  if (!deps) return {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, d]) => [name, d.condition]));
}

export interface PublishedPort {
  readonly hostIp: string | undefined;
  readonly hostPort: number | undefined;
  readonly containerPort: number;
}

/** Short-syntax port entries (`[ip:]host:container[/proto]` or `container`), interpolated. */
export function publishedPorts(service: ComposeService, hostEnv: HostEnv): PublishedPort[] {
  return (service.ports ?? []).map((entry) => {
    const spec = interpolate(String(entry), hostEnv).replace(/\/(tcp|udp)$/, '');
    const parts = spec.split(':');
    const containerPort = Number(parts.pop());
    const hostPort = parts.length > 0 ? Number(parts.pop()) : undefined;
    const hostIp = parts.length > 0 ? parts.join(':') : undefined;
    if (!Number.isInteger(containerPort) || (hostPort !== undefined && !Number.isInteger(hostPort))) {
      throw new Error(`unsupported port entry ${String(entry)}`);
    }
    return { hostIp, hostPort, containerPort };
  });
}

/** A Compose duration (`30s`, `1m30s`, `1500ms`) in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  let total = 0;
  let rest = text.trim();
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|us|h|m|s)/.exec(rest);
    const unit = m?.[2];
    if (!m || !unit) throw new Error(`not a duration: ${text}`);
    total += Number(m[1]) * (units[unit] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return total;
}
