// The prod overlay as kustomize renders it (issue 17): every service talks to Kafka over SASL_SSL
// and to Redis with a password, each secret a file under the read-only mount of its Secret, and
// KEDA's Kafka scaler uses the same listener and credentials. Needs the kustomize that
// test/prepare.sh builds; no cluster, no Kafka.
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { configMapSchema, containerEnv, containerSchema } from '../support/k8s-manifests.js';
import { schemaOf } from '../support/service-schemas.js';
import { ensureCommand, missingK8sTools } from './tools/k8s-tools.js';
import { renderTargets } from './tools/render-targets.js';

const objectSchema = z.looseObject({ kind: z.string(), metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }) });
const volumeSchema = z.looseObject({ name: z.string(), secret: z.looseObject({ secretName: z.string() }).optional() });
const mountSchema = z.looseObject({ name: z.string(), mountPath: z.string(), readOnly: z.boolean().optional() });
const workloadSchema = z.looseObject({
  kind: z.enum(['Deployment', 'StatefulSet']),
  metadata: z.looseObject({ name: z.string(), labels: z.record(z.string(), z.string()).default({}) }),
  spec: z.looseObject({
    template: z.looseObject({
      spec: z.looseObject({
        volumes: z.array(volumeSchema).default([]),
        containers: z.array(z.looseObject({ name: z.string(), volumeMounts: z.array(mountSchema).default([]) })).min(1),
      }),
    }),
  }),
});
const scaledObjectSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({
    triggers: z.array(
      z.looseObject({
        type: z.string(),
        metadata: z.record(z.string(), z.string()),
        authenticationRef: z.looseObject({ name: z.string() }).optional(),
      }),
    ),
  }),
});
const triggerAuthSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({
    secretTargetRef: z.array(z.looseObject({ parameter: z.string(), name: z.string(), key: z.string() })).default([]),
    configMapTargetRef: z.array(z.looseObject({ parameter: z.string(), name: z.string(), key: z.string() })).default([]),
  }),
});

function requireTools(): void {
  const missing = missingK8sTools();
  if (missing.length > 0) throw new Error(`${missing.join(' and ')} not built: run \`${ensureCommand}\` (or bash test/prepare.sh)`);
}

async function render(name: string): Promise<z.infer<typeof objectSchema>[]> {
  requireTools();
  const target = renderTargets.find((t) => t.name === name);
  if (!target) throw new Error(`no render target ${name}`);
  return parseAllDocuments(await target.render()).flatMap((d) => {
    const raw: unknown = d.toJS();
    return raw ? [objectSchema.parse(raw)] : [];
  });
}

/** Each workload's container with its environment resolved and the Secret mounted at each path. */
function services(docs: readonly z.infer<typeof objectSchema>[]) {
  const configMaps = docs.filter((d) => d.kind === 'ConfigMap').map((d) => configMapSchema.parse(d));
  return docs
    .filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet')
    .map((d) => workloadSchema.parse(d))
    .filter((w) => w.metadata.labels['app.kubernetes.io/part-of'] === 'tidewater') // not dev's Redis and registry
    .map((w) => {
      const pod = w.spec.template.spec;
      const container = containerSchema.parse(pod.containers[0]);
      const { values, problems } = containerEnv(container, 'tidewater', configMaps, (s, k) => `<secret ${s}/${k}>`);
      const mounts = (pod.containers[0]?.volumeMounts ?? []).flatMap((m) => {
        const secretName = pod.volumes.find((v) => v.name === m.name)?.secret?.secretName;
        return secretName ? [{ ...m, secretName }] : [];
      });
      /** The Secret and key a file variable points into, when it lies under a read-only Secret mount. */
      const secretFile = (variable: string) => {
        const path = values[variable] ?? '';
        const mount = mounts.find((m) => m.readOnly === true && path.startsWith(`${m.mountPath}/`));
        return mount ? `${mount.secretName}/${path.slice(mount.mountPath.length + 1)}` : `not under a Secret mount: ${variable}=${path}`;
      };
      return { name: w.metadata.name, service: container.name, values, problems, secretFile };
    });
}

