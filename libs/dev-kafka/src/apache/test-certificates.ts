import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { devKafkaErrors } from '../errors.js';
import { runCommand } from '../run-command.js';

/** PEM files of a throw-away CA, a server certificate for 127.0.0.1/localhost, and a client certificate. */
export interface TestCertificates {
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  const result = await runCommand('openssl', args, { cwd });
  if (result?.code !== 0) {
    throw devKafkaErrors.create(
      'TW_DEVKAFKA_TOOLCHAIN_MISSING',
      `openssl ${args[0]} failed: ${result ? result.output.slice(-400) : 'openssl not found'}`,
    );
  }
}

/**
 * Generates certificates for TLS tests with `openssl` into `dir`: a CA valid for a day, and server
 * and client certificates it signs (RSA keys in unencrypted PKCS#8, the form Kafka's PEM keystore
 * and Node's TLS both read). The server's names are 127.0.0.1 and localhost.
 */
export async function generateTestCertificates(dir: string): Promise<TestCertificates> {
  await mkdir(dir, { recursive: true });
  const key = (name: string) => openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', name], dir);
  await key('ca.key');
  await openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '1', '-subj', '/CN=Tidewater test CA', '-out', 'ca.pem'],
    dir,
  );
  const sign = async (name: string, subject: string, extensions: string) => {
    await key(`${name}.key`);
    await openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
    await writeFile(join(dir, `${name}.ext`), extensions);
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-sha256',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.pem`,
      ],
      dir,
    );
  };
  await sign('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await sign('client', '/CN=tidewater-test-client', 'extendedKeyUsage=clientAuth\n');
  return {
    caFile: join(dir, 'ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
  };
}
