// What the Kubernetes manifests promise a platform team (issue 17, part 4), checked on the files
// themselves: no kustomize, no cluster. deploy/deploy-artifacts.test.ts checks the services'
// environments; deploy/k8s/manifests.int.test.ts renders the overlays and validates them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadTopicsManifest, repoRoot } from '@tidewater/schemas';
import { describe, expect, it } from 'vitest';
import { componentSecretRefs, loadManifests, ofKind, secretRefs, type ManifestDocument } from '../support/k8s-manifests.js';
import { envDefault, schemaOf, serviceNames } from '../support/service-schemas.js';

const k8s = join(repoRoot, 'deploy/k8s');
const base = loadManifests(join(k8s, 'base'));
/** The base's workloads and the exactly-once StatefulSet that replaces its inference Deployment. */
const withExactlyOnce = [...base, ...loadManifests(join(k8s, 'components/exactly-once'))];
const devOverlay = loadManifests(join(k8s, 'overlays/dev'));
const labels = z.record(z.string(), z.string());
const selector = z.looseObject({ matchLabels: labels.default({}) });

const containerSchema = z.looseObject({
  name: z.string(),
  readinessProbe: z.looseObject({ httpGet: z.looseObject({ path: z.string() }) }),
  livenessProbe: z.looseObject({ httpGet: z.looseObject({ path: z.string() }) }),
  lifecycle: z.looseObject({ preStop: z.looseObject({ sleep: z.object({ seconds: z.number().int() }) }) }).optional(),
});
const podSpecSchema = z.looseObject({
  serviceAccountName: z.string().optional(),
  automountServiceAccountToken: z.boolean().optional(),
  terminationGracePeriodSeconds: z.number().int().optional(),
  topologySpreadConstraints: z
    .array(z.looseObject({ topologyKey: z.string(), maxSkew: z.number(), whenUnsatisfiable: z.string(), labelSelector: selector }))
    .default([]),
  containers: z.array(z.looseObject({ name: z.string() })),
});
const workloadSchema = z.looseObject({
  kind: z.enum(['Deployment', 'StatefulSet']),
  metadata: z.looseObject({ name: z.string(), labels: labels.default({}) }),
  spec: z.looseObject({
    replicas: z.number().int().optional(),
    strategy: z.looseObject({ type: z.string() }).optional(),
    template: z.looseObject({ metadata: z.looseObject({ labels }), spec: podSpecSchema }),
  }),
});
type Workload = z.infer<typeof workloadSchema>;
const pdbSchema = z.looseObject({
  spec: z.looseObject({ selector, maxUnavailable: z.number().int().optional(), minAvailable: z.number().int().optional() }),
});
const peerSchema = z.looseObject({
  namespaceSelector: selector.optional(),
  podSelector: selector.optional(),
  ipBlock: z.looseObject({ cidr: z.string() }).optional(),
});
const ruleSchema = z.looseObject({
  to: z.array(peerSchema).optional(),
  from: z.array(peerSchema).optional(),
  ports: z.array(z.looseObject({ port: z.union([z.number(), z.string()]), protocol: z.string().optional() })).default([]),
});
const policySchema = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({
    podSelector: selector,
    policyTypes: z.array(z.enum(['Ingress', 'Egress'])),
    ingress: z.array(ruleSchema).default([]),
    egress: z.array(ruleSchema).default([]),
  }),
});

const workloads = (docs: readonly ManifestDocument[]): Workload[] =>
  docs.filter((d) => ['Deployment', 'StatefulSet'].includes(d.object.kind)).map((d) => workloadSchema.parse(d.raw));
const tidewater = workloads(withExactlyOnce);
const selects = (sel: { matchLabels: Record<string, string> }, w: Workload) =>
  Object.entries(sel.matchLabels).every(([k, v]) => w.spec.template.metadata.labels[k] === v);
const workload = (name: string): Workload => {
  const w = tidewater.find((x) => x.metadata.name === name);
  if (!w) throw new Error(`deploy/k8s has no workload ${name}`);
  return w;
};
const sharedEnv = z
  .looseObject({ data: z.record(z.string(), z.string()) })
  .parse(base.find((d) => d.object.kind === 'ConfigMap' && d.object.metadata.name === 'tidewater-shared-env')?.raw);
