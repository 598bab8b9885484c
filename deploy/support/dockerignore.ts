// .dockerignore semantics as BuildKit applies them to the build context: patterns in order, `!`
// re-includes, the last pattern that matches wins, and a pattern that matches a directory matches
// everything below it. `*` and `?` stay within one path segment, `**` spans any number of them.

interface Rule {
  readonly exclude: boolean;
  readonly regex: RegExp;
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*' && glob[i + 1] === '*') {
      const slashAfter = glob[i + 2] === '/';
      out += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function parseRules(text: string): Rule[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const exclude = !l.startsWith('!');
      const pattern = (exclude ? l : l.slice(1).trim()).replace(/^\/+/, '').replace(/\/+$/, '');
      return { exclude, regex: globToRegExp(pattern) };
    });
}

/** A predicate telling whether a repo-relative path is left out of the build context. */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = parseRules(text);
  return (path) => {
    const segments = path.replace(/^\.\//, '').split('/');
    const candidates = segments.map((_s, i) => segments.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((c) => rule.regex.test(c))) excluded = rule.exclude;
    }
    return excluded;
  };
}
