import type { LoadedSchema } from '@tidewater/schemas';

/** A schema as the serde needs it: registry text plus compiled avsc type. `loadSchema(name)` returns one. */
export type SerdeSchema = Pick<LoadedSchema, 'text' | 'type'>;

/** The record name for messages, or the primitive type name. */
export function schemaLabel(schema: SerdeSchema): string {
  return schema.type.name ?? schema.type.typeName;
}