const policies = ofKind(base, 'NetworkPolicy', policySchema);
const policiesOf = (w: Workload) => policies.filter((p) => selects(p.spec.podSelector, w));
/** Every workload of the base and the service whose config it runs (the exactly-once StatefulSet runs inference). */
const services = tidewater.map((w) => [w.metadata.name, w, w.spec.template.spec.containers[0]?.name ?? ''] as const);

describe('deploy/k8s workloads', () => {
  it('are the five services plus the exactly-once inference variant', () => {
    expect(services.map(([name]) => name).sort()).toEqual([...serviceNames, 'inference-exactly-once'].sort());
  });

  describe.each(services)('%s', (name, w, service) => {
    const pod = w.spec.template.spec;
    const [container] = pod.containers.map((c) => containerSchema.parse(c));

    it('has a PodDisruptionBudget that lets a drain evict a pod but never more than one at once', () => {
      const pdbs = ofKind(withExactlyOnce, 'PodDisruptionBudget', pdbSchema).filter((p) => selects(p.spec.selector, w));
      expect(pdbs, name).toHaveLength(1);
      expect(pdbs[0]?.spec.maxUnavailable).toBe(1);
    });

    it('runs as the tidewater ServiceAccount with no API token mounted', () => {
      expect(pod.serviceAccountName).toBe('tidewater');
      expect(pod.automountServiceAccountToken).toBe(false);
    });

    it('probes readiness and liveness, and sleeps in preStop within its grace period', () => {
      expect(container?.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container?.livenessProbe.httpGet.path).toBe('/healthz');
      const preStop = container?.lifecycle?.preStop.sleep.seconds ?? 0;
      expect(preStop).toBeGreaterThanOrEqual(3); // time for kube-proxy and ingresses to drop the endpoint
      const shutdownMs = Number(sharedEnv.data['SHUTDOWN_TIMEOUT_MS'] ?? envDefault(schemaOf(service), 'SHUTDOWN_TIMEOUT_MS'));
      expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(preStop * 1000 + shutdownMs);
    });

    it('is isolated both ways by a NetworkPolicy of its own', () => {
      const own = policiesOf(w).filter((p) => p.spec.podSelector.matchLabels['app.kubernetes.io/part-of'] === undefined);
      expect(own).toHaveLength(1);
      expect(own[0]?.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    });

    it('reaches DNS, Kafka and the registry, Redis exactly when its config reads REDIS_URL, and the internet only to alert', () => {
      const egress = policiesOf(w).flatMap((p) => p.spec.egress);
      const reaches = (port: number) => egress.some((r) => r.ports.some((p) => p.port === port) && (r.to?.length ?? 0) > 0);
      expect([53, 9092, 8081].map(reaches)).toEqual([true, true, true]);
      expect(reaches(6379), 'Redis').toBe('REDIS_URL' in schemaOf(service).shape);
      for (const rule of egress) expect(rule.to?.length ?? 0, `${name}: an egress rule with no destination allows all`).toBeGreaterThan(0);
      const internet = egress.filter((r) => r.to?.some((peer) => peer.ipBlock));
      expect(internet.map((r) => r.ports.map((p) => p.port))).toEqual(name === 'alerting' ? [[443]] : []);
    });

    it('admits traffic only from named sources, and its admin port only from the operators', () => {
      const ingress = policiesOf(w).flatMap((p) => p.spec.ingress);
      expect(ingress.length).toBeGreaterThan(0);
      for (const rule of ingress) expect(rule.from?.length ?? 0, `${name}: an ingress rule with no source allows all`).toBeGreaterThan(0);
      for (const rule of ingress.filter((r) => r.ports.some((p) => p.port === 'admin'))) {
        expect(rule.from?.map((peer) => peer.namespaceSelector?.matchLabels)).toEqual([
          { 'kubernetes.io/metadata.name': 'tidewater-operators' },
        ]);
      }
    });
  });

  // Issue 17: the authenticated APIs on ports of their own, their tokens from Secrets mounted as files.
  it.each([
    ['inference', { admin: 'ADMIN_HTTP_PORT', oip: 'OIP_HTTP_PORT' }],
    ['inference-exactly-once', { admin: 'ADMIN_HTTP_PORT', oip: 'OIP_HTTP_PORT' }],
    ['alerting', { admin: 'ADMIN_HTTP_PORT' }],
  ] as const)('%s serves its APIs on named ports apart from http, with token files from a Secret', (name, portEnv) => {
    const apiContainer = z.looseObject({
      ports: z.array(z.looseObject({ name: z.string(), containerPort: z.number() })),
      env: z.array(z.looseObject({ name: z.string(), value: z.string().optional() })),
      volumeMounts: z.array(z.looseObject({ name: z.string(), mountPath: z.string() })),
    });
    const podVolumes = z.looseObject({
      volumes: z.array(z.looseObject({ name: z.string(), secret: z.looseObject({ secretName: z.string() }).optional() })),
    });
    const w = workload(name);
    const c = apiContainer.parse(w.spec.template.spec.containers[0]);
    const env = new Map(c.env.map((e) => [e.name, e.value]));
    const ports = new Map(c.ports.map((p) => [p.name, p.containerPort]));
    for (const [port, variable] of Object.entries(portEnv)) {
      expect(ports.get(port), `${name}: port ${port}`).toBe(Number(env.get(variable)));
      expect(ports.get(port)).not.toBe(ports.get('http'));
    }
    const secretDirs = podVolumes
      .parse(w.spec.template.spec)
      .volumes.filter((v) => v.secret)
      .map((v) => c.volumeMounts.find((m) => m.name === v.name)?.mountPath);
    const tokenFile = env.get('ADMIN_TOKEN_FILE') ?? '';
    expect(
      secretDirs.some((dir) => dir !== undefined && tokenFile.startsWith(`${dir}/`)),
      `${name}: ADMIN_TOKEN_FILE=${tokenFile}`,
    ).toBe(true);
  });

  it('stops the old drift-monitor before starting a new one, so two never write one drift state', () => {
    expect(workload('drift-monitor').spec.strategy?.type).toBe('Recreate');
  });

  it.each(['inference', 'inference-exactly-once'])('spreads %s over nodes, strictly, and over zones', (name) => {
    const w = workload(name);
    const constraints = w.spec.template.spec.topologySpreadConstraints;
    const byKey = new Map(constraints.map((c) => [c.topologyKey, c]));
    expect(byKey.get('kubernetes.io/hostname')?.whenUnsatisfiable).toBe('DoNotSchedule');
    expect(byKey.get('topology.kubernetes.io/zone')).toBeDefined();
    for (const c of constraints) {
      expect(c.maxSkew).toBe(1);
      expect(selects(c.labelSelector, w), `${name}: the constraint counts its own pods`).toBe(true);
    }
  });

  it('gives the tidewater ServiceAccount no token either', () => {
    const sa = base.find((d) => d.object.kind === 'ServiceAccount' && d.object.metadata.name === 'tidewater');
    expect(z.looseObject({ automountServiceAccountToken: z.boolean() }).parse(sa?.raw).automountServiceAccountToken).toBe(false);
  });
});

describe('autoscaling', () => {
  const partitions = new Map(loadTopicsManifest().topics.map((t) => [t.name, t.partitions]));
  const consumerGroup = (service: string) => String(envDefault(schemaOf(service), 'CONSUMER_GROUP'));
  const inputTopic: Readonly<Record<string, string>> = { inference: 'features', feature: 'events.valid' };
  const scaledObjectSchema = z.looseObject({
    metadata: z.looseObject({ name: z.string() }),
    spec: z.looseObject({
      scaleTargetRef: z.looseObject({ name: z.string() }),
      minReplicaCount: z.number().int(),
      maxReplicaCount: z.number().int(),
      triggers: z.array(z.looseObject({ type: z.string(), metadata: z.record(z.string(), z.string()) })),
    }),
  });
  const hpaSchema = z.looseObject({
    spec: z.looseObject({ scaleTargetRef: z.looseObject({ kind: z.string(), name: z.string() }), maxReplicas: z.number().int() }),
  });
  const scaledObjects = ofKind(loadManifests(join(k8s, 'components/keda')), 'ScaledObject', scaledObjectSchema);
  const hpas = ofKind(loadManifests(join(k8s, 'components/hpa')), 'HorizontalPodAutoscaler', hpaSchema);

  it.each(Object.entries(inputTopic))('KEDA scales %s on its group’s lag on %s, up to its partition count', (service, topic) => {
    const so = scaledObjects.find((s) => s.spec.scaleTargetRef.name === service);
    const trigger = so?.spec.triggers[0];
    expect(trigger?.type).toBe('kafka');
    expect(trigger?.metadata['consumerGroup']).toBe(consumerGroup(service));
    expect(trigger?.metadata['topic']).toBe(topic);
    expect(trigger?.metadata['allowIdleConsumers']).toBe('false');
    expect(so?.spec.maxReplicaCount).toBe(partitions.get(topic));
    expect(so?.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(sharedEnv.data['KAFKA_BROKERS']?.split(',')).toContain(trigger?.metadata['bootstrapServers']);
  });

  it.each(Object.entries(inputTopic))('the HPA fallback bounds %s by the partitions of %s too', (service, topic) => {
    const hpa = hpas.find((h) => h.spec.scaleTargetRef.name === service);
    expect(hpa?.spec.scaleTargetRef.kind).toBe('Deployment');
    expect(hpa?.spec.maxReplicas).toBe(partitions.get(topic));
  });

  it.each(['keda', 'hpa'])('components/%s takes spec.replicas out of the Deployments it scales, so apply does not reset it', (c) => {
    const kustomization = z
      .looseObject({ patches: z.array(z.object({ target: z.object({ kind: z.string(), name: z.string() }), patch: z.string() })) })
      .parse(parse(readFileSync(join(k8s, 'components', c, 'kustomization.yaml'), 'utf8')));
    const removed = kustomization.patches
      .filter((p) => p.target.kind === 'Deployment' && /op: remove\s+path: \/spec\/replicas/.test(p.patch))
      .map((p) => p.target.name);
    expect(removed.sort()).toEqual(Object.keys(inputTopic).sort());
  });
});

describe('Secrets', () => {
  const referenced = [...new Set(secretRefs(withExactlyOnce.map((d) => d.raw)))].sort();
  const readme = readFileSync(join(k8s, 'README.md'), 'utf8');

  it('are the ones the README and the dev overlay know about', () => {
    expect(referenced).toEqual([
      'tidewater-alerting-api-tokens',
      'tidewater-inference-api-tokens',
      'tidewater-ingestion-api-keys',
      'tidewater-slack',
    ]);
  });

  it('all come with example manifests in the dev overlay, so `kubectl apply -k overlays/dev` never waits for one', () => {
    const examples = devOverlay.filter((d) => d.object.kind === 'Secret').map((d) => d.object.metadata.name);
    expect(examples.sort()).toEqual(referenced);
  });

  it('are created by the operator in production: the prod overlay has none, the README has the command for each', () => {
    const prod = readFileSync(join(k8s, 'overlays/prod/kustomization.yaml'), 'utf8');
    expect(prod).not.toMatch(/secrets?\.example|kind: Secret/);
    // The prod overlay's components add the Kafka and Redis credentials (no example: dev needs none).
    const prodOnly = componentSecretRefs(join(k8s, 'overlays/prod')).filter((name) => !referenced.includes(name));
    expect([...new Set(prodOnly)].sort()).toEqual(['tidewater-kafka-client', 'tidewater-redis']);
    for (const name of [...referenced, ...prodOnly])
      expect(readme, name).toMatch(new RegExp(`kubectl -n tidewater create secret generic ${name}\\b`));
  });

  it('every overlay and component path named in a kustomization exists', () => {
    const dirs = ['base', 'overlays/dev', 'overlays/prod', 'components/keda', 'components/hpa', 'components/exactly-once'];
    for (const dir of [...dirs, 'components/kafka-sasl-ssl', 'components/redis-auth']) {
      const k = z
        .looseObject({ resources: z.array(z.string()).default([]), components: z.array(z.string()).default([]) })
        .parse(parse(readFileSync(join(k8s, dir, 'kustomization.yaml'), 'utf8')));
      for (const path of [...k.resources, ...k.components]) expect(existsSync(join(k8s, dir, path)), `${dir}: ${path}`).toBe(true);
    }
  });
});
