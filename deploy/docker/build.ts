/**
 * Compiles the services and the libraries they depend on to JavaScript for the image
 * (docs/adr/0008-compiled-javascript-in-production.md): each workspace's `src/**\/*.ts` (tests
 * left out) becomes `dist/**\/*.js` with a source map, one file per source, at the same depth, so
 * paths resolved from `import.meta.url` (the repository root, feature sets, OpenAPI documents, the
 * scoring worker) hold in both. The scripts the image runs from deploy/docker go to
 * deploy/docker/dist the same way.
 *
 * esbuild transpiles file by file, as tsx does in development (`isolatedModules` and
 * `verbatimModuleSyntax` make that exact); types are checked by `npm run typecheck`, not here.
 * Workspace packages export `./src/index.ts` by default and `./dist/index.js` under the
 * `tidewater-compiled` condition, which the image's node command passes.
 *
 *   npm run build            (tsx deploy/docker/build.ts)
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { repoRoot } from '@tidewater/schemas';

/** The export condition under which workspace packages resolve to their compiled output. */
export const compiledCondition = 'tidewater-compiled';
/** The node flags the image starts every script with. */
export const compiledNodeFlags = [`--conditions=${compiledCondition}`, '--enable-source-maps'] as const;
/** The image's own scripts compiled besides the workspaces (run by compose's kafka-init). */
export const deployScripts = ['deploy/docker/create-topics.ts'] as const;

interface Manifest {
  readonly name: string;
  readonly dependencies: Readonly<Record<string, string>>;
}

const readManifest = (root: string, dir: string): Manifest => {
  const raw = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Partial<Manifest>;
  return { name: raw.name ?? dir, dependencies: raw.dependencies ?? {} };
};

/**
 * The workspaces the image runs: every service and, transitively, every workspace listed in the
 * `dependencies` (not devDependencies) of one, as repository-relative directories, sorted.
 */
export function productionWorkspaces(root: string = repoRoot): string[] {
  const dirs = ['libs', 'services'].flatMap((base) =>
    readdirSync(join(root, base))
      .map((d) => `${base}/${d}`)
      .filter((d) => existsSync(join(root, d, 'package.json'))),
  );
  const byName = new Map(dirs.map((d) => [readManifest(root, d).name, d]));
  const needed = new Set<string>();
  const visit = (dir: string): void => {
    if (needed.has(dir)) return;
    needed.add(dir);
    for (const dep of Object.keys(readManifest(root, dir).dependencies)) {
      const target = byName.get(dep);
      if (target) visit(target);
    }
  };
  dirs.filter((d) => d.startsWith('services/')).forEach(visit);
  return [...needed].sort();
}

const isSource = (file: string) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !/\.test\.ts$/.test(file);

/** The TypeScript files of a directory tree that the build compiles (tests left out). */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && isSource(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export interface BuildResult {
  /** Repository-relative paths of the JavaScript files written. */
  readonly outputs: readonly string[];
  readonly workspaces: readonly string[];
  readonly ms: number;
}

/** Removes every output directory, then compiles each production workspace and the deploy scripts. */
export async function buildDist(root: string = repoRoot): Promise<BuildResult> {
  const started = performance.now();
  const workspaces = productionWorkspaces(root);
  const units = [
    ...workspaces.map((ws) => ({ base: join(root, ws, 'src'), out: join(root, ws, 'dist'), files: sourceFiles(join(root, ws, 'src')) })),
    { base: join(root, 'deploy/docker'), out: join(root, 'deploy/docker/dist'), files: deployScripts.map((s) => join(root, s)) },
  ];
  const outputs: string[] = [];
  for (const unit of units) {
    rmSync(unit.out, { recursive: true, force: true });
    // The deploy scripts import their siblings; a per-file build would miss them, so follow imports
    // there (bundling only relative files: every package import stays an import).
    const deploy = unit.base.endsWith('deploy/docker');
    const result = await build({
      absWorkingDir: root,
      entryPoints: unit.files,
      outbase: unit.base,
      outdir: unit.out,
      bundle: deploy,
      ...(deploy ? { packages: 'external' as const } : {}),
      platform: 'node',
      format: 'esm',
      target: 'node24',
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'warning',
      metafile: true,
    });
    outputs.push(...Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')));
  }
  const written = outputs.map((f) => relative(root, join(root, f))).sort();
  const unresolved = written.flatMap((file) => missingRelativeImports(root, file).map((spec) => `${file} imports ${spec}`));
  // A per-file build does not follow imports, so a source importing a file that is not there
  // would only fail when the image starts; fail here instead.
  if (unresolved.length > 0) throw new Error(`the compiled output imports files that do not exist:\n${unresolved.join('\n')}`);
  return { outputs: written, workspaces, ms: performance.now() - started };
}

/** Relative import specifiers of a compiled file (static and dynamic) whose target does not exist. */
export function missingRelativeImports(root: string, file: string): string[] {
  const code = readFileSync(join(root, file), 'utf8');
  const specs = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s*)"(\.{1,2}\/[^"]+)"/gm)].map((m) => m[1] ?? '');
  return specs.filter((spec) => !existsSync(join(root, dirname(file), spec)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await buildDist();
  process.stdout.write(
    `built ${result.outputs.length} files from ${result.workspaces.length} workspaces and ${deployScripts.length} deploy script(s) in ${Math.round(result.ms)} ms\n`,
  );
}
