/**
 * Preloaded (`node --import tsx --import <this file>`) into every child process of the client
 * comparison (clients-bench.ts), before any service code loads:
 *
 * - `BENCH_KAFKAJS=pristine` resolves `kafkajs` (and `kafkajs/...`) to `kafkajs-upstream`, the
 *   unpatched 2.2.4 installed beside the patched copy (patch-package patches only `kafkajs`), so the
 *   service code runs unchanged on upstream's release. Synchronous hooks (`module.registerHooks`) see
 *   `require` and `import` alike, and kafkajs's own files then load from the upstream copy.
 * - `BENCH_MODULE_WITNESS=<file>`: on exit, writes which Kafka client files the process loaded, so
 *   the bench can tell a variant that ran from one that silently fell back to another client.
 */
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { mapKafkajsSpecifier, witnessOf, type KafkajsBuild } from './client-variants.js';

const build: KafkajsBuild = process.env['BENCH_KAFKAJS'] === 'pristine' ? 'pristine' : 'patched';
const loaded = new Set<string>();

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(mapKafkajsSpecifier(specifier, build), context);
    loaded.add(resolved.url);
    return resolved;
  },
});

const witnessFile = process.env['BENCH_MODULE_WITNESS'];
if (witnessFile) process.on('exit', () => writeFileSync(witnessFile, JSON.stringify(witnessOf([...loaded]))));
