import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Repository root, found from this file's place in libs/schemas/src. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Directory holding the `.avsc` files: the single source of truth for record shapes. */
export const schemasDir = process.env['TIDEWATER_SCHEMAS_DIR'] ?? join(repoRoot, 'schemas');
/** The topics manifest read by the dev stack, docker compose and the Kubernetes checks. */
export const topicsManifestPath = process.env['TIDEWATER_TOPICS_MANIFEST'] ?? join(repoRoot, 'deploy', 'topics.yaml');
