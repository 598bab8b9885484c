import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaFiles, type SchemaName } from './avro-schemas.js';
import { schemasDir } from './paths.js';
import { generateDeclarations, generatedHeader } from './typescript-codegen.js';

const aliases: Record<SchemaName, string> = {
  entityKey: 'EntityKey',
  rawPaymentEvent: 'RawPaymentEvent',
  paymentEvent: 'PaymentEvent',
  featureVector: 'FeatureVector',
  prediction: 'Prediction',
  driftReport: 'DriftReport',
  alert: 'Alert',
};

/** The full text of src/generated/avro-types.ts for the schemas on disk. */
export function renderGeneratedTypes(): string {
  const parts = (Object.keys(schemaFiles) as SchemaName[]).map((name) => {
    const schema = JSON.parse(readFileSync(join(schemasDir, schemaFiles[name]), 'utf8'));
    return `// ${schemaFiles[name]}\n${generateDeclarations(schema, aliases[name])}`;
  });
  return `${generatedHeader}/* eslint-disable */\n\n${parts.join('\n\n')}\n\n/** Maps each schema name to its record type. */\nexport interface SchemaTypes {\n${(Object.keys(aliases) as SchemaName[]).map((n) => `  ${n}: ${aliases[n]};`).join('\n')}\n}\n`;
}
