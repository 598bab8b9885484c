import { describe, expect, it } from 'vitest';
import { dockerignoreMatcher } from './dockerignore.js';

describe('dockerignoreMatcher', () => {
  it('excludes what a directory pattern covers, and the last matching pattern wins', () => {
    const ignored = dockerignoreMatcher(
      ['# comment', '**/node_modules', 'deploy/*', '!deploy/topics.yaml', '!deploy/docker', 'deploy/docker/Dockerfile'].join('\n'),
    );
    expect(ignored('node_modules/a/b.js')).toBe(true);
    expect(ignored('libs/x/node_modules/a')).toBe(true);
    expect(ignored('deploy/k8s/a.yaml')).toBe(true);
    expect(ignored('deploy/topics.yaml')).toBe(false);
    expect(ignored('deploy/docker/healthcheck.mjs')).toBe(false);
    expect(ignored('deploy/docker/Dockerfile')).toBe(true);
    expect(ignored('libs/x/src/index.ts')).toBe(false);
  });

  it('keeps * and ? within one path segment', () => {
    const ignored = dockerignoreMatcher('libs/*.md\n**/*.test.ts\nfile?.txt');
    expect(ignored('libs/README.md')).toBe(true);
    expect(ignored('libs/x/README.md')).toBe(false);
    expect(ignored('a/b/c.test.ts')).toBe(true);
    expect(ignored('c.test.ts')).toBe(true);
    expect(ignored('file1.txt')).toBe(true);
    expect(ignored('file10.txt')).toBe(false);
  });

  it('re-includes a file under an excluded directory only with its own exception', () => {
    const ignored = dockerignoreMatcher('libs/dev-*/*\n!libs/dev-*/package.json');
    expect(ignored('libs/dev-kafka/package.json')).toBe(false);
    expect(ignored('libs/dev-kafka/src/index.ts')).toBe(true);
    expect(ignored('libs/kafka/src/index.ts')).toBe(false);
  });
});
