import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { devKafkaErrors } from '../errors.js';
import { runCommand } from '../run-command.js';

const apacheDir = fileURLToPath(new URL('../../apache/', import.meta.url));
/** The Maven descriptor that pins the Kafka version. */
export const apacheKafkaPom = join(apacheDir, 'pom.xml');
/** log4j2 configuration given to every broker and Java tool we start. */
export const apacheKafkaLog4j = join(apacheDir, 'log4j2.properties');

/** The Kafka version the pom pins (read from its `kafka.version` property). */
export function apacheKafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(apacheKafkaPom, 'utf8'));
  if (!match?.[1]) throw devKafkaErrors.create('TW_DEVKAFKA_JARS_FAILED', `${apacheKafkaPom} has no <kafka.version>`);
  return match[1];
}

/**
 * Where the resolved jars live: one directory per pom content, so a version change resolves
 * afresh and clean clones on one machine share the download. TIDEWATER_CACHE_DIR moves it.
 */
export function apacheKafkaJarDir(): string {
  const hash = createHash('sha256').update(readFileSync(apacheKafkaPom)).digest('hex').slice(0, 12);
  const cache = process.env['TIDEWATER_CACHE_DIR'] || join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'tidewater');
  return join(cache, `apache-kafka-${apacheKafkaVersion()}-${hash}`);
}

/** The JVM classpath of the resolved jars. */
export function apacheKafkaClasspath(jarDir = apacheKafkaJarDir()): string {
  return `${jarDir}/*`;
}

const run = (cmd: string, args: string[], cwd: string) => runCommand(cmd, args, { cwd });

/** Fails with an install hint when `java` (17 or later) is not on the PATH. */
export async function checkJava(): Promise<void> {
  const probe = await run('java', ['-version'], apacheDir);
  const major = Number(/version "(\d+)/.exec(probe?.output ?? '')?.[1] ?? 0);
  if (probe === undefined || probe.code !== 0 || major < 17) {
    throw devKafkaErrors.create(
      'TW_DEVKAFKA_JAVA_MISSING',
      `Apache Kafka ${apacheKafkaVersion()} needs Java 17 or later on the PATH (found ${probe ? `version ${major}` : 'none'}); install it with \`apt-get install default-jre-headless\``,
    );
  }
}

export interface ApacheKafkaJars {
  readonly dir: string;
  readonly classpath: string;
  readonly version: string;
  /** How long resolving took when this call resolved them; undefined when they were cached. */
  readonly resolvedInMs: number | undefined;
}

/**
 * Resolves Kafka's jars from Maven Central once (cached by pom hash) and returns their classpath.
 * A concurrent first run resolves into its own temporary directory and the first rename wins.
 */
export async function ensureApacheKafkaJars(log: (line: string) => void = () => undefined): Promise<ApacheKafkaJars> {
  await checkJava();
  const dir = apacheKafkaJarDir();
  const version = apacheKafkaVersion();
  if (existsSync(join(dir, `kafka_2.13-${version}.jar`)))
    return { dir, classpath: apacheKafkaClasspath(dir), version, resolvedInMs: undefined };
  const started = Date.now();
  log(`resolving Apache Kafka ${version} jars from Maven Central into ${dir} (first run only)...`);
  const partial = `${dir}.partial-${process.pid}`;
  await mkdir(partial, { recursive: true });
  const result = await run(
    'mvn',
    ['-q', '-B', '-f', apacheKafkaPom, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`, '-DincludeScope=runtime'],
    apacheDir,
  );
  if (result === undefined) {
    await rm(partial, { recursive: true, force: true });
    throw devKafkaErrors.create('TW_DEVKAFKA_JAVA_MISSING', 'Maven (mvn) is not installed; install it with `apt-get install maven`');
  }
  const jars = (await readdir(partial)).filter((f) => f.endsWith('.jar'));
  if (result.code !== 0 || !jars.includes(`kafka_2.13-${version}.jar`)) {
    await rm(partial, { recursive: true, force: true });
    throw devKafkaErrors.create(
      'TW_DEVKAFKA_JARS_FAILED',
      `mvn could not resolve Apache Kafka ${version}: ${result.output.trim().split('\n').slice(-5).join(' | ')}`,
      {
        details: { output: result.output },
      },
    );
  }
  await rename(partial, dir).catch(async () => {
    // Another process finished first; its copy is as good as ours.
    await rm(partial, { recursive: true, force: true });
  });
  const resolvedInMs = Date.now() - started;
  log(`resolved ${jars.length} jars in ${(resolvedInMs / 1000).toFixed(1)} s`);
  return { dir, classpath: apacheKafkaClasspath(dir), version, resolvedInMs };
}
