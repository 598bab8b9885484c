// Enough of the Dockerfile grammar for the deployment tests: stages, instructions with line
// continuations and comments, global ARGs, exec-form arrays and COPY flags. Heredocs and escape
// directives are not handled (the Tidewater Dockerfile uses neither).

export interface DockerInstruction {
  /** Upper-cased keyword: FROM, RUN, COPY, ... */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

export interface DockerStage {
  readonly name: string | undefined;
  /** The base image with global ARG defaults substituted. */
  readonly from: string;
  readonly instructions: readonly DockerInstruction[];
}

export interface ParsedDockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  readonly globalArgs: ReadonlyMap<string, string | undefined>;
  readonly stages: readonly DockerStage[];
}

/** Splits a Dockerfile into instructions, then into stages. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const instructions: DockerInstruction[] = [];
  let pending: { keyword: string; parts: string[]; line: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return; // comments may sit inside a continuation
    const continues = line.endsWith('\\');
    const body = continues ? line.slice(0, -1).trim() : line;
    if (pending) pending.parts.push(body);
    else {
      const keyword = body.split(/\s/, 1)[0] ?? '';
      pending = { keyword: keyword.toUpperCase(), parts: [body.slice(keyword.length).trim()], line: i + 1 };
    }
    if (!continues) {
      instructions.push({ keyword: pending.keyword, args: pending.parts.filter(Boolean).join(' '), line: pending.line });
      pending = undefined;
    }
  });

  const globalArgs = new Map<string, string | undefined>();
  const stages: { name: string | undefined; from: string; instructions: DockerInstruction[] }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const [image = '', as, name] = ins.args.split(/\s+/);
      const from = image.replace(/\$\{?(\w+)\}?/g, (_m, arg: string) => globalArgs.get(arg) ?? '');
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, from, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') {
        const [name = '', value] = ins.args.split('=', 2);
        globalArgs.set(name, value);
      }
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** The instructions of one keyword in a stage. */
export function instructionsOf(stage: DockerStage, keyword: string): DockerInstruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** The array of an exec-form instruction (`["node", "x"]`), or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((x): x is string => typeof x === 'string'))
    throw new Error(`not an array of strings: ${args}`);
  return parsed;
}

export interface CopyInstruction {
  /** Flags by name without dashes: from, chown, link, ... */
  readonly flags: ReadonlyMap<string, string>;
  readonly sources: readonly string[];
  readonly destination: string;
}

/** Parses COPY/ADD arguments, shell or exec form. */
export function parseCopy(args: string): CopyInstruction {
  const words = execForm(args) ?? args.split(/\s+/).filter(Boolean);
  const flags = new Map<string, string>();
  while (words[0]?.startsWith('--')) {
    const [name = '', value = 'true'] = (words.shift() ?? '').slice(2).split('=', 2);
    flags.set(name, value);
  }
  const destination = words.pop();
  if (destination === undefined || words.length === 0) throw new Error(`COPY needs sources and a destination: ${args}`);
  return { flags, sources: words, destination };
}
