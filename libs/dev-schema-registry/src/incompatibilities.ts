import type avro from 'avsc';

/** The error types Confluent Schema Registry reports for Avro (those of Avro's SchemaCompatibility). */
export type IncompatibilityType =
  | 'NAME_MISMATCH'
  | 'FIXED_SIZE_MISMATCH'
  | 'MISSING_ENUM_SYMBOLS'
  | 'READER_FIELD_MISSING_DEFAULT_VALUE'
  | 'TYPE_MISMATCH'
  | 'MISSING_UNION_BRANCH';

/** One reason a reader cannot resolve a writer, as Confluent words it in 409 details and verbose checks. */
export interface Incompatibility {
  readonly errorType: IncompatibilityType;
  readonly description: string;
  readonly additionalInfo: string;
}

/** Which of the two schemas is the candidate: the words Confluent's descriptions use. */
export type SchemaRole = 'new' | 'old';

// Avro's promotions: a reader of the key type reads data written with any listed type.
const PROMOTIONS: Readonly<Record<string, readonly string[]>> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  string: ['bytes'],
  bytes: ['string'],
};

/**
 * Lists why `reader` cannot read data written with `writer`, walking both schemas the way Avro's
 * SchemaCompatibility (which Confluent uses) does, with JSON-pointer paths into the reader schema
 * (`/fields/3/type`), so a producer sees which field broke. Used to explain a verdict: whether the
 * two resolve is decided by avsc's resolver (see `checkCompatibility`).
 */
export function findIncompatibilities(reader: avro.Type, writer: avro.Type, readerRole: SchemaRole): Incompatibility[] {
  const writerRole: SchemaRole = readerRole === 'new' ? 'old' : 'new';
  const found: Incompatibility[] = [];
  const seen = new Set<string>(); // recursive records: each (reader, writer) pair once

  const typeName = (t: avro.Type): string => {
    const name = t.typeName.startsWith('union') ? 'union' : t.typeName;
    return name === 'error' ? 'record' : name;
  };
  const upper = (t: avro.Type) => typeName(t).toUpperCase();
  const pointer = (path: readonly string[]) => (path.length === 0 ? '/' : `/${path.join('/')}`);
  const add = (errorType: IncompatibilityType, description: string, additionalInfo: string) =>
    found.push({ errorType, description, additionalInfo });
  const typeMismatch = (path: readonly string[], r: avro.Type, w: avro.Type) =>
    add(
      'TYPE_MISMATCH',
      `The type (path '${pointer(path)}') of a field in the ${readerRole} schema does not match with the ${writerRole} schema`,
      `reader type: ${upper(r)} not compatible with writer type: ${upper(w)}`,
    );
  const namesMatch = (r: avro.Type, w: avro.Type): boolean => {
    const short = (name: string | undefined) => name?.split('.').at(-1);
    return short(r.name) === short(w.name) || (r.aliases ?? []).includes(w.name ?? '');
  };
  const checkName = (path: readonly string[], r: avro.Type, w: avro.Type): void => {
    if (!namesMatch(r, w)) {
      add('NAME_MISMATCH', `The name of the schema has changed (path '${pointer([...path, 'name'])}')`, `expected: ${w.name ?? ''}`);
    }
  };

  /** Whether `r` reads `w` at all, without recording why (for picking a union branch). */
  const resolves = (r: avro.Type, w: avro.Type): boolean => {
    try {
      r.createResolver(w);
      return true;
    } catch {
      return false;
    }
  };

  function walk(path: readonly string[], r: avro.Type, w: avro.Type): void {
    const rt = typeName(r);
    const wt = typeName(w);
    if (wt === 'union') {
      // Every branch the writer may have used must be readable.
      (w as avro.types.UnwrappedUnionType).types.forEach((branch, i) => walk([...path, String(i)], r, branch));
      return;
    }
    if (rt === 'union') {
      const branches = (r as avro.types.UnwrappedUnionType).types;
      if (!branches.some((branch) => resolves(branch, w))) {
        add(
          'MISSING_UNION_BRANCH',
          `The ${readerRole} schema is missing a type inside a union field at path '${pointer(path)}' in the ${writerRole} schema`,
          `reader union lacking writer type: ${upper(w)}`,
        );
      }
      return;
    }
    if (rt !== wt) {
      if (!(PROMOTIONS[rt] ?? []).includes(wt)) typeMismatch(path, r, w);
      return;
    }
    switch (rt) {
      case 'record':
        walkRecord(path, r as avro.types.RecordType, w as avro.types.RecordType);
        return;
      case 'enum': {
        checkName(path, r, w);
        const readerSymbols = new Set((r as avro.types.EnumType).symbols);
        const missing = (w as avro.types.EnumType).symbols.filter((s) => !readerSymbols.has(s));
        // Avro 1.9's enum default reads unknown symbols as it; avsc keeps it on the type, not in schema().
        const hasDefault = (r as avro.types.EnumType & { default?: unknown }).default !== undefined;
        if (missing.length > 0 && !hasDefault) {
          add(
            'MISSING_ENUM_SYMBOLS',
            `The ${readerRole} schema is missing enum symbols '[${missing.join(', ')}]' at path '${pointer([...path, 'symbols'])}' in the ${writerRole} schema`,
            `[${missing.join(', ')}]`,
          );
        }
        return;
      }
      case 'fixed': {
        checkName(path, r, w);
        const [rs, ws] = [(r as avro.types.FixedType).size, (w as avro.types.FixedType).size];
        if (rs !== ws) {
          add(
            'FIXED_SIZE_MISMATCH',
            `The size of FIXED type field at path '${pointer([...path, 'size'])}' in the ${readerRole} schema does not match with the ${writerRole} schema`,
            `expected: ${ws}, found: ${rs}`,
          );
        }
        return;
      }
      case 'array':
        walk([...path, 'items'], (r as avro.types.ArrayType).itemsType, (w as avro.types.ArrayType).itemsType);
        return;
      case 'map':
        walk([...path, 'values'], (r as avro.types.MapType).valuesType, (w as avro.types.MapType).valuesType);
        return;
      default:
        return; // equal primitives
    }
  }

  function walkRecord(path: readonly string[], r: avro.types.RecordType, w: avro.types.RecordType): void {
    const key = `${r.name ?? ''}<-${w.name ?? ''}@${pointer(path)}`;
    if (seen.has(key)) return;
    seen.add(key);
    checkName(path, r, w);
    r.fields.forEach((field, i) => {
      const names = [field.name, ...field.aliases];
      const written = w.fields.find((f) => names.includes(f.name));
      if (written === undefined) {
        if (field.defaultValue() === undefined) {
          add(
            'READER_FIELD_MISSING_DEFAULT_VALUE',
            `The field '${field.name}' at path '${pointer([...path, 'fields', String(i)])}' in the ${readerRole} schema has no default value and is missing in the ${writerRole} schema`,
            field.name,
          );
        }
        return;
      }
      walk([...path, 'fields', String(i), 'type'], field.type, written.type);
    });
  }

  walk([], reader, writer);
  return found;
}

/** Confluent's rendering of one incompatibility inside a 409 message or a verbose check's `messages`. */
export function formatIncompatibility(i: Incompatibility): string {
  return `{errorType:'${i.errorType}', description:'${i.description}', additionalInfo:'${i.additionalInfo}'}`;
}
