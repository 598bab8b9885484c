// kustomize and kubeconform, pinned by this directory's go.mod/go.sum and built once from the Go
// module proxy into ~/.cache/tidewater (as the dev stack does with Jaeger), then used to render the
// overlays and validate them, offline, against the schemas vendored in deploy/k8s-schemas.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const moduleDir = fileURLToPath(new URL('./', import.meta.url));
/** The Kubernetes release of the vendored schemas (deploy/k8s-schemas/generate.ts writes them). */
export const schemaKubernetesVersion = '1.34.4';
export const schemaDir = fileURLToPath(new URL('../../k8s-schemas/', import.meta.url));
/** What a developer runs when the binaries are missing (test/prepare.sh runs it too). */
export const ensureCommand = 'npx tsx deploy/k8s/tools/ensure-k8s-tools.ts';

const tools = { kustomize: 'sigs.k8s.io/kustomize/kustomize/v5', kubeconform: 'github.com/yannh/kubeconform/cmd/kubeconform' } as const;
export type K8sTool = keyof typeof tools;

/** Where the binaries live: one directory per go.sum content (TIDEWATER_CACHE_DIR moves it). */
export function k8sToolsDir(): string {
  const hash = createHash('sha256')
    .update(readFileSync(join(moduleDir, 'go.sum')))
    .digest('hex')
    .slice(0, 12);
  const cache = process.env['TIDEWATER_CACHE_DIR'] || join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'tidewater');
  return join(cache, `k8s-tools-${hash}`);
}

export function k8sToolPath(tool: K8sTool): string {
  return join(k8sToolsDir(), tool);
}

/** The tools not built yet (empty when both are there). */
export function missingK8sTools(): K8sTool[] {
  return (Object.keys(tools) as K8sTool[]).filter((tool) => !existsSync(k8sToolPath(tool)));
}

/** Builds whichever tool is missing (about two minutes on two cores, the first time only). */
export async function ensureK8sTools(log: (line: string) => void = () => undefined): Promise<void> {
  const missing = missingK8sTools();
  if (missing.length === 0) return;
  const partial = `${k8sToolsDir()}.partial-${process.pid}`;
  await mkdir(partial, { recursive: true });
  log(`building ${missing.join(' and ')} from the Go module proxy into ${k8sToolsDir()} (first run only)...`);
  try {
    await run('go', ['build', '-trimpath', '-o', `${partial}/`, ...missing.map((tool) => tools[tool])], {
      cwd: moduleDir,
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      maxBuffer: 16 * 1024 * 1024,
    });
    await mkdir(k8sToolsDir(), { recursive: true });
    // A concurrent first build may win each rename; ours is then a duplicate.
    for (const tool of missing) await rename(join(partial, tool), k8sToolPath(tool)).catch(() => undefined);
  } catch (cause) {
    const missingGo = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    const detail = String((cause as { stderr?: string }).stderr ?? cause).slice(-2000);
    throw new Error(missingGo ? 'building kustomize and kubeconform needs Go on the PATH' : `go build failed: ${detail}`, { cause });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

/** `kustomize build <dir>`: the manifests an overlay applies, as one YAML stream. */
export async function kustomizeBuild(dir: string): Promise<string> {
  const { stdout } = await run(k8sToolPath('kustomize'), ['build', dir], { maxBuffer: 32 * 1024 * 1024 });
  return stdout;
}

export interface Validation {
  readonly ok: boolean;
  /** kubeconform's lines: one per invalid resource, then its summary. */
  readonly output: string;
}

/**
 * kubeconform in strict mode (unknown fields and duplicate keys are errors) against the vendored
 * schemas only: a kind without a schema fails rather than passing unchecked, except the kinds in
 * `skip` (Strimzi's KafkaTopic: Strimzi publishes no CRD file in any registry this project uses).
 */
export async function kubeconform(files: readonly string[], skip: readonly string[] = []): Promise<Validation> {
  const args = ['-strict', '-summary', '-kubernetes-version', schemaKubernetesVersion, '-schema-location', schemaDir];
  if (skip.length > 0) args.push('-skip', skip.join(','));
  try {
    const { stdout, stderr } = await run(k8sToolPath('kubeconform'), [...args, ...files], { maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, output: `${stdout}${stderr}`.trim() };
  } catch (cause) {
    const { stdout = '', stderr = '' } = cause as { stdout?: string; stderr?: string };
    if (!stdout && !stderr) throw cause;
    return { ok: false, output: `${stdout}${stderr}`.trim() };
  }
}
