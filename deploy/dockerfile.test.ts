// Checks deploy/docker/Dockerfile and .dockerignore against the repository: what the image copies
// exists and reaches the build context, npm gets what it needs, and the runtime stage starts the
// service the way the compose file and the Kubernetes manifests expect. Nothing here runs Docker.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { z } from 'zod';
import { repoRoot } from '@tidewater/schemas';
import { describe, expect, it } from 'vitest';
import { compiledCondition, compiledNodeFlags, deployScripts, productionWorkspaces } from './docker/build.js';
import { dockerignoreMatcher } from './support/dockerignore.js';
import { execForm, instructionsOf, parseCopy, parseDockerfile, type DockerStage } from './support/dockerfile.js';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const dockerfile = parseDockerfile(read('deploy/docker/Dockerfile'));
const isIgnored = dockerignoreMatcher(read('.dockerignore'));
const rootPackage = z
  .object({ workspaces: z.array(z.string()), scripts: z.record(z.string(), z.string()).default({}) })
  .parse(JSON.parse(read('package.json')));
const lockPackages = z
  .object({
    packages: z.record(
      z.string(),
      z.looseObject({
        dev: z.boolean().optional(),
        os: z.array(z.string()).optional(),
        dependencies: z.record(z.string(), z.string()).optional(),
        optionalDependencies: z.record(z.string(), z.string()).optional(),
      }),
    ),
  })
  .parse(JSON.parse(read('package-lock.json'))).packages;

const stage = (name: string): DockerStage => {
  const s = dockerfile.stages.find((x) => x.name === name);
  if (!s) throw new Error(`the Dockerfile has no stage ${name}`);
  return s;
};
const runtime = dockerfile.stages.at(-1);
if (!runtime) throw new Error('the Dockerfile has no stage');
/** Sources of the COPY instructions of a stage that copy from the build context. */
const contextCopies = (s: DockerStage) =>
  instructionsOf(s, 'COPY')
    .map((i) => parseCopy(i.args))
    .filter((c) => !c.flags.has('from'))
    .flatMap((c) => c.sources.map((src) => posix.normalize(src)));
/** Whether a repo path lands in the stage: one of its COPY sources is the path or a directory above it. */
const copiedInto = (s: DockerStage, path: string) => contextCopies(s).some((src) => path === src || path.startsWith(`${src}/`));
const build = stage('build');
/** `/app/...` sources the runtime stage copies from the build stage, as repository paths. */
const fromBuild = instructionsOf(runtime, 'COPY')
  .map((i) => parseCopy(i.args))
  .filter((c) => c.flags.get('from') === 'build')
  .flatMap((c) => c.sources.map((src) => posix.relative('/app', src)));
/** Whether a repo path reaches the runtime image: copied there from the context, or into the build stage and on from there. */
const reachesRuntime = (path: string) =>
  copiedInto(runtime, path) || (copiedInto(build, path) && fromBuild.some((src) => path === src || path.startsWith(`${src}/`)));
/** The workspace directories, from the root package.json's globs (`libs/*`, `services/*`). */
const workspaces = rootPackage.workspaces.flatMap((glob) => {
  const base = glob.replace(/\/\*$/, '');
  return readdirSync(join(repoRoot, base))
    .map((d) => `${base}/${d}`)
    .filter((d) => existsSync(join(repoRoot, d, 'package.json')));
});

const manifestName = (ws: string) => z.object({ name: z.string() }).parse(JSON.parse(read(`${ws}/package.json`))).name;
/** TypeScript sources under a directory, tests left out. */
const sourceFilesOf = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
/** Repository paths of the relative imports of a script, followed transitively. */
const localImports = (script: string, seen = new Set<string>()): string[] => {
  for (const [, spec] of read(script).matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
    const imported = posix.join(dirname(script), (spec ?? '').replace(/\.js$/, '.ts'));
    if (!seen.has(imported)) {
      seen.add(imported);
      localImports(imported, seen);
    }
  }
  return [...seen];
};

