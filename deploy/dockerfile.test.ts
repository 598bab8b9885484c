// Checks deploy/docker/Dockerfile and .dockerignore against the repository: what the image copies
// exists and reaches the build context, npm gets what it needs, and the runtime stage starts the
// service the way the compose file and the Kubernetes manifests expect. Nothing here runs Docker.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { z } from 'zod';
import { repoRoot } from '@tidewater/schemas';
import { describe, expect, it } from 'vitest';
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
/** The workspace directories, from the root package.json's globs (`libs/*`, `services/*`). */
const workspaces = rootPackage.workspaces.flatMap((glob) => {
  const base = glob.replace(/\/\*$/, '');
  return readdirSync(join(repoRoot, base))
    .map((d) => `${base}/${d}`)
    .filter((d) => existsSync(join(repoRoot, d, 'package.json')));
});

describe('deploy/docker/Dockerfile', () => {
  it('builds every stage on Node 24 LTS (bookworm-slim), pinned by digest, the same major as .nvmrc', () => {
    expect(dockerfile.stages.length).toBeGreaterThan(1);
    for (const s of dockerfile.stages) {
      const base = s.from.startsWith('node:') ? s.from : stage(s.from).from; // FROM <earlier stage>
      expect(base, `stage ${s.name ?? '?'}`).toMatch(/^node:24-bookworm-slim@sha256:[0-9a-f]{64}$/);
      expect(base.slice('node:'.length, base.indexOf('-'))).toBe(read('.nvmrc').trim());
    }
  });

  it('ends with a runtime stage that takes ARG SERVICE and starts services/${SERVICE}/src/main.ts through tsx', () => {
    expect(runtime.name).toBe('runtime');
    expect(instructionsOf(runtime, 'ARG').map((i) => i.args)).toContain('SERVICE');
    // CMD expands $SERVICE when the container starts, so the image must carry it as an ENV.
    expect(instructionsOf(runtime, 'ENV').map((i) => i.args)).toContain('SERVICE=${SERVICE}');
    const [cmd] = instructionsOf(runtime, 'CMD').map((i) => execForm(i.args));
    const command = cmd?.at(-1) ?? '';
    expect(command).toMatch(/(^|\s)(node --import tsx|\S*tsx) services\/\$\{SERVICE\}\/src\/main\.ts$/);
    expect(cmd?.slice(0, 2)).toEqual(['sh', '-c']);
    expect(command.startsWith('exec '), 'exec, so that node and not the shell gets SIGTERM').toBe(true);
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
    expect(copiedInto(runtime, 'deploy/docker/healthcheck.mjs')).toBe(true);
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

  it('keeps the whole dependency closure of tsx through the dev-dependency prune', () => {
    const prune = instructionsOf(stage('prod-deps'), 'RUN').find((i) => i.args.includes('npm prune'));
    const kept = [...(prune?.args.match(/mv ((?:node_modules\/\S+\s+)+)\/tmp\/keep/)?.[1] ?? '').matchAll(/node_modules\/\S+/g)].map(
      (m) => m[0],
    );
    expect(kept).toContain('node_modules/tsx');
    const closure = new Set<string>();
    const visit = (path: string) => {
      if (closure.has(path)) return;
      closure.add(path);
      const pkg = lockPackages[path];
      for (const dep of Object.keys({ ...pkg?.dependencies, ...pkg?.optionalDependencies })) {
        const nested = `${path}/node_modules/${dep}`;
        const resolved = lockPackages[nested] ? nested : `node_modules/${dep}`;
        const os = lockPackages[resolved]?.os;
        if (lockPackages[resolved] && (!os || os.includes('linux'))) visit(resolved); // fsevents and the like never install here
      }
    };
    visit('node_modules/tsx');
    const lost = [...closure].filter((p) => lockPackages[p]?.dev === true && !kept.some((k) => p === k || p.startsWith(`${k}/`)));
    expect(lost, 'dev-only packages tsx needs that the prune would remove').toEqual([]);
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
      'tsconfig.json',
      'tsconfig.base.json',
      'deploy/topics.yaml',
      ...readdirSync(join(repoRoot, 'schemas')).map((f) => `schemas/${f}`),
      ...readdirSync(join(repoRoot, 'models/fraud-demo/1')).map((f) => `models/fraud-demo/1/${f}`),
      ...workspaces.filter((ws) => ws.startsWith('services/')).map((ws) => `${ws}/src/main.ts`),
    ];
    for (const path of needed) {
      expect(copiedInto(runtime, path), `${path} is not copied`).toBe(true);
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
    for (const ws of needed) {
      const entry = `${ws}/src/index.ts`;
      expect(copiedInto(runtime, entry) && !isIgnored(entry), `${entry} must be in the image`).toBe(true);
    }
  });

  it('copies the local imports of the scripts it copies from deploy/docker', () => {
    const scripts = contextCopies(runtime).filter((src) => src.startsWith('deploy/docker/') && src.endsWith('.ts'));
    expect(scripts).toContain('deploy/docker/create-topics.ts');
    for (const script of scripts) {
      for (const [, spec] of read(script).matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const imported = posix.join(dirname(script), (spec ?? '').replace(/\.js$/, '.ts'));
        expect(copiedInto(runtime, imported), `${script} imports ${imported}`).toBe(true);
      }
    }
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
