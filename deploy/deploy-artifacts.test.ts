// Cross-checks docker-compose.yml and deploy/k8s/base against what the services actually read (their zod
// config schemas) and against deploy/topics.yaml. Nothing here runs Docker or Kubernetes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadTopicsManifest, repoRoot } from '@tidewater/schemas';
import { describe, expect, it } from 'vitest';
import { compiledCondition, deployScripts } from './docker/build.js';
import { createTopicsConfigSchema } from './docker/create-topics-config.js';
import { parseDockerfile } from './support/dockerfile.js';
import {
  dependencies,
  durationMs,
  interpolate,
  loadComposeFile,
  publishedPorts,
  requiredHostVariables,
  serviceEnvironment,
  type ComposeService,
} from './support/compose-file.js';
import {
  configMapSchema,
  containerEnv,
  deploymentSchema,
  loadManifests,
  ofKind,
  resolvePort,
  serviceSchema,
  statefulSetSchema,
  type Deployment,
  type K8sContainer,
} from './support/k8s-manifests.js';
import { effectiveEnv, loopbackDefaults, requiredEnv, schemaOf, serviceNames, type EnvSchema } from './support/service-schemas.js';

const topics = loadTopicsManifest().topics;
const topicNames = new Set(topics.map((t) => t.name));
/** What `docker compose up` gets from the host: the variables compose requires (`${VAR:?...}`). */
const hostEnv = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0000/B0000/XXXX' };
/** The image's WORKDIR, where the repository's files are copied (the Dockerfile test checks it). */
const imageRoot = '/app/';
const dockerfile = parseDockerfile(readFileSync(join(repoRoot, 'deploy/docker/Dockerfile'), 'utf8'));

/** Every string in a parsed YAML value, for scanning interpolations. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/** Checks shared by compose and k8s: the environment a service runs with satisfies its schema. */
function expectEnvFitsSchema(service: string, env: Readonly<Record<string, string>>, explicit: readonly string[]): void {
  const schema = schemaOf(service);
  for (const name of requiredEnv(schema)) expect(env[name], `${service}: ${name} has no default and must be set`).toBeTruthy();
  for (const name of loopbackDefaults(schema))
    expect(env[name], `${service}: ${name} defaults to this machine, so must be set`).toBeTruthy();
  expect(
    // NODE_OPTIONS is Node's own (V8 heap settings) and OTEL_* the OpenTelemetry SDK's, not the service's config.
    explicit.filter((name) => !(name in schema.shape) && name !== 'NODE_OPTIONS' && !name.startsWith('OTEL_')),
    `${service}: variables its config schema does not read (typos?)`,
  ).toEqual([]);
  const parsed = schema.safeParse(env);
  expect(parsed.success, parsed.success ? '' : `${service}: ${z.prettifyError(parsed.error)}`).toBe(true);
}

/** Topic variables name topics that are created from deploy/topics.yaml; model dirs exist in the image. */
function expectPathsAndTopicsExist(service: string, env: Readonly<Record<string, string>>): void {
  const schema = schemaOf(service);
  for (const name of Object.keys(schema.shape).filter((n) => n.startsWith('TOPIC_'))) {
    expect(topicNames.has(String(effectiveEnv(schema, env, name))), `${service}: ${name}`).toBe(true);
  }
  const modelDir = env['MODEL_DIR'];
  if (modelDir !== undefined) {
    expect(modelDir.startsWith(imageRoot), `${service}: MODEL_DIR ${modelDir} is outside the image's ${imageRoot}`).toBe(true);
    expect(existsSync(join(repoRoot, modelDir.slice(imageRoot.length), 'manifest.json')), `${service}: MODEL_DIR ${modelDir}`).toBe(true);
  }
}

function shutdownTimeoutMs(schema: EnvSchema, env: Readonly<Record<string, string>>): number {
  return Number(effectiveEnv(schema, env, 'SHUTDOWN_TIMEOUT_MS'));
}

