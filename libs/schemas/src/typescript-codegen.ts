/**
 * Turns the repository's Avro schemas into TypeScript declarations, so record types are
 * written once (in schemas/) and derived everywhere else. The mapping follows avsc's
 * JavaScript representation: long -> number, bytes/fixed -> Buffer, enum -> string union,
 * ["null", T] -> T | null, other unions unwrapped (avsc wrapUnions 'auto' on these shapes).
 */
type AvroSchema = string | AvroSchema[] | { type: string | AvroSchema; [k: string]: unknown };

interface NamedOut {
  name: string;
  body: string;
}

const primitives: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

function shortName(name: string): string {
  return name.split('.').pop() ?? name;
}

function docComment(doc: unknown, indent: string): string {
  return typeof doc === 'string' ? `${indent}/** ${doc.replace(/\*\//g, '* /')} */\n` : '';
}

function typeOf(schema: AvroSchema, out: NamedOut[]): string {
  if (typeof schema === 'string') return primitives[schema] ?? shortName(schema);
  if (Array.isArray(schema)) return schema.map((s) => typeOf(s, out)).join(' | ');
  const t = schema.type;
  if (typeof t !== 'string') return typeOf(t, out);
  if (t === 'record' || t === 'error') {
    const name = shortName(String(schema['name']));
    const fields = (schema['fields'] as { name: string; type: AvroSchema; doc?: string }[]).map(
      (f) => `${docComment(f.doc, '  ')}  readonly ${f.name}: ${typeOf(f.type, out)};`,
    );
    out.push({ name, body: `${docComment(schema['doc'], '')}export interface ${name} {\n${fields.join('\n')}\n}` });
    return name;
  }
  if (t === 'enum') {
    const name = shortName(String(schema['name']));
    const symbols = (schema['symbols'] as string[]).map((s) => `'${s}'`).join(' | ');
    out.push({ name, body: `${docComment(schema['doc'], '')}export type ${name} = ${symbols};` });
    return name;
  }
  if (t === 'array') return `ReadonlyArray<${typeOf(schema['items'] as AvroSchema, out)}>`;
  if (t === 'map') return `Readonly<Record<string, ${typeOf(schema['values'] as AvroSchema, out)}>>`;
  if (t === 'fixed') return 'Buffer';
  return primitives[t] ?? shortName(t);
}

/** Declarations for one schema file; `alias` names the top-level type when it is not a named type. */
export function generateDeclarations(schema: AvroSchema, alias: string): string {
  const out: NamedOut[] = [];
  const top = typeOf(schema, out);
  const blocks = out.map((o) => o.body);
  if (!out.some((o) => o.name === alias)) blocks.push(`export type ${alias} = ${top};`);
  return blocks.join('\n\n');
}

export const generatedHeader = '// Generated from schemas/*.avsc by `npm run codegen`. Do not edit: change the schema and regenerate.\n';
