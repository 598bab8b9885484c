/**
 * A SASL_SSL listener beside a dev node's PLAINTEXT one (issue 17): TLS with PEM files, SASL with
 * PLAIN users from the JAAS config and SCRAM users created later through the admin API
 * ({@link addScramUser}). Inter-broker and controller traffic stay PLAINTEXT on loopback.
 */
export interface SaslSslListener {
  /** PEM: the broker's certificate followed by its chain, and its unencrypted PKCS#8 private key. */
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM CA the broker trusts for client certificates. */
  readonly caFile: string;
  /** Require a client certificate signed by `caFile` (mutual TLS) on top of SASL; default false. */
  readonly requireClientCertificate?: boolean;
  /** PLAIN users, name to password, in the listener's JAAS configuration. */
  readonly plainUsers?: Readonly<Record<string, string>>;
}

/** The mechanisms the listener enables. */
export const SASL_SSL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

const JAAS_VALUE = /^[^"\\\n]*$/;

/**
 * The `listener.name.sasl_ssl.*` properties of the listener. The key and certificate go inline
 * (`ssl.keystore.key`, `ssl.keystore.certificate.chain`), the form Kafka's PEM keystore takes for an
 * unencrypted key; their newlines are escaped as the properties format needs.
 */
export function saslSslProperties(listener: SaslSslListener, pem: { cert: string; key: string }): Record<string, string> {
  const users = Object.entries(listener.plainUsers ?? {});
  for (const [name, password] of users)
    if (!JAAS_VALUE.test(name) || !JAAS_VALUE.test(password)) throw new TypeError(`PLAIN user ${name}: no quotes, backslashes or newlines`);
  const prefix = 'listener.name.sasl_ssl';
  const plain = users.map(([name, password]) => ` user_${name}="${password}"`).join('');
  return {
    'sasl.enabled.mechanisms': SASL_SSL_MECHANISMS.join(','),
    [`${prefix}.sasl.enabled.mechanisms`]: SASL_SSL_MECHANISMS.join(','),
    [`${prefix}.plain.sasl.jaas.config`]: `org.apache.kafka.common.security.plain.PlainLoginModule required${plain};`,
    [`${prefix}.scram-sha-256.sasl.jaas.config`]: 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    [`${prefix}.scram-sha-512.sasl.jaas.config`]: 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    [`${prefix}.ssl.keystore.type`]: 'PEM',
    [`${prefix}.ssl.keystore.certificate.chain`]: escapeProperty(pem.cert),
    [`${prefix}.ssl.keystore.key`]: escapeProperty(pem.key),
    [`${prefix}.ssl.truststore.type`]: 'PEM',
    [`${prefix}.ssl.truststore.location`]: listener.caFile,
    [`${prefix}.ssl.client.auth`]: listener.requireClientCertificate ? 'required' : 'none',
  };
}

/** A value on one properties line: newlines as `\n`, backslashes doubled. */
function escapeProperty(value: string): string {
  return value.trim().replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n');
}

/**
 * A node's `server.properties` with the SASL_SSL listener on `port` added: appended to
 * `listeners`, `advertised.listeners` and the protocol map, then the listener's own properties.
 */
export function withSaslSslListener(properties: string, port: number, listenerProperties: Record<string, string>): string {
  const append = {
    listeners: `,SASL_SSL://127.0.0.1:${port}`,
    'advertised.listeners': `,SASL_SSL://127.0.0.1:${port}`,
    'listener.security.protocol.map': ',SASL_SSL:SASL_SSL',
  };
  const lines = properties
    .trimEnd()
    .split('\n')
    .map((line) => {
      const key = line.slice(0, line.indexOf('='));
      return key in append ? line + append[key as keyof typeof append] : line;
    });
  return `${[...lines, ...Object.entries(listenerProperties).map(([k, v]) => `${k}=${v}`)].join('\n')}\n`;
}