describe('the services', () => {
  it('have a config schema here for every directory under services/', () => {
    const dirs = readdirSync(join(repoRoot, 'services')).filter((d) => existsSync(join(repoRoot, 'services', d, 'src/main.ts')));
    expect([...serviceNames].sort()).toEqual(dirs.sort());
  });

  it('require KAFKA_BROKERS and SCHEMA_REGISTRY_URL, and REDIS_URL where a service keeps state (derived from the schemas)', () => {
    // A guard on the derivation itself: if this changes, the checks below follow the schemas anyway.
    expect(requiredEnv(schemaOf('alerting')).sort()).toEqual(['KAFKA_BROKERS', 'REDIS_URL', 'SCHEMA_REGISTRY_URL']);
    expect(loopbackDefaults(schemaOf('alerting'))).toEqual([]);
    expect(requiredEnv(schemaOf('ingestion')).sort()).toEqual(['KAFKA_BROKERS', 'REDIS_URL', 'SCHEMA_REGISTRY_URL']);
    expect(requiredEnv(schemaOf('feature')).sort()).toEqual(['KAFKA_BROKERS', 'REDIS_URL', 'SCHEMA_REGISTRY_URL']);
  });
});

describe('docker-compose.yml', () => {
  const compose = loadComposeFile(join(repoRoot, 'docker-compose.yml'));
  const raw: unknown = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true });
  const service = (name: string): ComposeService => {
    const s = compose.services[name];
    if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
    return s;
  };
  const builtFromDockerfile = Object.entries(compose.services).filter(([, s]) => s.build?.dockerfile === 'deploy/docker/Dockerfile');

  it('names the five services, Kafka, Schema Registry, Redis and kafka-init', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining([...serviceNames, 'kafka', 'schema-registry', 'redis', 'kafka-init']),
    );
  });

  it('needs nothing from the host but SLACK_WEBHOOK_URL', () => {
    const strings = stringsIn(raw);
    expect([...new Set(strings.flatMap(requiredHostVariables))]).toEqual(['SLACK_WEBHOOK_URL']);
    for (const s of strings) expect(() => interpolate(s, hostEnv)).not.toThrow();
    expect(() => serviceEnvironment(service('alerting'), {})).toThrow(/SLACK_WEBHOOK_URL is required/);
  });

  it('builds every Tidewater container from the one Dockerfile, with a SERVICE that exists under services/', () => {
    expect(builtFromDockerfile.map(([name]) => name).sort()).toEqual([...serviceNames, 'kafka-init'].sort());
    const stages = dockerfile.stages.map((s) => s.name);
    for (const [name, s] of builtFromDockerfile) {
      expect(s.build?.context, name).toBe('.');
      const target = s.build?.target;
      if (target !== undefined) expect(stages, `${name}: build target`).toContain(target);
      const arg = s.build?.args?.['SERVICE'];
      expect(typeof arg, `${name}: build arg SERVICE`).toBe('string');
      expect(existsSync(join(repoRoot, 'services', String(arg), 'src/main.ts')), `${name}: SERVICE=${String(arg)}`).toBe(true);
      if (serviceNames.includes(name)) expect(arg, name).toBe(name);
    }
  });

  it('publishes no host port twice', () => {
    const published = Object.values(compose.services).flatMap((s) =>
      publishedPorts(s, hostEnv).flatMap((p) => (p.hostPort === undefined ? [] : [`${p.hostIp ?? '0.0.0.0'}:${p.hostPort}`])),
    );
    expect(published.length).toBeGreaterThanOrEqual(serviceNames.length);
    expect(new Set(published).size).toBe(published.length);
  });

  it('has a health check on every dependency that others wait on as healthy', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [dep, condition] of Object.entries(dependencies(s))) {
        const target = service(dep);
        if (condition !== 'service_healthy') continue;
        const own = target.healthcheck?.test !== undefined && target.healthcheck.disable !== true;
        const fromImage = target.build?.dockerfile === 'deploy/docker/Dockerfile'; // HEALTHCHECK in the image
        expect(own || fromImage, `${name} waits for ${dep} to be healthy`).toBe(true);
      }
    }
  });

  it('runs Kafka without topic auto-creation, advertising the address the services use', () => {
    const kafkaEnv = serviceEnvironment(service('kafka'), hostEnv);
    expect(kafkaEnv['KAFKA_AUTO_CREATE_TOPICS_ENABLE']).toBe('false');
    const advertised = (kafkaEnv['KAFKA_ADVERTISED_LISTENERS'] ?? '').split(',').map((l) => l.replace(/^\w+:\/\//, ''));
    for (const name of [...serviceNames, 'kafka-init']) {
      for (const broker of (serviceEnvironment(service(name), hostEnv)['KAFKA_BROKERS'] ?? '').split(',')) {
        expect(advertised, `${name}: KAFKA_BROKERS ${broker}`).toContain(broker);
      }
    }
  });

  describe('kafka-init', () => {
    it('runs deploy/docker/create-topics.ts, compiled, from the service image once Kafka is healthy, once', () => {
      const init = service('kafka-init');
      const command = Array.isArray(init.command) ? init.command : (init.command ?? '').split(/\s+/);
      // The image holds the compiled script (deploy/docker/build.ts), resolving workspaces to dist/.
      expect(command).toEqual(['node', `--conditions=${compiledCondition}`, 'deploy/docker/dist/create-topics.js']);
      expect(deployScripts).toContain('deploy/docker/create-topics.ts');
      expect(existsSync(join(repoRoot, 'deploy/docker/create-topics.ts'))).toBe(true);
      expect(dependencies(init)['kafka']).toBe('service_healthy');
      expect(init.restart ?? 'no').toBe('no');
    });

    it('has a valid configuration, with the brokers the services use', () => {
      const env = serviceEnvironment(service('kafka-init'), hostEnv);
      const parsed = createTopicsConfigSchema.safeParse(env);
      expect(parsed.success, parsed.success ? '' : z.prettifyError(parsed.error)).toBe(true);
      for (const name of serviceNames) expect(serviceEnvironment(service(name), hostEnv)['KAFKA_BROKERS'], name).toBe(env['KAFKA_BROKERS']);
    });
  });

  describe.each(serviceNames)('service %s', (name) => {
    const schema = schemaOf(name);
    const env = serviceEnvironment(service(name), hostEnv);

    it('sets every variable its config schema requires, with values the schema accepts', () => {
      expectEnvFitsSchema(name, env, Object.keys(env));
      expectPathsAndTopicsExist(name, env);
    });

    it('points Kafka, the registry and Redis at services of this file', () => {
      const hosts = [
        ...(env['KAFKA_BROKERS'] ?? '').split(',').map((b) => b.split(':')[0]),
        new URL(env['SCHEMA_REGISTRY_URL'] ?? 'http://missing').hostname,
        ...(env['REDIS_URL'] ? [new URL(env['REDIS_URL']).hostname] : []),
      ];
      for (const host of hosts) expect(Object.keys(compose.services), `${name}: host ${host}`).toContain(host);
    });

    it('publishes its HTTP port', () => {
      const port = Number(effectiveEnv(schema, env, 'HTTP_PORT'));
      const published = publishedPorts(service(name), hostEnv).find((p) => p.containerPort === port);
      expect(published?.hostPort, `${name}: container port ${port}`).toBeDefined();
    });

    it('waits for kafka-init to finish, for the registry and, when it uses Redis, for Redis to be healthy', () => {
      const deps = dependencies(service(name));
      expect(deps['kafka-init']).toBe('service_completed_successfully');
      expect(deps['schema-registry']).toBe('service_healthy');
      if ('REDIS_URL' in schema.shape) expect(deps['redis']).toBe('service_healthy');
    });

    it('is given longer to stop than its SHUTDOWN_TIMEOUT_MS', () => {
      expect(durationMs(service(name).stop_grace_period ?? '10s')).toBeGreaterThan(shutdownTimeoutMs(schema, env));
    });
  });
});

