import { gunzip, inflate, type InputType, type ZlibOptions } from 'node:zlib';
import { ingestErrors } from './errors.js';

type Inflate = (buf: InputType, options: ZlibOptions, callback: (err: Error | null, result: Buffer) => void) => void;
const decoders: Readonly<Record<string, Inflate>> = { gzip: gunzip, 'x-gzip': gunzip, deflate: inflate };

/**
 * The body as the client meant it, per its Content-Encoding (RFC 9110 §8.4): identity, gzip (or x-gzip)
 * and deflate are read; anything else, or two encodings stacked, is refused with
 * TW_INGEST_UNSUPPORTED_ENCODING (415) rather than read as JSON and dead-lettered as malformed. The
 * decompressed size is bounded by the same limit as a plain body, so a small gzip bomb costs nothing.
 */
export function decodeContentEncoding(header: string | undefined, body: Buffer, limitBytes: number): Promise<Buffer> {
  const codings = (header ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return Promise.resolve(body);
  const decode = codings.length === 1 ? decoders[codings[0]!] : undefined;
  if (!decode)
    return Promise.reject(
      ingestErrors.create('TW_INGEST_UNSUPPORTED_ENCODING', 'content-encoding must be identity, gzip or deflate (one at most)'),
    );
  return new Promise((resolve, reject) =>
    decode(body, { maxOutputLength: limitBytes }, (err, out) => {
      if (!err) return resolve(out);
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        return reject(ingestErrors.create('TW_INGEST_BODY_TOO_LARGE', `decompressed body larger than ${limitBytes} bytes`));
      reject(ingestErrors.create('TW_INGEST_MALFORMED_ENCODING', `the body is not valid ${codings[0]} data`));
    }),
  );
}
