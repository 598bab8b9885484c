import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@tidewater/dev-stack';

export interface AlertmanagerProcess {
  /** Its base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `[major, minor, patch]` from `--version`. */
  readonly version: readonly [number, number, number];
  stop(): Promise<void>;
}

/** Debian's package names the binary `prometheus-alertmanager`; ALERTMANAGER_BIN overrides it. */
export const alertmanagerBinary = process.env['ALERTMANAGER_BIN'] || 'prometheus-alertmanager';

/**
 * Starts a real Alertmanager on a free loopback port with `configYaml`, a temporary storage dir
 * and clustering off, and resolves once `/-/ready` answers. Throws with what to install when the
 * binary is missing, and with its output when it exits or is not ready within `timeoutMs`.
 */
export async function startAlertmanager(configYaml: string, timeoutMs = 20_000): Promise<AlertmanagerProcess> {
  const probe = spawnSync(alertmanagerBinary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `${alertmanagerBinary} could not be run (${probe.error?.message ?? `exit ${probe.status}`}): this test needs a real Alertmanager. ` +
        'Install it (apt-get install -y prometheus-alertmanager) or point ALERTMANAGER_BIN at an alertmanager binary.',
    );
  }
  const found = /version (\d+)\.(\d+)\.(\d+)/.exec(`${probe.stdout}${probe.stderr}`);
  if (!found) throw new Error(`cannot read the version of ${alertmanagerBinary}: ${probe.stdout}${probe.stderr}`);
  const version = [Number(found[1]), Number(found[2]), Number(found[3])] as const;

  const dir = mkdtempSync(join(tmpdir(), 'tw-alertmanager-'));
  writeFileSync(join(dir, 'alertmanager.yml'), configYaml);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    alertmanagerBinary,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${alertmanagerBinary} exited with ${child.exitCode} before it was ready:\n${output}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, version, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${alertmanagerBinary} not ready within ${timeoutMs} ms:\n${output}`);
    }
    await sleep(100);
  }
}
