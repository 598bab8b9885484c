/**
 * The one id contract of the pipeline (issue 20): an id (event, card, merchant) is a string of 1 to
 * `maxIdLength` UTF-16 code units, not blank, and well-formed Unicode. Ingestion accepts exactly these,
 * and every API that takes an id serves every one of them.
 */
export const maxIdLength = 128;

// With the `u` flag a string is read as code points, so a surrogate pair is one astral character and
// only an unpaired (lone) surrogate matches.
const loneSurrogate = /\p{Surrogate}/u;

/**
 * Whether a string holds only Unicode scalar values. A lone UTF-16 surrogate cannot be encoded as UTF-8
 * (Buffer.from writes U+FFFD, other encoders write invalid bytes), so it would reach Kafka and Redis as a
 * different string than the one accepted.
 */
export function isWellFormedText(text: string): boolean {
  return !loneSurrogate.test(text);
}

/** Why a value is not an id under the contract, or undefined when it is one. Never quotes the value. */
export function idProblem(value: unknown): string | undefined {
  if (typeof value !== 'string')
    return `must be a string, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
  if (value.trim().length === 0) return 'must not be empty or blank';
  if (value.length > maxIdLength) return `must be at most ${maxIdLength} characters, got ${value.length}`;
  if (!isWellFormedText(value)) return 'must be well-formed Unicode (it holds a lone UTF-16 surrogate)';
  return undefined;
}
