import { describe, expect, it } from 'vitest';
import { execForm, instructionsOf, parseCopy, parseDockerfile } from './dockerfile.js';

const text = `# syntax=docker/dockerfile:1
ARG BASE=node:24
FROM \${BASE} AS build
RUN a \\
  # a comment inside a continuation
  && b
FROM build AS final
COPY --from=build --chown=node:node /app ./
CMD ["node", "x.js"]
`;

describe('parseDockerfile', () => {
  it('splits stages, joins continuations, skips comments and substitutes global ARGs in FROM', () => {
    const { globalArgs, stages } = parseDockerfile(text);
    expect(globalArgs.get('BASE')).toBe('node:24');
    expect(stages.map((s) => [s.name, s.from])).toEqual([
      ['build', 'node:24'],
      ['final', 'build'],
    ]);
    expect(instructionsOf(stages[0]!, 'RUN').map((i) => i.args)).toEqual(['a && b']);
    expect(execForm(instructionsOf(stages[1]!, 'CMD')[0]?.args ?? '')).toEqual(['node', 'x.js']);
  });

  it('parses COPY flags, sources and destination', () => {
    const copy = parseCopy('--from=build --chown=node:node /app ./');
    expect(Object.fromEntries(copy.flags)).toEqual({ from: 'build', chown: 'node:node' });
    expect(copy.sources).toEqual(['/app']);
    expect(copy.destination).toBe('./');
    expect(parseCopy('["a b", "c", "/d/"]').sources).toEqual(['a b', 'c']);
  });
});