describe('overlays/prod as applied', () => {
  it('connects every service to Kafka over SASL_SSL, the CA and password files from tidewater-kafka-client', async () => {
    const all = services(await render('overlays/prod'));
    expect(all.map((s) => s.name).sort()).toEqual(['alerting', 'drift-monitor', 'feature', 'inference', 'ingestion']);
    for (const s of all) {
      expect(s.problems, s.name).toEqual([]);
      expect(s.values['KAFKA_BROKERS'], s.name).toBe('tidewater-kafka-bootstrap.kafka.svc:9093');
      expect(s.values['KAFKA_SASL_MECHANISM'], s.name).toBe('SCRAM-SHA-512');
      expect(s.values['KAFKA_SASL_USERNAME'], s.name).toBeTruthy();
      expect(s.secretFile('KAFKA_TLS_CA_FILE'), s.name).toBe('tidewater-kafka-client/ca.crt');
      expect(s.secretFile('KAFKA_SASL_PASSWORD_FILE'), s.name).toBe('tidewater-kafka-client/password');
      // The variables are ones the service's config reads, not names it would ignore.
      for (const v of ['KAFKA_TLS_CA_FILE', 'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD_FILE'])
        expect(v in schemaOf(s.service).shape, `${s.name} reads ${v}`).toBe(true);
    }
  });

  it('gives every service that reads REDIS_URL its Redis password as a file from tidewater-redis', async () => {
    const all = services(await render('overlays/prod'));
    const redisUsers = all.filter((s) => 'REDIS_URL' in schemaOf(s.service).shape);
    expect(redisUsers.length).toBeGreaterThan(0);
    for (const s of redisUsers) expect(s.secretFile('REDIS_PASSWORD_FILE'), s.name).toBe('tidewater-redis/password');
    for (const s of all.filter((x) => !redisUsers.includes(x))) expect(s.values['REDIS_PASSWORD_FILE'], s.name).toBeUndefined();
  });

  it('opens the Kafka egress on the TLS port only', async () => {
    const docs = await render('overlays/prod');
    const policy = z
      .looseObject({
        spec: z.looseObject({ egress: z.array(z.looseObject({ ports: z.array(z.looseObject({ port: z.number() })).default([]) })) }),
      })
      .parse(docs.find((d) => d.kind === 'NetworkPolicy' && d.metadata.name === 'tidewater-common-egress'));
    const ports = policy.spec.egress.flatMap((r) => r.ports.map((p) => p.port));
    expect(ports).toContain(9093);
    expect(ports).not.toContain(9092);
  });

  it('has KEDA read the lag over SASL_SSL with the services’ credentials, through an authenticationRef', async () => {
    const docs = await render('overlays/prod');
    const auths = docs.filter((d) => d.kind === 'TriggerAuthentication').map((d) => triggerAuthSchema.parse(d));
    const scaled = docs.filter((d) => d.kind === 'ScaledObject').map((d) => scaledObjectSchema.parse(d));
    const shared = configMapSchema.parse(docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'tidewater-shared-env'));
    expect(scaled.map((s) => s.metadata.name).sort()).toEqual(['feature', 'inference']);
    for (const so of scaled) {
      for (const trigger of so.spec.triggers.filter((t) => t.type === 'kafka')) {
        expect(trigger.metadata['bootstrapServers'], so.metadata.name).toBe(shared.data['KAFKA_BROKERS']);
        expect(trigger.metadata['sasl']).toBe('scram_sha512');
        expect(trigger.metadata['tls']).toBe('enable');
        const auth = auths.find((a) => a.metadata.name === trigger.authenticationRef?.name);
        expect(auth, `${so.metadata.name}: authenticationRef`).toBeDefined();
        const refs = Object.fromEntries(
          [...(auth?.spec.secretTargetRef ?? []), ...(auth?.spec.configMapTargetRef ?? [])].map((r) => [r.parameter, `${r.name}/${r.key}`]),
        );
        expect(refs).toEqual({
          ca: 'tidewater-kafka-client/ca.crt',
          password: 'tidewater-kafka-client/password',
          username: 'tidewater-shared-env/KAFKA_SASL_USERNAME',
        });
      }
    }
  });

  it('reaches the exactly-once StatefulSet too when the component comes after it', async () => {
    const all = services(await render('base + components/keda + components/exactly-once + components/kafka-sasl-ssl'));
    const eo = all.find((s) => s.name === 'inference-exactly-once');
    expect(eo?.secretFile('KAFKA_SASL_PASSWORD_FILE')).toBe('tidewater-kafka-client/password');
  });

  it('leaves the dev overlay on PLAINTEXT', async () => {
    for (const s of services(await render('overlays/dev'))) {
      expect(s.values['KAFKA_BROKERS'], s.name).toMatch(/:9092$/);
      expect(s.values['KAFKA_SASL_MECHANISM'], s.name).toBeUndefined();
    }
  });
});
