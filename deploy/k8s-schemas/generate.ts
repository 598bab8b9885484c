// Writes the JSON schemas kubeconform validates deploy/k8s against, offline: one standalone,
// strict schema per kind the manifests use, in kubeconform's own layout
// (<version>-standalone-strict/<kind>-<group>-<version>.json), so that
// `kubeconform -strict -kubernetes-version <version> -schema-location deploy/k8s-schemas` finds them.
//
// Sources, all Go modules from the module proxy (`go mod download`): the OpenAPI v2 document of
// k8s.io/kubernetes (api/openapi-spec/swagger.json) for built-in kinds, and the CRDs that KEDA and
// prometheus-operator ship in theirs. The conversion is the one openapi2jsonschema does for
// kubeconform: $refs inlined, additionalProperties false wherever properties are listed (unknown
// fields are errors), int-or-string and quantities as string-or-number. Descriptions are dropped:
// only validation matters here, and they are most of the bytes.
//
//   npx tsx deploy/k8s-schemas/generate.ts
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';

/** The Kubernetes release the schemas describe; kubeconform's -kubernetes-version must match. */
export const kubernetesVersion = '1.34.4';
const outDir = fileURLToPath(new URL(`./v${kubernetesVersion}-standalone-strict/`, import.meta.url));

/** Built-in kinds the manifests use, as swagger definition names. */
const builtIn = [
  'io.k8s.api.core.v1.Namespace',
  'io.k8s.api.core.v1.ConfigMap',
  'io.k8s.api.core.v1.Secret',
  'io.k8s.api.core.v1.Service',
  'io.k8s.api.core.v1.ServiceAccount',
  'io.k8s.api.apps.v1.Deployment',
  'io.k8s.api.apps.v1.StatefulSet',
  'io.k8s.api.policy.v1.PodDisruptionBudget',
  'io.k8s.api.networking.v1.NetworkPolicy',
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
];
/** CRDs, as paths inside the Go modules of the projects that define them. */
const crds: Readonly<Record<string, readonly string[]>> = {
  'github.com/kedacore/keda/v2@v2.18.3': [
    'config/crd/bases/keda.sh_scaledobjects.yaml',
    'config/crd/bases/keda.sh_triggerauthentications.yaml',
  ],
  'github.com/prometheus-operator/prometheus-operator@v0.85.0': [
    'example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml',
    'example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml',
  ],
};

type Schema = { [key: string]: unknown };
const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const stringOrNumber = { oneOf: [{ type: 'string' }, { type: 'number' }] };

function moduleDir(module: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', module], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

/** kubeconform's file name for a kind: lower-case kind, first label of the group, version. */
function fileName(group: string, version: string, kind: string): string {
  const suffix = group === '' ? `-${version}` : `-${group.split('.')[0]}-${version}`;
  return `${kind.toLowerCase()}${suffix}.json`;
}

/** One schema node made standalone and strict; `resolve` inlines a $ref (cycles become `{}`). */
function convert(node: Schema, resolve: (ref: string, seen: readonly string[]) => Schema | undefined, seen: readonly string[]): Schema {
  const ref = node['$ref'];
  if (typeof ref === 'string') {
    if (seen.includes(ref)) return {};
    const target = resolve(ref, seen);
    if (!target) throw new Error(`unresolved $ref ${ref}`);
    return convert(target, resolve, [...seen, ref]);
  }
  if (node['format'] === 'int-or-string' || node['x-kubernetes-int-or-string'] === true)
    return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  const out: Schema = {};
  for (const key of ['type', 'enum', 'required', 'pattern', 'minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength']) {
    if (node[key] !== undefined) out[key] = node[key];
  }
  const props = node['properties'];
  if (isSchema(props)) {
    out['properties'] = Object.fromEntries(
      Object.entries(props)
        .filter(([, v]) => isSchema(v))
        .map(([k, v]) => [k, convert(v as Schema, resolve, seen)]),
    );
  }
  if (isSchema(node['items'])) out['items'] = convert(node['items'], resolve, seen);
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = node[key];
    if (Array.isArray(list)) out[key] = list.filter(isSchema).map((s) => convert(s, resolve, seen));
  }
  const extra = node['additionalProperties'];
  if (isSchema(extra)) out['additionalProperties'] = convert(extra, resolve, seen);
  else if (typeof extra === 'boolean') out['additionalProperties'] = extra;
  else if (out['properties'] && node['x-kubernetes-preserve-unknown-fields'] !== true) out['additionalProperties'] = false;
  if (node['nullable'] === true && typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  return out;
}

/** Written as prettier would (the repository's format check covers these files too). */
async function write(group: string, version: string, kind: string, schema: Schema, source: string): Promise<void> {
  const props = isSchema(schema['properties']) ? schema['properties'] : {};
  const apiVersion = group === '' ? version : `${group}/${version}`;
  const root: Schema = {
    $comment: `Generated by deploy/k8s-schemas/generate.ts from ${source}; do not edit.`,
    ...schema,
    properties: { ...props, apiVersion: { type: 'string', enum: [apiVersion] }, kind: { type: 'string', enum: [kind] } },
  };
  const file = join(outDir, fileName(group, version, kind));
  writeFileSync(file, await format(JSON.stringify(root), { ...(await resolveConfig(file)), filepath: file }));
}

async function main(): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const kubeDir = moduleDir(`k8s.io/kubernetes@v${kubernetesVersion}`);
  const swagger = JSON.parse(readFileSync(join(kubeDir, 'api/openapi-spec/swagger.json'), 'utf8')) as {
    definitions: Record<string, Schema>;
  };
  const quantity = '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity';
  const resolveSwagger = (ref: string): Schema | undefined =>
    ref === quantity ? stringOrNumber : swagger.definitions[ref.replace('#/definitions/', '')];
  for (const name of builtIn) {
    const def = swagger.definitions[name];
    const gvk = (def?.['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined)?.[0];
    if (!def || !gvk) throw new Error(`${name}: not a kind in swagger.json`);
    await write(
      gvk.group,
      gvk.version,
      gvk.kind,
      convert(def, resolveSwagger, []),
      `k8s.io/kubernetes@v${kubernetesVersion} api/openapi-spec/swagger.json`,
    );
  }

  for (const [module, paths] of Object.entries(crds)) {
    const dir = moduleDir(module);
    for (const path of paths) {
      const crd = parse(readFileSync(join(dir, path), 'utf8')) as {
        spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
      };
      for (const v of crd.spec.versions) {
        const none = (): undefined => undefined;
        await write(crd.spec.group, v.name, crd.spec.names.kind, convert(v.schema.openAPIV3Schema, none, []), `${module} ${path}`);
      }
    }
  }
}

await main();
