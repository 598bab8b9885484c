// What CI validates: every way deploy/k8s is meant to be applied, rendered as kubectl would.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeconform, kustomizeBuild, type Validation } from './k8s-tools.js';

const k8sDir = fileURLToPath(new URL('../', import.meta.url));
/** Kinds with no vendored schema; deploy/deploy-artifacts.test.ts checks them against deploy/topics.yaml. */
export const unvalidatedKinds = ['KafkaTopic'] as const;

export interface RenderTarget {
  readonly name: string;
  /** The YAML stream it applies. */
  render(): Promise<string>;
}

/** A kustomization made on the spot: the base with components (components cannot be built alone). */
async function buildWithComponents(...components: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tidewater-k8s-'));
  try {
    // kustomize takes only relative paths to other kustomizations.
    const paths = components.map((c) => JSON.stringify(relative(dir, join(k8sDir, 'components', c))));
    const kustomization = [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `resources: [${JSON.stringify(relative(dir, join(k8sDir, 'base')))}]`,
      `components: [${paths.join(', ')}]`,
    ].join('\n');
    await writeFile(join(dir, 'kustomization.yaml'), `${kustomization}\n`);
    return await kustomizeBuild(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const renderTargets: readonly RenderTarget[] = [
  { name: 'overlays/dev', render: () => kustomizeBuild(join(k8sDir, 'overlays/dev')) },
  { name: 'overlays/prod', render: () => kustomizeBuild(join(k8sDir, 'overlays/prod')) },
  { name: 'base', render: () => kustomizeBuild(join(k8sDir, 'base')) },
  { name: 'base + components/hpa', render: () => buildWithComponents('hpa') },
  { name: 'base + components/keda + components/exactly-once', render: () => buildWithComponents('keda', 'exactly-once') },
  {
    name: 'base + components/keda + components/exactly-once + components/kafka-sasl-ssl',
    render: () => buildWithComponents('keda', 'exactly-once', 'kafka-sasl-ssl'),
  },
  { name: 'monitoring', render: () => kustomizeBuild(join(k8sDir, 'monitoring')) },
];

/** kubeconform on one rendered stream (written to a temporary file). */
export async function validateRendered(yaml: string): Promise<Validation> {
  const dir = await mkdtemp(join(tmpdir(), 'tidewater-k8s-'));
  try {
    const file = join(dir, 'rendered.yaml');
    await writeFile(file, yaml);
    return await kubeconform([file], unvalidatedKinds);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** kubeconform's closing line, as numbers. */
export function summaryOf(
  output: string,
): { resources: number; valid: number; invalid: number; errors: number; skipped: number } | undefined {
  const m = /(\d+) resources found .* - Valid: (\d+), Invalid: (\d+), Errors: (\d+), Skipped: (\d+)/.exec(output);
  if (!m) return undefined;
  const [resources, valid, invalid, errors, skipped] = m.slice(1).map(Number) as [number, number, number, number, number];
  return { resources, valid, invalid, errors, skipped };
}