describe('deploy/k8s', () => {
  const dir = join(repoRoot, 'deploy/k8s/base');
  /** The exactly-once StatefulSet: a kustomize component that replaces the inference Deployment. */
  const exactlyOnceDir = join(repoRoot, 'deploy/k8s/components/exactly-once');
  const docs = [...loadManifests(dir), ...loadManifests(exactlyOnceDir)];
  const deployments = ofKind(docs, 'Deployment', deploymentSchema);
  const configMaps = ofKind(docs, 'ConfigMap', configMapSchema);
  const services = ofKind(docs, 'Service', serviceSchema);
  // Secrets are created out of band; their placeholder only has to be a URL (the one secret is a webhook).
  const secretValue = (name: string, key: string) => `https://secret.invalid/${name}/${key}`;

  const deployment = (name: string): Deployment => {
    const d = deployments.find((x) => x.metadata.name === name);
    if (!d) throw new Error(`deploy/k8s has no Deployment ${name}`);
    return d;
  };
  const container = (name: string): K8sContainer => {
    const [c, ...others] = deployment(name).spec.template.spec.containers;
    if (!c || others.length > 0) throw new Error(`Deployment ${name} should have exactly one container`);
    return c;
  };
  const resolvedEnv = (name: string) =>
    containerEnv(container(name), deployment(name).metadata.namespace ?? 'default', configMaps, secretValue);
  it('lists every manifest in kustomization.yaml; the exactly-once component lists its own', () => {
    const resources = (d: string) =>
      z.object({ resources: z.array(z.string()) }).parse(parse(readFileSync(join(d, 'kustomization.yaml'), 'utf8'))).resources;
    const yamlFiles = (d: string) => readdirSync(d).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...resources(dir)].sort()).toEqual(yamlFiles(dir).sort());
    expect(resources(exactlyOnceDir)).toEqual(yamlFiles(exactlyOnceDir));
  });

  it('creates the namespace its workloads live in', () => {
    const namespaces = docs.filter((d) => d.object.kind === 'Namespace').map((d) => d.object.metadata.name);
    for (const d of docs.filter((x) =>
      ['Deployment', 'StatefulSet', 'Service', 'ConfigMap', 'PodDisruptionBudget'].includes(x.object.kind),
    )) {
      expect(namespaces, `${d.file}: ${d.object.kind} ${d.object.metadata.name}`).toContain(d.object.metadata.namespace);
    }
  });

  it('keeps the shared ConfigMaps to variables that some service reads', () => {
    const known = new Set(serviceNames.flatMap((s) => Object.keys(schemaOf(s).shape)));
    for (const cm of configMaps)
      expect(
        // OTEL_* are read by the OpenTelemetry SDK every service starts (libs/tracing).
        Object.keys(cm.data).filter((k) => !known.has(k) && !k.startsWith('OTEL_')),
        cm.metadata.name,
      ).toEqual([]);
  });

  it('takes the Slack webhook of alerting from a Secret, not from a literal', () => {
    const webhook = container('alerting').env.find((v) => v.name === 'SLACK_WEBHOOK_URL');
    expect(webhook?.valueFrom?.secretKeyRef).toBeDefined();
  });

  it('has a PodDisruptionBudget that keeps inference pods available during drains', () => {
    const pdbSchema = z.looseObject({
      apiVersion: z.literal('policy/v1'),
      spec: z.looseObject({
        selector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
        maxUnavailable: z.number().int().optional(),
        minAvailable: z.number().int().optional(),
      }),
    });
    const inference = deployment('inference');
    const pdbs = ofKind(docs, 'PodDisruptionBudget', pdbSchema).filter((p) =>
      Object.entries(p.spec.selector.matchLabels).every(([k, v]) => inference.spec.template.metadata.labels[k] === v),
    );
    expect(pdbs).toHaveLength(1);
    const pdb = pdbs[0];
    const allowed = pdb?.spec.maxUnavailable ?? inference.spec.replicas - (pdb?.spec.minAvailable ?? inference.spec.replicas);
    expect(allowed).toBeGreaterThanOrEqual(1); // a budget of 0 would block every node drain
    expect(allowed).toBeLessThan(inference.spec.replicas);
  });

  describe.each(serviceNames)('service %s', (name) => {
    const schema = schemaOf(name);

    it('has a Deployment and a Service that select its pods', () => {
      const d = deployment(name);
      const labels = d.spec.template.metadata.labels;
      const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
      expect(selects(d.spec.selector.matchLabels)).toBe(true);
      const svc = services.find((s) => s.metadata.name === name);
      expect(svc && selects(svc.spec.selector), `Service ${name}`).toBe(true);
    });

    it(`runs ${name === 'inference' ? 3 : 1} replica(s)`, () => {
      // inference is a consumer group scaled out; the others keep per-instance state or need no more.
      expect(deployment(name).spec.replicas).toBe(name === 'inference' ? 3 : 1);
    });

    it('sets every variable its config schema requires, with values the schema accepts', () => {
      const env = resolvedEnv(name);
      expect(env.problems).toEqual([]);
      expectEnvFitsSchema(name, env.values, env.explicit);
      expectPathsAndTopicsExist(name, env.values);
    });

    it('probes /healthz for liveness and /readyz for readiness, on its HTTP port', () => {
      const c = container(name);
      const port = Number(effectiveEnv(schema, resolvedEnv(name).values, 'HTTP_PORT'));
      expect(c.ports.map((p) => p.containerPort)).toContain(port);
      const probes = { livenessProbe: '/healthz', readinessProbe: '/readyz', startupProbe: '/healthz' } as const;
      for (const [probe, path] of Object.entries(probes) as [keyof typeof probes, string][]) {
        const httpGet = c[probe]?.httpGet;
        if (probe === 'startupProbe' && !c.startupProbe) continue;
        expect(httpGet?.path, `${name} ${probe}`).toBe(path);
        expect(httpGet && resolvePort(c, httpGet.port), `${name} ${probe} port`).toBe(port);
      }
      const svcPort = services.find((s) => s.metadata.name === name)?.spec.ports[0];
      expect(svcPort && resolvePort(c, svcPort.targetPort ?? svcPort.port), `Service ${name} targetPort`).toBe(port);
    });

    it('gets a termination grace period longer than its SHUTDOWN_TIMEOUT_MS', () => {
      const grace = deployment(name).spec.template.spec.terminationGracePeriodSeconds;
      expect(grace, `${name}: terminationGracePeriodSeconds`).toBeDefined();
      expect((grace ?? 0) * 1000).toBeGreaterThan(shutdownTimeoutMs(schema, resolvedEnv(name).values));
    });

    it('requests and limits CPU and memory', () => {
      const { requests, limits } = container(name).resources ?? {};
      expect(Object.keys(requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(limits ?? {}).sort()).toEqual(['cpu', 'memory']);
    });

    it('runs as non-root, with a writable /tmp when the root filesystem is read-only', () => {
      expect(deployment(name).spec.template.spec.securityContext?.runAsNonRoot).toBe(true);
      const c = container(name);
      if (c.securityContext?.readOnlyRootFilesystem) expect(c.volumeMounts.map((m) => m.mountPath)).toContain('/tmp');
    });
  });

  describe('inference-exactly-once.yaml: inference with EXACTLY_ONCE=true, run instead of its Deployment', () => {
    const statefulSets = ofKind(docs, 'StatefulSet', statefulSetSchema);
    const sts = statefulSets.find((x) => x.metadata.name === 'inference-exactly-once');
    if (!sts) throw new Error('deploy/k8s has no StatefulSet inference-exactly-once');
    const [c, ...others] = sts.spec.template.spec.containers;
    if (!c || others.length > 0) throw new Error('StatefulSet inference-exactly-once should have exactly one container');
    const labels = sts.spec.template.metadata.labels;
    const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    const schema = schemaOf('inference');
    /** Each pod's environment: the downward API gives it its own name. */
    const podEnvs = Array.from({ length: sts.spec.replicas }, (_, i) =>
      containerEnv(c, sts.metadata.namespace ?? 'default', configMaps, secretValue, (path) =>
        path === 'metadata.name' ? `${sts.metadata.name}-${i}` : undefined,
      ),
    );

    it('selects its pods, and its governing Service is a headless one that selects them too', () => {
      expect(selects(sts.spec.selector.matchLabels)).toBe(true);
      const governing = services.find((s) => s.metadata.name === sts.spec.serviceName);
      expect(governing?.spec.clusterIP).toBe('None');
      expect(governing && selects(governing.spec.selector)).toBe(true);
      // Not the inference Deployment's pods: applied by mistake beside it, the two stay apart.
      expect(selects(deployment('inference').spec.selector.matchLabels)).toBe(false);
    });

    it("runs the inference Deployment's pod unchanged but for EXACTLY_ONCE=true and the pod name as transactional and client id", () => {
      const d = deployment('inference');
      const { env, ...rest } = c;
      const { env: deploymentEnv, ...deploymentRest } = container('inference');
      expect(rest).toEqual(deploymentRest);
      expect({ ...sts.spec.template.spec, containers: [] }).toEqual({ ...d.spec.template.spec, containers: [] });
      expect(sts.spec.replicas).toBe(d.spec.replicas);
      expect(deploymentEnv.filter((v) => !env.some((w) => isDeepStrictEqual(v, w)))).toEqual([]);
      const podName = { valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };
      expect(env.filter((v) => !deploymentEnv.some((w) => isDeepStrictEqual(v, w)))).toEqual([
        { name: 'EXACTLY_ONCE', value: 'true' },
        { name: 'TRANSACTIONAL_ID', ...podName },
        { name: 'KAFKA_CLIENT_ID', ...podName },
      ]);
    });

    it("gives every pod a configuration the schema accepts, its own transactional id, and the Deployment's consumer group", () => {
      for (const env of podEnvs) {
        expect(env.problems).toEqual([]);
        expectEnvFitsSchema('inference', env.values, env.explicit);
        expectPathsAndTopicsExist('inference', env.values);
        expect(effectiveEnv(schema, env.values, 'EXACTLY_ONCE')).toBe(true);
        // Switching from the Deployment continues from the group's committed offsets.
        expect(effectiveEnv(schema, env.values, 'CONSUMER_GROUP')).toBe(
          effectiveEnv(schema, resolvedEnv('inference').values, 'CONSUMER_GROUP'),
        );
      }
      const ids = podEnvs.map((env) => effectiveEnv(schema, env.values, 'TRANSACTIONAL_ID'));
      expect(new Set(ids).size).toBe(sts.spec.replicas);
    });

    it('has a PodDisruptionBudget that lets drains take one pod at a time', () => {
      const pdbSchema = z.looseObject({
        spec: z.looseObject({ selector: z.object({ matchLabels: z.record(z.string(), z.string()) }), maxUnavailable: z.number().int() }),
      });
      const pdbs = ofKind(docs, 'PodDisruptionBudget', pdbSchema).filter((p) => selects(p.spec.selector.matchLabels));
      expect(pdbs.map((p) => p.spec.maxUnavailable)).toEqual([1]);
    });
  });

  describe('Strimzi KafkaTopics', () => {
    const kafkaTopicSchema = z.looseObject({
      apiVersion: z.literal('kafka.strimzi.io/v1beta2'),
      metadata: z.looseObject({ name: z.string(), labels: z.record(z.string(), z.string()) }),
      spec: z.looseObject({
        topicName: z.string().optional(),
        partitions: z.number().int(),
        replicas: z.number().int(),
        config: z.record(z.string(), z.union([z.string(), z.number()])),
      }),
    });
    const kafkaTopics = ofKind(docs, 'KafkaTopic', kafkaTopicSchema);
    const byTopic = new Map(kafkaTopics.map((t) => [t.spec.topicName ?? t.metadata.name, t]));

    it('has exactly one KafkaTopic per topic of deploy/topics.yaml, and no others', () => {
      expect(kafkaTopics).toHaveLength(byTopic.size); // no topic twice
      expect([...byTopic.keys()].sort()).toEqual([...topicNames].sort());
    });

    it.each(topics.map((t) => [t.name, t] as const))(
      'gives %s the partitions, cleanup policy and retention of the manifest',
      (topic, spec) => {
        const resource = byTopic.get(topic);
        expect(resource?.spec.partitions).toBe(spec.partitions);
        expect(resource?.spec.config['cleanup.policy']).toBe(spec.cleanupPolicy);
        expect(String(resource?.spec.config['retention.ms'])).toBe(String(spec.retentionMs));
      },
    );

    it('uses valid resource names and one Strimzi cluster, and keeps writes available with a broker down', () => {
      const clusters = new Set(kafkaTopics.map((t) => t.metadata.labels['strimzi.io/cluster']));
      expect(clusters.size).toBe(1);
      expect([...clusters][0]).toBeTruthy();
      for (const t of kafkaTopics) {
        expect(t.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        expect(Number(t.spec.config['min.insync.replicas'] ?? 1)).toBeLessThan(t.spec.replicas);
      }
    });
  });
});
