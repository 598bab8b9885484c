/**
 * Wraps a close function so every caller gets the same promise and the work runs once,
 * as opentelemetry-js components do with their close-once future.
 */
export function closeOnce(close: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= Promise.resolve().then(close);
    return pending;
  };
}
