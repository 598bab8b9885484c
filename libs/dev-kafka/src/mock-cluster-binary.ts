import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { devKafkaErrors } from './errors.js';
import { runCommand } from './run-command.js';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
/** The launcher's C source, compiled on first use. */
export const mockClusterSourcePath = join(packageDir, 'native', 'mock-cluster.c');
/** Where the compiled launcher lives (gitignored). */
export const mockClusterBinaryPath = join(packageDir, 'bin', 'mock-cluster');

const INSTALL_HINT = 'install them with `apt-get install librdkafka-dev gcc`';

const run = (cmd: string, args: string[], stdin = '') => runCommand(cmd, args, { stdin });

async function mtimeMs(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

async function build(): Promise<string> {
  // Preprocessing the mock header tells "librdkafka-dev missing" apart from a genuine compile
  // error without reading gcc's wording.
  const probe = await run(
    'gcc',
    ['-E', '-x', 'c', '-o', '/dev/null', '-'],
    ['#include <librdkafka/rdkafka.h>', '#include <librdkafka/rdkafka_mock.h>', ''].join('\n'),
  );
  if (probe === undefined) {
    throw devKafkaErrors.create('TW_DEVKAFKA_TOOLCHAIN_MISSING', `gcc is not installed; ${INSTALL_HINT}`);
  }
  if (probe.code !== 0) {
    throw devKafkaErrors.create('TW_DEVKAFKA_TOOLCHAIN_MISSING', `librdkafka headers not found; ${INSTALL_HINT}`, {
      details: { output: probe.output },
    });
  }
  await mkdir(join(packageDir, 'bin'), { recursive: true });
  // Each builder writes its own file and renames it into place, so concurrent first uses (several
  // test workers) never run or overwrite a half-written binary.
  const tmp = `${mockClusterBinaryPath}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  const result = await run('gcc', ['-O2', '-o', tmp, mockClusterSourcePath, '-lrdkafka', '-lpthread']);
  if (result === undefined || result.code !== 0) {
    await rm(tmp, { force: true });
    throw devKafkaErrors.create('TW_DEVKAFKA_BUILD_FAILED', `gcc could not build ${mockClusterSourcePath}`, {
      details: { output: result?.output ?? 'gcc disappeared' },
    });
  }
  await rename(tmp, mockClusterBinaryPath);
  return mockClusterBinaryPath;
}

async function buildIfStale(): Promise<string> {
  const [source, binary] = await Promise.all([mtimeMs(mockClusterSourcePath), mtimeMs(mockClusterBinaryPath)]);
  if (source === undefined) {
    throw devKafkaErrors.create('TW_DEVKAFKA_BUILD_FAILED', `launcher source ${mockClusterSourcePath} is missing`);
  }
  if (binary !== undefined && binary >= source) return mockClusterBinaryPath;
  return build();
}

let inFlight: Promise<string> | undefined;

/**
 * Returns the path of the mock cluster launcher, compiling it first when it is missing or older
 * than its source. Rejects with TW_DEVKAFKA_TOOLCHAIN_MISSING when gcc or librdkafka-dev is absent.
 */
export function ensureMockClusterBinary(): Promise<string> {
  inFlight ??= buildIfStale().finally(() => {
    inFlight = undefined;
  });
  return inFlight;
}
