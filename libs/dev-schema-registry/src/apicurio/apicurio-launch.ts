import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Apicurio Registry as an optional stand-in for Confluent Schema Registry: a Quarkus app whose
 * Confluent-compatible API lives under `/apis/ccompat/v7`. The `-all.tar.gz` on Maven Central is
 * the fast-jar layout (`quarkus-run.jar` plus `lib/`, `app/`, `quarkus/`); default storage is H2
 * in memory, so every start is empty. Needs Java 21+.
 */
export const APICURIO_VERSION = '3.3.3';

const distributionUrl = (version: string): string =>
  `https://repo.maven.apache.org/maven2/io/apicurio/apicurio-registry-app/${version}/apicurio-registry-app-${version}-all.tar.gz`;

/** Path of the Confluent-compatible API, appended to the HTTP origin. */
export const APICURIO_CCOMPAT_PATH = '/apis/ccompat/v7';

/**
 * Returns a directory holding `quarkus-run.jar`: `home` when it already does, else downloads
 * and unpacks the distribution there (about 160 MB, once).
 */
export async function ensureApicurioDistribution(home: string, version = APICURIO_VERSION): Promise<string> {
  if (existsSync(join(home, 'quarkus-run.jar'))) return home;
  mkdirSync(home, { recursive: true });
  const archive = join(home, `apicurio-registry-app-${version}-all.tar.gz`);
  const res = await fetch(distributionUrl(version));
  if (!res.ok || !res.body) throw new Error(`download of Apicurio Registry ${version} failed: HTTP ${res.status}`);
  await writeFile(archive, Buffer.from(await res.arrayBuffer()));
  execFileSync('tar', ['xzf', archive, '-C', home]);
  rmSync(archive, { force: true });
  return home;
}

function javaMajor(java: string): number {
  // `java -version` prints to stderr and exits 0.
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (!m) return 0;
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

/**
 * The first Java 21+ among APICURIO_JAVA, JAVA_HOME, any JDK under /usr/lib/jvm, and `java` on
 * the PATH; undefined when there is none.
 */
export function findJava(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates: string[] = [];
  if (env['APICURIO_JAVA']) candidates.push(env['APICURIO_JAVA']);
  if (env['JAVA_HOME']) candidates.push(join(env['JAVA_HOME'], 'bin', 'java'));
  if (existsSync('/usr/lib/jvm')) {
    for (const d of readdirSync('/usr/lib/jvm').sort().reverse()) candidates.push(join('/usr/lib/jvm', d, 'bin', 'java'));
  }
  candidates.push('java');
  return candidates.find((java) => (java === 'java' || existsSync(java)) && javaMajor(java) >= 21);
}

export interface ApicurioCommandOptions {
  /** Directory with `quarkus-run.jar`. */
  readonly home: string;
  readonly java: string;
  readonly port: number;
  /** Quarkus management interface (health, metrics). */
  readonly managementPort: number;
  /** Global compatibility; Apicurio's default is NONE, Confluent's and the dev registry's BACKWARD. */
  readonly compatibility?: string;
}

/** The command line that starts Apicurio Registry on 127.0.0.1 with in-memory H2 storage. */
export function apicurioCommand(opts: ApicurioCommandOptions): { command: string; args: string[]; cwd: string } {
  return {
    command: opts.java,
    args: [
      '-Xmx512m',
      `-Dquarkus.http.host=127.0.0.1`,
      `-Dquarkus.http.port=${opts.port}`,
      `-Dquarkus.management.host=127.0.0.1`,
      `-Dquarkus.management.port=${opts.managementPort}`,
      `-Dapicurio.rules.global.compatibility=${opts.compatibility ?? 'BACKWARD'}`,
      '-jar',
      join(opts.home, 'quarkus-run.jar'),
    ],
    cwd: opts.home,
  };
}
