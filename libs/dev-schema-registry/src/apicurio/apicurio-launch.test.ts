import { describe, expect, it } from 'vitest';
import { apicurioCommand } from './apicurio-launch.js';

describe('apicurioCommand', () => {
  it('binds both listeners to loopback and sets BACKWARD compatibility, as Confluent and the dev registry default to', () => {
    const cmd = apicurioCommand({ home: '/opt/apicurio', java: '/jdk/bin/java', port: 18080, managementPort: 18081 });
    expect(cmd.command).toBe('/jdk/bin/java');
    expect(cmd.cwd).toBe('/opt/apicurio');
    expect(cmd.args).toEqual(
      expect.arrayContaining([
        '-Dquarkus.http.host=127.0.0.1',
        '-Dquarkus.http.port=18080',
        '-Dquarkus.management.host=127.0.0.1',
        '-Dquarkus.management.port=18081',
        '-Dapicurio.rules.global.compatibility=BACKWARD',
      ]),
    );
    expect(cmd.args.slice(-2)).toEqual(['-jar', '/opt/apicurio/quarkus-run.jar']);
  });
});
