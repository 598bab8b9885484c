// Every way deploy/k8s is meant to be applied, rendered with kustomize and validated offline with
// kubeconform in strict mode against the schemas vendored in deploy/k8s-schemas (Kubernetes'
// OpenAPI document and KEDA's CRD). Needs the two binaries that test/prepare.sh builds; it fails,
// naming the command, when they are missing. Needs no cluster and no Kafka.
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { secretRefs } from '../support/k8s-manifests.js';
import { ensureCommand, missingK8sTools } from './tools/k8s-tools.js';
import { renderTargets, summaryOf, unvalidatedKinds, validateRendered } from './tools/render-targets.js';

/** The kinds of a YAML stream, one per document. */
function kindsOf(yaml: string): string[] {
  return parseAllDocuments(yaml).flatMap((doc) => {
    const value: unknown = doc.toJS();
    return value && typeof value === 'object' && 'kind' in value ? [String(value.kind)] : [];
  });
}

/** `kind/name` of a parsed document. */
function nameOf(doc: unknown): string[] {
  if (!doc || typeof doc !== 'object' || !('kind' in doc) || !('metadata' in doc)) return [];
  const { metadata } = doc as { metadata: { name?: unknown } };
  return [`${String(doc.kind)}/${String(metadata.name)}`];
}

/** `kind/name` of every document of a YAML stream. */
function namesOf(yaml: string): string[] {
  return parseAllDocuments(yaml).flatMap((doc) => nameOf(doc.toJS()));
}

/** Called first in every test, so that missing tools fail each one (a failing hook would report them skipped). */
function requireTools(): void {
  const missing = missingK8sTools();
  if (missing.length > 0) throw new Error(`${missing.join(' and ')} not built: run \`${ensureCommand}\` (or bash test/prepare.sh)`);
}

describe.each(renderTargets.map((t) => [t.name, t] as const))('%s', (_name, target) => {
  it('renders to manifests that all validate against the vendored schemas, none left unchecked but KafkaTopics', async () => {
    requireTools();
    const yaml = await target.render();
    const kinds = kindsOf(yaml);
    const result = await validateRendered(yaml);
    expect(result.ok, result.output).toBe(true);
    const summary = summaryOf(result.output);
    const skipped = kinds.filter((k) => (unvalidatedKinds as readonly string[]).includes(k)).length;
    expect(summary).toEqual({ resources: kinds.length, valid: kinds.length - skipped, invalid: 0, errors: 0, skipped });
    expect(summary?.valid).toBeGreaterThan(0);
  });
});

describe('the overlays as applied', () => {
  const docsOf = (yaml: string): unknown[] => parseAllDocuments(yaml).map((d): unknown => d.toJS());
  const render = async (name: string) => docsOf((await renderTargets.find((t) => t.name === name)?.render()) ?? '');
  /** Secrets a stream's pods mount or read, and Secrets it creates. */
  const secrets = (docs: unknown[]) => {
    const created = docs.flatMap(nameOf).filter((n) => n.startsWith('Secret/'));
    return { referenced: [...new Set(secretRefs(docs))].sort(), created: created.map((n) => n.slice('Secret/'.length)).sort() };
  };

  it('dev creates every Secret its pods need, so nothing waits in ContainerCreating', async () => {
    requireTools();
    const { referenced, created } = secrets(await render('overlays/dev'));
    expect(referenced.length).toBeGreaterThan(0);
    expect(created).toEqual(referenced);
  });

  it('prod creates no Secret and leaves the replicas of inference and feature to KEDA', async () => {
    requireTools();
    const docs = await render('overlays/prod');
    expect(secrets(docs).created).toEqual([]);
    const names = docs.flatMap(nameOf);
    expect(names).toEqual(expect.arrayContaining(['ScaledObject/inference', 'ScaledObject/feature']));
    const replicas = Object.fromEntries(
      docs.flatMap((d) => {
        const o = d as { kind?: string; metadata?: { name?: string }; spec?: { replicas?: number } };
        return o.kind === 'Deployment' ? [[o.metadata?.name ?? '', o.spec?.replicas ?? 'autoscaled']] : [];
      }),
    );
    expect(replicas).toEqual({ ingestion: 2, feature: 'autoscaled', inference: 'autoscaled', 'drift-monitor': 1, alerting: 1 });
  });
});

describe('components/exactly-once', () => {
  it('replaces the inference Deployment, its Service, budget and ScaledObject with the StatefulSet', async () => {
    requireTools();
    const target = renderTargets.find((t) => t.name === 'base + components/keda + components/exactly-once');
    const names = namesOf((await target?.render()) ?? '');
    expect(names.filter((n) => n.endsWith('/inference') || n.endsWith('/inference-exactly-once')).sort()).toEqual([
      'NetworkPolicy/inference', // selects both by app.kubernetes.io/component
      'PodDisruptionBudget/inference-exactly-once',
      'Service/inference-exactly-once',
      'StatefulSet/inference-exactly-once',
    ]);
    expect(names).toContain('ScaledObject/feature');
  });
});

describe('the validation itself', () => {
  const dev = renderTargets.find((t) => t.name === 'overlays/dev');

  it('rejects a misspelt field (strict: unknown fields are errors) and names it', async () => {
    requireTools();
    const yaml = (await dev?.render()) ?? '';
    expect(yaml).toContain('maxSkew: 1');
    const result = await validateRendered(yaml.replace('maxSkew: 1', 'maxSkw: 1'));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/Deployment inference is invalid.*'maxSkw' not allowed/s);
  });

  it('rejects a wrong type and a kind it has no schema for, rather than passing them', async () => {
    requireTools();
    const wrongType = await validateRendered('apiVersion: v1\nkind: Service\nmetadata: { name: x }\nspec: { ports: [{ port: "80" }] }\n');
    expect(wrongType.ok).toBe(false);
    expect(wrongType.output).toMatch(/got string, want integer/);
    const unknownKind = await validateRendered('apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: x }\n');
    expect(unknownKind.ok).toBe(false);
    expect(unknownKind.output).toMatch(/could not find schema for Widget/);
  });
});
