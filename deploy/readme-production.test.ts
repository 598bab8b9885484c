// The root README's "Production" section (issue 17: it walks through installing on Kubernetes with
// the Secrets it needs): images from the Dockerfile, the namespace, a create command for every
// Secret the manifests mount, in that order, then the prod overlay. No cluster: the files only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tidewater/schemas';
import { describe, expect, it } from 'vitest';
import { componentSecretRefs, loadManifests, secretRefs } from './support/k8s-manifests.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const section = /^## Production\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
const k8s = join(repoRoot, 'deploy/k8s');
/** What the base, the exactly-once variant and the prod overlay's components (Kafka, Redis credentials) mount. */
const mounted = [
  ...new Set([
    ...secretRefs([...loadManifests(join(k8s, 'base')), ...loadManifests(join(k8s, 'components/exactly-once'))].map((d) => d.raw)),
    ...componentSecretRefs(join(k8s, 'overlays/prod')),
  ]),
].sort();
const at = (pattern: string | RegExp) => (typeof pattern === 'string' ? section.indexOf(pattern) : section.search(pattern));

describe('README.md, Production', () => {
  it('builds the images from deploy/docker/Dockerfile for every service, with the build args of the OCI labels', () => {
    expect(section).toMatch(/docker build -f deploy\/docker\/Dockerfile --build-arg SERVICE=/);
    for (const arg of ['TW_BUILD_VERSION', 'TW_BUILD_REVISION', 'TW_BUILD_CREATED']) expect(section).toContain(`--build-arg ${arg}=`);
    expect(section).toContain('for s in ingestion feature inference drift-monitor alerting');
  });

  it('creates the namespace, then every Secret the manifests mount, then applies the prod overlay', () => {
    expect(mounted).toEqual(expect.arrayContaining(['tidewater-kafka-client', 'tidewater-redis']));
    const namespace = at('kubectl apply -f deploy/k8s/base/namespace.yaml');
    const apply = at('kubectl apply -k deploy/k8s/overlays/prod');
    expect(namespace).toBeGreaterThanOrEqual(0);
    expect(apply).toBeGreaterThan(namespace);
    for (const name of mounted) {
      const create = at(new RegExp(`kubectl -n tidewater create secret generic ${name}\\b`));
      expect(create, `${name} has no create command`).toBeGreaterThan(namespace);
      expect(create, `${name} is created after the overlay is applied`).toBeLessThan(apply);
    }
    expect(existsSync(join(k8s, 'base/namespace.yaml'))).toBe(true);
  });

  it('links the pages it leans on, and they exist', () => {
    const links = [...section.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)].map((m) => m[1] ?? '');
    expect(links).toContain('deploy/k8s/README.md');
    for (const link of links) expect(existsSync(join(repoRoot, link)), link).toBe(true);
  });
});
