/**
 * The software bill of materials of the service image, as CycloneDX JSON:
 *
 *   npm run sbom [-- <file>]        (default .tidewater/sbom.cdx.json; CI uploads it)
 *
 * npm (>= 10) writes the document from the lockfile (`npm sbom --sbom-format cyclonedx
 * --package-lock-only`). Its own `--omit dev` cannot be used: with workspaces it keeps only what the
 * root package depends on (npm 11.19 leaves out kafkajs, fastify and the rest of the services'
 * dependencies). So the whole tree is listed and then narrowed here to what the image installs:
 * the Dockerfile's `npm prune --omit=dev` removes exactly the lockfile entries marked `dev`, so a
 * component stays when some lockfile entry of its name and version is not.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { repoRoot } from '@tidewater/schemas';

const componentSchema = z.looseObject({ 'bom-ref': z.string(), name: z.string(), version: z.string().optional() });
const bomSchema = z.looseObject({
  bomFormat: z.literal('CycloneDX'),
  specVersion: z.string(),
  metadata: z.looseObject({ component: componentSchema.optional() }),
  components: z.array(componentSchema),
  dependencies: z.array(z.looseObject({ ref: z.string(), dependsOn: z.array(z.string()).optional() })).default([]),
});
export type CycloneDxBom = z.infer<typeof bomSchema>;

const lockSchema = z.object({
  packages: z.record(
    z.string(),
    z.looseObject({ name: z.string().optional(), version: z.string().optional(), dev: z.boolean().optional() }),
  ),
});

/** `name@version` of every lockfile entry that `npm prune --omit=dev` keeps. */
export function productionPackages(lockText: string): Set<string> {
  const kept = new Set<string>();
  for (const [path, entry] of Object.entries(lockSchema.parse(JSON.parse(lockText)).packages)) {
    if (path === '' || entry.dev === true) continue;
    // node_modules/a/node_modules/@b/c -> @b/c; workspaces (libs/x) carry their name.
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    kept.add(`${name}@${entry.version ?? ''}`);
  }
  return kept;
}

/** Narrows npm's whole-tree document to the components in `kept` (and the root), dependencies included. */
export function narrowBom(bom: CycloneDxBom, kept: ReadonlySet<string>): CycloneDxBom {
  const fullName = (c: z.infer<typeof componentSchema>) => {
    // npm writes a scoped package as group + name in some versions and as name alone in others.
    const group = typeof c['group'] === 'string' && c['group'] ? `${c['group']}/` : '';
    return `${group}${c.name}@${c.version ?? ''}`;
  };
  const root = bom.metadata.component?.['bom-ref'];
  const components = bom.components.filter((c) => kept.has(fullName(c)) || kept.has(c['bom-ref']));
  const refs = new Set([...components.map((c) => c['bom-ref']), ...(root ? [root] : [])]);
  const dependencies = bom.dependencies
    .filter((d) => refs.has(d.ref))
    .map((d) => ({ ...d, dependsOn: (d.dependsOn ?? []).filter((ref) => refs.has(ref)) }));
  return { ...bom, components, dependencies };
}

/** Runs npm sbom on the lockfile and narrows the result to the image's packages. */
export function imageSbom(root: string = repoRoot): CycloneDxBom {
  const out = execFileSync('npm', ['sbom', '--sbom-format', 'cyclonedx', '--package-lock-only'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const bom = bomSchema.parse(JSON.parse(out));
  return narrowBom(bom, productionPackages(readFileSync(join(root, 'package-lock.json'), 'utf8')));
}

export const defaultSbomFile = join(repoRoot, '.tidewater', 'sbom.cdx.json');

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = resolve(process.argv[2] ?? defaultSbomFile);
  const bom = imageSbom();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(bom, null, 2)}\n`);
  process.stdout.write(`${file}: CycloneDX ${bom.specVersion}, ${bom.components.length} components\n`);
}
