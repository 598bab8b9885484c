import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { installedAvscVersion, VERIFIED_AVSC_VERSION } from './avro-map-self-check.js';
import { repoRoot } from './paths.js';

// Guards avro-map-type.ts, which overrides avsc's private MapType._read and reads its internal
// Tap (docs/adr/0007-feature-vector-map-decoding.md). Any avsc bump must fail here first.

const require = createRequire(import.meta.url);

/** avsc's internal Tap class (lib/utils.js, the module lib/types.js reads with). */
interface TapClass {
  new (buf: Buffer, pos?: number): object;
  readonly prototype: Record<string, unknown>;
}
const { Tap } = require('avsc/lib/utils') as { Tap: TapClass };
const typesSource = readFileSync(require.resolve('avsc/lib/types.js'), 'utf8');

/** The source text of a function private to avsc's lib/types.js (not reachable at run time). */
function privateFunction(name: string): string {
  const match = new RegExp(`\\nfunction ${name}\\([^)]*\\) \\{[\\s\\S]*?\\n\\}\\n`).exec(typesSource);
  return match ? match[0].trim() : `<function ${name} not found in avsc/lib/types.js>`;
}

const MapType = avro.types.MapType as unknown as { prototype: Record<string, unknown> };
const Type = avro.Type as unknown as Record<string, unknown> & { prototype: Record<string, unknown> };

/**
 * Every avsc internal the fast map reader relies on, with why, and the first 16 hex digits of the
 * SHA-256 of its source text in the verified release. The reasons say what to re-verify.
 */
const internals: { name: string; source: () => unknown; sha256: string; why: string }[] = [
  {
    name: 'MapType',
    source: () => avro.types.MapType,
    sha256: 'ff77f23a99343859',
    why: 'sets valuesType, then freezes the instance (the cache cannot live on `this`)',
  },
  {
    name: 'MapType.prototype._read',
    source: () => MapType.prototype['_read'],
    sha256: '1f676352c916a017',
    why: 'the reader the override must match, and its fallback (plainRead)',
  },
  {
    name: 'MapType.prototype._update',
    source: () => MapType.prototype['_update'],
    sha256: 'd52cead6b13093cf',
    why: 'resolvers borrow `_read` and get their own valuesType',
  },
  {
    name: 'readArraySize',
    source: () => privateFunction('readArraySize'),
    sha256: '2afe4c93f97731ae',
    why: 'block counts: a negative count is followed by a byte size to skip',
  },
  {
    name: 'readValue',
    source: () => privateFunction('readValue'),
    sha256: 'c11a654570d42d4c',
    why: 'decoding calls `_read(tap)` on the type or its resolver',
  },
  {
    name: 'Type.forSchema',
    source: () => Type['forSchema'],
    sha256: '5055e6923eb46343',
    why: 'typeHook is asked first and its type used as is',
  },
  {
    name: 'Type.prototype.fromBuffer',
    source: () => Type.prototype['fromBuffer'],
    sha256: '7ea208675394c8f9',
    why: 'overreads are caught after `_read` by tap.isValid()',
  },
  {
    name: 'Type.prototype.decode',
    source: () => Type.prototype['decode'],
    sha256: 'b8dbff05987652d7',
    why: 'as fromBuffer, returning offset -1',
  },
  {
    name: 'Type.prototype.createResolver',
    source: () => Type.prototype['createResolver'],
    sha256: 'bed36192995690d3',
    why: 'calls `_update` of the reader type',
  },
  { name: 'Tap', source: () => Tap, sha256: 'cc79d53eb8d4e179', why: 'fields `buf` and `pos`, read and written directly' },
  {
    name: 'Tap.prototype.readLong',
    source: () => Tap.prototype['readLong'],
    sha256: 'd83ec54fcee31d3b',
    why: 'counts and key lengths (zig-zag varint)',
  },
  { name: 'Tap.prototype.skipLong', source: () => Tap.prototype['skipLong'], sha256: '95ad92a0eb0a4c5a', why: 'skips a block byte size' },
  {
    name: 'Tap.prototype.readString',
    source: () => Tap.prototype['readString'],
    sha256: '4ffd1a2e5fec7b14',
    why: 'keys: undefined past the end, invalidates on a negative length',
  },
  {
    name: 'Tap.prototype.isValid',
    source: () => Tap.prototype['isValid'],
    sha256: 'e1e1cae803ef09b9',
    why: 'valid while pos <= buf.length',
  },
  {
    name: 'Tap.prototype._invalidate',
    source: () => Tap.prototype['_invalidate'],
    sha256: '10ae28be9097df89',
    why: 'how readString marks a negative length',
  },
];

const fingerprint = (source: unknown) => createHash('sha256').update(String(source)).digest('hex').slice(0, 16);

/** The avsc range of every package.json of the repo that names avsc, by file. */
function avscRanges(): Record<string, string> {
  const dirs = ['.', ...['libs', 'services'].flatMap((d) => readdirSync(join(repoRoot, d)).map((p) => join(d, p)))];
  const ranges: Record<string, string> = {};
  for (const dir of dirs) {
    const file = join(repoRoot, dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      const range = pkg[field]?.['avsc'];
      if (range !== undefined) ranges[join(dir, 'package.json')] = range;
    }
  }
  return ranges;
}

const reverify =
  'Re-verify libs/schemas/src/avro-map-type.ts against the new avsc source (see docs/adr/0007-feature-vector-map-decoding.md), ' +
  'run avro-map-type.test.ts and `npm run bench:serde`, then update VERIFIED_AVSC_VERSION, the pins and the fingerprints here.';

describe('avsc internals used by the fast map reader (avro-map-type.ts)', () => {
  it('avsc is pinned exactly to the verified release everywhere, and that release is installed', () => {
    const ranges = avscRanges();
    expect(Object.keys(ranges).length).toBeGreaterThanOrEqual(2);
    for (const [file, range] of Object.entries(ranges)) {
      expect(range, `${file} must pin avsc exactly to ${VERIFIED_AVSC_VERSION}. ${reverify}`).toBe(VERIFIED_AVSC_VERSION);
    }
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    expect(lock.packages['node_modules/avsc']?.version, `package-lock.json resolves another avsc. ${reverify}`).toBe(VERIFIED_AVSC_VERSION);
    expect(installedAvscVersion(), `node_modules holds another avsc. ${reverify}`).toBe(VERIFIED_AVSC_VERSION);
  });

  it('the source of every internal used is the verified one', () => {
    const changed = internals
      .filter((i) => fingerprint(i.source()) !== i.sha256)
      .map((i) => `${i.name} (${i.why}): now ${fingerprint(i.source())}`);
    expect(changed, `avsc internals changed:\n${changed.join('\n')}\n${reverify}`).toEqual([]);
  });

  it('Tap, MapType and its resolvers have the members the reader touches', () => {
    const tap = new Tap(Buffer.from([2, 0]));
    expect(Object.keys(tap), reverify).toEqual(['buf', 'pos']);
    for (const m of ['readLong', 'skipLong', 'readString', 'isValid'])
      expect(typeof Tap.prototype[m], `Tap.${m}. ${reverify}`).toBe('function');
    const map = avro.Type.forSchema({ type: 'map', values: 'int' });
    expect(Object.isFrozen(map) && Object.hasOwn(map, 'valuesType'), reverify).toBe(true);
    const resolver = map.createResolver(avro.Type.forSchema({ type: 'map', values: 'int' })) as unknown as Record<string, unknown>;
    expect(resolver['_read'] === MapType.prototype['_read'] && resolver['valuesType'] !== undefined, reverify).toBe(true);
  });
});
