/**
 * Checks that span the document, run on the raw parsed YAML rather than zod's output so that
 * they still report when other parts of the file are invalid (the point is to list every
 * problem in one go). Each check tolerates any shape; zod reports shape problems.
 */
export interface ConfigProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function receiverNames(doc: Record<string, unknown>, problems: ConfigProblem[]): Set<string> {
  const names = new Set<string>();
  const receivers = Array.isArray(doc['receivers']) ? (doc['receivers'] as unknown[]) : [];
  receivers.forEach((r, i) => {
    const name = isRecord(r) ? r['name'] : undefined;
    if (typeof name !== 'string' || name === '') return;
    if (names.has(name)) problems.push({ path: ['receivers', i, 'name'], message: `receiver name "${name}" is not unique` });
    names.add(name);
  });
  return names;
}

function checkRouteReceivers(route: unknown, path: PropertyKey[], known: Set<string>, problems: ConfigProblem[]): void {
  if (!isRecord(route)) return;
  const receiver = route['receiver'];
  if (typeof receiver === 'string' && receiver !== '' && !known.has(receiver)) {
    problems.push({ path: [...path, 'receiver'], message: `receiver "${receiver}" is not defined in receivers` });
  }
  const children = route['routes'];
  if (Array.isArray(children)) children.forEach((child, i) => checkRouteReceivers(child, [...path, 'routes', i], known, problems));
}

/** Returns the document-wide problems of a raw config document. */
export function checkReferences(doc: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!isRecord(doc)) return problems;
  const root = doc['route'];
  if (isRecord(root)) {
    if (root['receiver'] === undefined)
      problems.push({ path: ['route', 'receiver'], message: 'the root route must name a default receiver' });
    if (Array.isArray(root['matchers']) && root['matchers'].length > 0) {
      problems.push({ path: ['route', 'matchers'], message: 'the root route must not have matchers: every alert enters the tree there' });
    }
    if (root['continue'] !== undefined)
      problems.push({ path: ['route', 'continue'], message: 'the root route cannot have continue: it has no siblings' });
  }
  const known = receiverNames(doc, problems);
  checkRouteReceivers(root, ['route'], known, problems);
  return problems;
}
