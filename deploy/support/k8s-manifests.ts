// The Kubernetes manifests of deploy/k8s as the deployment tests read them: every YAML document of
// every file, the subset of the Deployment schema the tests use, and container environments
// resolved the way the kubelet does (env over envFrom, ConfigMaps looked up in the manifests).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { z } from 'zod';

const metadataSchema = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

/** Any Kubernetes object: the fields every manifest must have. */
export const k8sObjectSchema = z.looseObject({ apiVersion: z.string().min(1), kind: z.string().min(1), metadata: metadataSchema });
export type K8sObject = z.infer<typeof k8sObjectSchema>;

const keyRef = z.looseObject({ name: z.string(), key: z.string() });
const envVarSchema = z.looseObject({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z
    .looseObject({
      configMapKeyRef: keyRef.optional(),
      secretKeyRef: keyRef.optional(),
      fieldRef: z.looseObject({ fieldPath: z.string() }).optional(),
    })
    .optional(),
});
const probeSchema = z.looseObject({ httpGet: z.looseObject({ path: z.string(), port: z.union([z.string(), z.number()]) }).optional() });
const quantities = z.record(z.string(), z.union([z.string(), z.number()]));

export const containerSchema = z.looseObject({
  name: z.string(),
  image: z.string(),
  ports: z.array(z.looseObject({ name: z.string().optional(), containerPort: z.number().int() })).default([]),
  env: z.array(envVarSchema).default([]),
  envFrom: z
    .array(
      z.looseObject({
        configMapRef: z.looseObject({ name: z.string() }).optional(),
        secretRef: z.looseObject({ name: z.string() }).optional(),
      }),
    )
    .default([]),
  livenessProbe: probeSchema.optional(),
  readinessProbe: probeSchema.optional(),
  startupProbe: probeSchema.optional(),
  resources: z.looseObject({ requests: quantities.optional(), limits: quantities.optional() }).optional(),
  securityContext: z.looseObject({ readOnlyRootFilesystem: z.boolean().optional() }).optional(),
  volumeMounts: z.array(z.looseObject({ name: z.string(), mountPath: z.string() })).default([]),
});
export type K8sContainer = z.infer<typeof containerSchema>;

const podTemplateSchema = z.looseObject({
  metadata: z.looseObject({ labels: z.record(z.string(), z.string()) }),
  spec: z.looseObject({
    terminationGracePeriodSeconds: z.number().int().optional(),
    securityContext: z.looseObject({ runAsNonRoot: z.boolean().optional() }).optional(),
    containers: z.array(containerSchema).min(1),
  }),
});

export const deploymentSchema = z.looseObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata: metadataSchema,
  spec: z.looseObject({
    replicas: z.number().int(),
    selector: z.looseObject({ matchLabels: z.record(z.string(), z.string()) }),
    template: podTemplateSchema,
  }),
});
export type Deployment = z.infer<typeof deploymentSchema>;

export const statefulSetSchema = z.looseObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('StatefulSet'),
  metadata: metadataSchema,
  spec: z.looseObject({
    serviceName: z.string().min(1),
    replicas: z.number().int(),
    podManagementPolicy: z.enum(['OrderedReady', 'Parallel']).optional(),
    selector: z.looseObject({ matchLabels: z.record(z.string(), z.string()) }),
    template: podTemplateSchema,
  }),
});
export type StatefulSet = z.infer<typeof statefulSetSchema>;

export const serviceSchema = z.looseObject({
  kind: z.literal('Service'),
  metadata: metadataSchema,
  spec: z.looseObject({
    clusterIP: z.string().optional(),
    selector: z.record(z.string(), z.string()),
    ports: z.array(z.looseObject({ port: z.number().int(), targetPort: z.union([z.string(), z.number()]).optional() })).min(1),
  }),
});

export const configMapSchema = z.looseObject({
  kind: z.literal('ConfigMap'),
  metadata: metadataSchema,
  data: z.record(z.string(), z.string()).default({}),
});

export interface ManifestDocument {
  readonly file: string;
  readonly object: K8sObject;
  /** The document as parsed, for parsing with a more specific schema. */
  readonly raw: unknown;
}

/** Every document of every .yaml file in `dir` except kustomization.yaml; YAML or shape errors throw. */
export function loadManifests(dir: string): ManifestDocument[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).flatMap((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const raw: unknown = doc.toJS();
      if (raw === null) return []; // an empty document, e.g. after a trailing ---
      const parsed = k8sObjectSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
      return [{ file, object: parsed.data, raw }];
    }),
  );
}

