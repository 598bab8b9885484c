import { describe, expect, it } from 'vitest';
import { brokerProperties, type KraftNode } from './broker-properties.js';
import { saslSslProperties, withSaslSslListener } from './sasl-ssl-listener.js';

const node: KraftNode = { nodeId: 1, port: 9001, controllerPort: 9101, logDir: '/tmp/k/node-1', saslSslPort: 9201 };
const listener = { certFile: '/c/server.pem', keyFile: '/c/server.key', caFile: '/c/ca.pem', plainUsers: { alice: 'a-secret' } };
const pem = {
  cert: '-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n',
  key: '-----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n',
};

function parse(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('the SASL_SSL listener', () => {
  it('joins the listeners, advertised listeners and protocol map of a node, with its TLS and SASL settings', () => {
    const p = parse(withSaslSslListener(brokerProperties(node, [node]), 9201, saslSslProperties(listener, pem)));
    expect(p['listeners']).toBe('PLAINTEXT://127.0.0.1:9001,CONTROLLER://127.0.0.1:9101,SASL_SSL://127.0.0.1:9201');
    expect(p['advertised.listeners']).toBe('PLAINTEXT://127.0.0.1:9001,SASL_SSL://127.0.0.1:9201');
    expect(p['listener.security.protocol.map']).toBe('PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL');
    expect(p['inter.broker.listener.name']).toBe('PLAINTEXT');
    expect(p).toMatchObject({
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_ssl.plain.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="a-secret";',
      'listener.name.sasl_ssl.ssl.keystore.type': 'PEM',
      'listener.name.sasl_ssl.ssl.keystore.certificate.chain': '-----BEGIN CERTIFICATE-----\\nAAA\\n-----END CERTIFICATE-----',
      'listener.name.sasl_ssl.ssl.truststore.location': '/c/ca.pem',
      'listener.name.sasl_ssl.ssl.client.auth': 'none',
    });
  });

  it('requires client certificates when asked, and refuses JAAS-breaking user values', () => {
    expect(saslSslProperties({ ...listener, requireClientCertificate: true }, pem)['listener.name.sasl_ssl.ssl.client.auth']).toBe(
      'required',
    );
    expect(() => saslSslProperties({ ...listener, plainUsers: { bob: 'a"b' } }, pem)).toThrow(/no quotes/);
  });
});