describe('deploy/docker/Dockerfile', () => {
  it('builds every stage on Node 24 LTS (bookworm-slim), pinned by digest, the same major as .nvmrc', () => {
    expect(dockerfile.stages.length).toBeGreaterThan(1);
    for (const s of dockerfile.stages) {
      const base = s.from.startsWith('node:') ? s.from : stage(s.from).from; // FROM <earlier stage>
      expect(base, `stage ${s.name ?? '?'}`).toMatch(/^node:24-bookworm-slim@sha256:[0-9a-f]{64}$/);
      expect(base.slice('node:'.length, base.indexOf('-'))).toBe(read('.nvmrc').trim());
    }
  });

  it('ends with a runtime stage that takes ARG SERVICE and starts the compiled services/${SERVICE}/dist/main.js with plain node', () => {
    expect(runtime.name).toBe('runtime');
    expect(instructionsOf(runtime, 'ARG').map((i) => i.args)).toContain('SERVICE');
    // CMD expands $SERVICE when the container starts, so the image must carry it as an ENV.
    expect(instructionsOf(runtime, 'ENV').map((i) => i.args)).toContain('SERVICE=${SERVICE}');
    const [cmd] = instructionsOf(runtime, 'CMD').map((i) => execForm(i.args));
    const command = cmd?.at(-1) ?? '';
    expect(command).toBe(`exec node ${compiledNodeFlags.join(' ')} services/\${SERVICE}/dist/main.js`);
    expect(cmd?.slice(0, 2)).toEqual(['sh', '-c']);
    expect(command.startsWith('exec '), 'exec, so that node and not the shell gets SIGTERM').toBe(true);
    expect(instructionsOf(runtime, 'RUN').some((i) => i.args.includes('services/${SERVICE}/dist/main.js'))).toBe(true);
  });

  it('compiles in a build stage with deploy/docker/build.ts and leaves no TypeScript for the runtime', () => {
    const [run] = instructionsOf(build, 'RUN').map((i) => i.args);
    expect(run).toMatch(/^node --import tsx deploy\/docker\/build\.ts && /);
    expect(run).toContain("find libs services deploy/docker -name '*.ts' -delete");
    for (const file of ['tsconfig.json', 'tsconfig.base.json', 'deploy/docker/build.ts']) expect(copiedInto(build, file), file).toBe(true);
    expect(contextCopies(runtime).filter((src) => src.endsWith('.ts') || ['libs', 'services'].includes(src))).toEqual([]);
    expect(fromBuild.sort()).toEqual(['deploy/docker', 'libs', 'services']);
    // The image runs no TypeScript loader: tsx leaves with the other devDependencies.
    const prune = instructionsOf(stage('prod-deps'), 'RUN').find((i) => i.args.includes('npm prune'));
    expect(prune?.args).toMatch(/^npm prune --omit=dev /);
    expect(prune?.args).not.toContain('tsx');
  });

  it('labels the image with the OCI annotations, filled from build args', () => {
    const args = new Set(instructionsOf(runtime, 'ARG').map((i) => i.args.split('=')[0]));
    const labels = new Map(
      instructionsOf(runtime, 'LABEL').flatMap((i) =>
        [...i.args.matchAll(/([\w.-]+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? ''] as const),
      ),
    );
    for (const key of ['source', 'revision', 'version', 'created', 'licenses', 'title', 'description']) {
      expect(labels.get(`org.opencontainers.image.${key}`), key).toBeTruthy();
    }
    for (const [key, value] of labels) {
      for (const [, arg] of value.matchAll(/\$\{(\w+)\}/g)) expect(args.has(arg ?? ''), `${key} uses ARG ${arg}`).toBe(true);
    }
    for (const key of ['source', 'revision', 'version', 'created'])
      expect(labels.get(`org.opencontainers.image.${key}`), key).toMatch(/^\$\{TW_\w+\}$/);
  });

  it('runs the runtime stage as a non-root user with NODE_ENV=production, STOPSIGNAL SIGTERM and WORKDIR /app', () => {
    const user = instructionsOf(runtime, 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    expect(instructionsOf(runtime, 'ENV').map((i) => i.args)).toContain('NODE_ENV=production');
    expect(instructionsOf(runtime, 'STOPSIGNAL').map((i) => i.args)).toEqual(['SIGTERM']);
    expect(instructionsOf(runtime, 'WORKDIR').at(-1)?.args).toBe('/app'); // compose and k8s MODEL_DIR paths assume it
  });

  it('runs tini as PID 1, installed in the same stage', () => {
    const entrypoint = execForm(instructionsOf(runtime, 'ENTRYPOINT').at(-1)?.args ?? '[]');
    expect(entrypoint?.[0]).toBe('/usr/bin/tini');
    expect(instructionsOf(runtime, 'RUN').some((i) => /apt-get install .*\btini\b/.test(i.args))).toBe(true);
  });

  it("health-checks /healthz with node's fetch, from a script it copies", () => {
    const [healthcheck] = instructionsOf(runtime, 'HEALTHCHECK');
    const cmd = execForm(healthcheck?.args.replace(/^(--\S+\s+)*CMD\s+/, '') ?? '');
    expect(cmd).toEqual(['node', 'deploy/docker/healthcheck.mjs']);
    expect(reachesRuntime('deploy/docker/healthcheck.mjs')).toBe(true);
    const script = read('deploy/docker/healthcheck.mjs');
    expect(script).toContain('/healthz');
    expect(script).toContain('fetch(');
  });

  it('installs with npm ci from the root lockfile and .npmrc, after the patches its postinstall applies', () => {
    const deps = dockerfile.stages.find((s) => instructionsOf(s, 'RUN').some((i) => /\bnpm ci\b/.test(i.args)));
    if (!deps) throw new Error('no stage runs npm ci');
    for (const file of ['package.json', 'package-lock.json', '.npmrc']) expect(copiedInto(deps, file), file).toBe(true);
    expect(read('.npmrc')).toMatch(/^onnxruntime-node-install=skip$/m);
    const postinstall = rootPackage.scripts['postinstall'] ?? '';
    if (postinstall.includes('patch-package')) {
      const copyPatches = deps.instructions.findIndex((i) => i.keyword === 'COPY' && parseCopy(i.args).sources.includes('patches'));
      const npmCi = deps.instructions.findIndex((i) => /\bnpm ci\b/.test(i.args));
      expect(copyPatches, 'patches/ is copied before npm ci').toBeGreaterThanOrEqual(0);
      expect(copyPatches).toBeLessThan(npmCi);
    }
  });

  it("gives npm ci every workspace's package.json", () => {
    const deps = dockerfile.stages.find((s) => instructionsOf(s, 'RUN').some((i) => /\bnpm ci\b/.test(i.args)));
    if (!deps) throw new Error('no stage runs npm ci');
    const feeding = instructionsOf(deps, 'COPY')
      .map((i) => parseCopy(i.args).flags.get('from'))
      .flatMap((from) => (from ? [stage(from)] : []));
    expect(workspaces.length).toBeGreaterThan(5);
    for (const ws of workspaces) {
      const manifest = `${ws}/package.json`;
      expect(isIgnored(manifest), `${manifest} is dockerignored`).toBe(false);
      expect(copiedInto(deps, manifest) || feeding.some((s) => copiedInto(s, manifest)), manifest).toBe(true);
    }
  });

  it('keeps through the dev-dependency prune every package the compiled services import', () => {
    const builtins = new Set(builtinModules);
    const workspaceNames = new Set(workspaces.map((ws) => manifestName(ws)));
    const sources = [
      ...productionWorkspaces().flatMap((ws) => sourceFilesOf(join(repoRoot, ws, 'src'))),
      ...deployScripts.flatMap((script) => [script, ...localImports(script)]).map((f) => join(repoRoot, f)),
    ];
    expect(sources.length).toBeGreaterThan(100);
    const imported = new Set<string>();
    for (const file of sources) {
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s(?!type\s)[^'"]*?from\s+'([^'.][^']*)'/gm)) {
        const name = (spec ?? '').startsWith('@') ? (spec ?? '').split('/').slice(0, 2).join('/') : (spec ?? '').split('/')[0];
        if (name && !name.startsWith('node:') && !builtins.has(name) && !workspaceNames.has(name)) imported.add(name);
      }
    }
    expect([...imported]).toContain('kafkajs');
    const devOnly = [...imported].filter((name) => lockPackages[`node_modules/${name}`]?.dev === true);
    const missing = [...imported].filter((name) => !lockPackages[`node_modules/${name}`]);
    expect(missing, 'imported packages not in the lockfile').toEqual([]);
    expect(devOnly, 'packages the services import that npm prune --omit=dev removes').toEqual([]);
  });

  it('needs no workspace-local node_modules (the runtime copies only the root one)', () => {
    expect(Object.keys(lockPackages).filter((p) => /^(libs|services)\/[^/]+\/node_modules\//.test(p))).toEqual([]);
  });

  it('copies from the build context only files that exist and are not dockerignored', () => {
    for (const s of dockerfile.stages) {
      for (const src of contextCopies(s)) {
        expect(existsSync(join(repoRoot, src)), `${s.name ?? '?'}: COPY ${src}`).toBe(true);
        expect(isIgnored(src), `${s.name ?? '?'}: COPY ${src} is dockerignored`).toBe(false);
      }
    }
  });

  it('puts in the runtime image what the services read at run time', () => {
    const needed = [
      'package.json',
      'deploy/topics.yaml',
      'deploy/docker/healthcheck.mjs',
      'libs/feature-set/feature-sets/card-fraud.yaml',
      'services/ingestion/openapi.yaml',
      ...readdirSync(join(repoRoot, 'schemas')).map((f) => `schemas/${f}`),
      ...readdirSync(join(repoRoot, 'models/fraud-demo/1')).map((f) => `models/fraud-demo/1/${f}`),
      // Compiled in the build stage from these, then copied on as dist/main.js.
      ...workspaces.filter((ws) => ws.startsWith('services/')).map((ws) => `${ws}/src/main.ts`),
    ];
    for (const path of needed) {
      expect(reachesRuntime(path), `${path} is not copied`).toBe(true);
      expect(isIgnored(path), `${path} is dockerignored`).toBe(false);
    }
  });

  it('puts in the runtime image every workspace a service depends on', () => {
    const manifestSchema = z.object({ name: z.string(), dependencies: z.record(z.string(), z.string()).default({}) });
    const byName = new Map(workspaces.map((ws) => [manifestSchema.parse(JSON.parse(read(`${ws}/package.json`))).name, ws]));
    const needed = new Set<string>();
    const visit = (ws: string) => {
      if (needed.has(ws)) return;
      needed.add(ws);
      for (const dep of Object.keys(manifestSchema.parse(JSON.parse(read(`${ws}/package.json`))).dependencies)) {
        const target = byName.get(dep);
        if (target) visit(target);
      }
    };
    workspaces.filter((ws) => ws.startsWith('services/')).forEach(visit);
    expect([...needed].sort()).toEqual(productionWorkspaces());
    for (const ws of needed) {
      const entry = `${ws}/src/index.ts`;
      expect(reachesRuntime(entry) && !isIgnored(entry), `${entry} must be in the image`).toBe(true);
    }
  });

  it('gives every workspace in the image a compiled export beside its TypeScript one', () => {
    for (const ws of productionWorkspaces()) {
      const manifest = z
        .object({ exports: z.object({ '.': z.record(z.string(), z.string()) }) })
        .parse(JSON.parse(read(`${ws}/package.json`)));
      // Node picks the first matching condition in object order, so the compiled one must come first.
      expect(Object.entries(manifest.exports['.']), ws).toEqual([
        [compiledCondition, './dist/index.js'],
        ['default', './src/index.ts'],
      ]);
      expect(existsSync(join(repoRoot, ws, 'src/index.ts')), ws).toBe(true);
    }
  });

  it('gives the build stage the deploy scripts it compiles and their local imports', () => {
    for (const script of deployScripts) {
      for (const file of [script, ...localImports(script)]) {
        expect(copiedInto(build, file) && !isIgnored(file), `${file} reaches the build stage`).toBe(true);
      }
    }
    expect(localImports('deploy/docker/create-topics.ts')).toContain('deploy/docker/ensure-topics.ts');
  });
});

describe('.dockerignore', () => {
  it('leaves out installed modules, git state, tests and dev-only library sources', () => {
    for (const path of [
      'node_modules/kafkajs/package.json',
      'libs/kafka/node_modules/x',
      '.git/HEAD',
      '.tidewater/stack.env',
      'libs/kafka/src/producer.test.ts',
    ]) {
      expect(isIgnored(path), path).toBe(true);
    }
    expect(isIgnored('libs/dev-kafka/src/index.ts')).toBe(true);
    expect(isIgnored('libs/dev-kafka/package.json')).toBe(false);
    expect(isIgnored('deploy/docker/healthcheck.mjs')).toBe(false);
    expect(isIgnored('deploy/k8s/inference.yaml')).toBe(true);
  });
});