/** Documents of one kind, parsed with its schema. */
export function ofKind<S extends z.ZodType>(docs: readonly ManifestDocument[], kind: string, schema: S): z.infer<S>[] {
  return docs.filter((d) => d.object.kind === kind).map((d) => schema.parse(d.raw));
}

export interface ResolvedEnv {
  /** Variable values; secrets hold a placeholder from `secretValue`. */
  readonly values: Record<string, string>;
  /** Variables set by the container's own `env` list (not through envFrom). */
  readonly explicit: readonly string[];
  /** Problems: a referenced ConfigMap or key that the manifests do not define. */
  readonly problems: readonly string[];
}

/**
 * The container's environment as the kubelet builds it: envFrom sources in order, then `env`
 * (which wins). ConfigMaps come from the manifests; Secrets are not there by design, so their
 * values come from `secretValue(secretName, key)`, and the pod's own fields (downward API
 * `fieldRef`, e.g. `metadata.name`) from `fieldValue(fieldPath)`.
 */
export function containerEnv(
  container: K8sContainer,
  namespace: string,
  configMaps: readonly z.infer<typeof configMapSchema>[],
  secretValue: (name: string, key: string) => string,
  fieldValue: (fieldPath: string) => string | undefined = () => undefined,
): ResolvedEnv {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  const configMap = (name: string) => configMaps.find((c) => c.metadata.name === name && (c.metadata.namespace ?? 'default') === namespace);
  for (const from of container.envFrom) {
    if (from.configMapRef) {
      const cm = configMap(from.configMapRef.name);
      if (cm) Object.assign(values, cm.data);
      else problems.push(`envFrom ConfigMap ${from.configMapRef.name} is not in the manifests`);
    }
    if (from.secretRef) problems.push(`envFrom Secret ${from.secretRef.name}: its keys cannot be checked; use secretKeyRef per variable`);
  }
  for (const v of container.env) {
    const cmRef = v.valueFrom?.configMapKeyRef;
    const secretRef = v.valueFrom?.secretKeyRef;
    if (v.value !== undefined) values[v.name] = v.value;
    else if (cmRef) {
      const value = configMap(cmRef.name)?.data[cmRef.key];
      if (value === undefined) problems.push(`${v.name}: ConfigMap ${cmRef.name} key ${cmRef.key} is not in the manifests`);
      else values[v.name] = value;
    } else if (secretRef) values[v.name] = secretValue(secretRef.name, secretRef.key);
    else if (v.valueFrom?.fieldRef) {
      const value = fieldValue(v.valueFrom.fieldRef.fieldPath);
      if (value === undefined) problems.push(`${v.name}: fieldRef ${v.valueFrom.fieldRef.fieldPath} is not known here`);
      else values[v.name] = value;
    } else problems.push(`${v.name}: neither value nor valueFrom`);
  }
  return { values, explicit: container.env.map((v) => v.name), problems };
}

/** A probe's or Service's port (a number or a container port name) as a number. */
export function resolvePort(container: K8sContainer, port: string | number): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports.find((p) => p.name === port)?.containerPort;
}

/**
 * Secret names under `secretName` (volumes), `secretKeyRef.name` (env) and KEDA's
 * `secretTargetRef[].name` (TriggerAuthentication), anywhere in a value.
 */
export function secretRefs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(secretRefs);
  if (!value || typeof value !== 'object') return [];
  const o = value as Record<string, unknown>;
  const kedaRefs = Array.isArray(o['secretTargetRef']) ? (o['secretTargetRef'] as { name?: unknown }[]).map((r) => r.name) : [];
  const own = [o['secretName'], (o['secretKeyRef'] as { name?: unknown } | undefined)?.name, ...kedaRefs].filter(
    (v) => typeof v === 'string',
  );
  return [...own, ...Object.values(o).flatMap(secretRefs)];
}

const kustomizationSchema = z.looseObject({
  components: z.array(z.string()).default([]),
  patches: z.array(z.looseObject({ patch: z.string().optional() })).default([]),
});

/**
 * Secrets referenced by the components a kustomization lists: their resources and their inline
 * patches (which is how a component mounts a Secret into the base's pods). Files only, no kustomize.
 */
export function componentSecretRefs(kustomizationDir: string): string[] {
  const own = kustomizationSchema.parse(parse(readFileSync(join(kustomizationDir, 'kustomization.yaml'), 'utf8')));
  return own.components.flatMap((component) => {
    const dir = join(kustomizationDir, component);
    const k = kustomizationSchema.parse(parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')));
    const patched = k.patches.flatMap((p) => (p.patch ? secretRefs(parse(p.patch)) : []));
    return [...secretRefs(loadManifests(dir).map((d) => d.raw)), ...patched];
  });
}
