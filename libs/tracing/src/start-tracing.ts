import { trace } from '@opentelemetry/api';
import { envDetector, hostDetector, processDetector, resourceFromAttributes, serviceInstanceIdDetector } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { propagatingTracerProvider } from './propagating-tracer.js';

export interface TracingHandle {
  /** Flushes pending spans and stops the SDK; idempotent. */
  shutdown(): Promise<void>;
  /** Whether spans are exported anywhere (false: trace context is still created and propagated, no span is recorded). */
  readonly exporting: boolean;
}

/**
 * Starts OpenTelemetry for a service. Exporters are configured by the standard OTEL_* variables
 * (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, ...).
 * Unlike the SDK's default, nothing is exported unless an exporter or OTLP endpoint is set:
 * a laptop without a collector should not log an export error every five seconds.
 * Metrics and logs stay with prom-client and pino, so their OTel exporters are off. Spans carry
 * `service.version` (TW_BUILD_VERSION), host and process attributes and OTEL_RESOURCE_ATTRIBUTES.
 * Trace ids are still made and carried through Kafka headers when nothing is exported
 * (see propagating-tracer.ts).
 */
export function startTracing(opts: { serviceName: string; serviceVersion?: string; env?: NodeJS.ProcessEnv }): TracingHandle {
  const env = opts.env ?? process.env;
  const configured = Boolean(
    env['OTEL_TRACES_EXPORTER'] || env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
  );
  if (!configured) env['OTEL_TRACES_EXPORTER'] = 'none';
  env['OTEL_METRICS_EXPORTER'] ??= 'none';
  env['OTEL_LOGS_EXPORTER'] ??= 'none';
  env['OTEL_SERVICE_NAME'] ??= opts.serviceName;
  const exporting = env['OTEL_TRACES_EXPORTER'] !== 'none';
  const sdk = new NodeSDK({
    serviceName: env['OTEL_SERVICE_NAME'],
    instrumentations: [],
    // Host, process and service instance attributes, and OTEL_RESOURCE_ATTRIBUTES (envDetector), which
    // wins over the version below: a deployment can say `service.version=...` or `deployment.environment.name=prod`.
    resource: resourceFromAttributes({ 'service.version': opts.serviceVersion ?? (env['TW_BUILD_VERSION'] || 'dev') }),
    resourceDetectors: [hostDetector, processDetector, serviceInstanceIdDetector, envDetector],
    // None (rather than the SDK reading OTEL_TRACES_EXPORTER itself): no provider of its own.
    ...(exporting ? {} : { spanProcessors: [] }),
  });
  sdk.start();
  // With nothing exported the SDK installs no tracer provider (spans would get all-zero ids and a
  // service at the head of a trace would start none); this one still makes and continues traces.
  if (!exporting) trace.setGlobalTracerProvider(propagatingTracerProvider);
  let done: Promise<void> | undefined;
  return {
    exporting,
    shutdown() {
      done ??= sdk.shutdown();
      return done;
    },
  };
}
