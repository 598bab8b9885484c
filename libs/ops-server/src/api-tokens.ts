import { readFileSync } from 'node:fs';
import { httpErrors } from './errors.js';

/** How an authenticated API checks callers: bearer tokens, or (outside production, with none configured) not at all. */
export type ApiAuth =
  | { readonly mode: 'bearer'; readonly tokens: readonly string[]; readonly source: string }
  | { readonly mode: 'open'; readonly reason: string };

export interface ApiTokenSettings {
  /** The API, for messages: "inference admin API". */
  readonly api: string;
  /** The variable naming the token file, for messages (`ADMIN_TOKEN_FILE`), and its value. */
  readonly fileVar: string;
  readonly file?: string | undefined;
  /** A token given inline (`ADMIN_TOKEN`); the file is the way for Kubernetes Secrets. */
  readonly inlineVar?: string;
  readonly inline?: string | undefined;
  /** Production refuses to run an API without tokens (see isProduction). */
  readonly production: boolean;
}

/** Shortest token accepted: 16 characters (a hex `openssl rand -hex 32` has 64). */
export const minTokenLength = 16;

/**
 * Production mode, the same for every service: `NODE_ENV=production`, which the image sets
 * (deploy/docker/Dockerfile). The dev stack, the demo and tests run without it.
 */
export function isProduction(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env['NODE_ENV'] === 'production';
}

/** Tokens of a token file: one per line, surrounding blanks trimmed; empty lines and `#` comments skipped. */
export function parseTokenFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * Reads an API's bearer tokens once, at boot: the token file (several lines let a rotation accept the
 * old and the new token for a while; restart to apply a change) and the inline token, together.
 * Without either, production throws TW_HTTP_TOKEN_REQUIRED naming the variable to set; elsewhere the
 * API runs open, which the service logs as a warning.
 */
export function loadApiAuth(s: ApiTokenSettings, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): ApiAuth {
  const tokens: string[] = [];
  const sources: string[] = [];
  if (s.file !== undefined && s.file !== '') {
    let text: string;
    try {
      text = readFile(s.file);
    } catch (cause) {
      throw httpErrors.create('TW_HTTP_TOKEN_FILE_UNREADABLE', `${s.fileVar}=${s.file}: cannot read the ${s.api} token file`, { cause });
    }
    const fromFile = parseTokenFile(text);
    if (fromFile.length === 0)
      throw httpErrors.create('TW_HTTP_TOKEN_FILE_EMPTY', `${s.fileVar}=${s.file} holds no token for the ${s.api}`);
    tokens.push(...fromFile);
    sources.push(s.fileVar);
  }
  if (s.inline !== undefined && s.inline !== '') {
    tokens.push(s.inline.trim());
    sources.push(s.inlineVar ?? 'inline token');
  }
  const short = tokens.findIndex((t) => t.length < minTokenLength);
  if (short >= 0)
    // Never the token itself: which source and how long is enough to find it.
    throw httpErrors.create(
      'TW_HTTP_TOKEN_TOO_SHORT',
      `a token for the ${s.api} (${sources.join(', ')}) has ${tokens[short]!.length} characters; at least ${minTokenLength} are needed`,
    );
  if (tokens.length > 0) return { mode: 'bearer', tokens, source: sources.join(', ') };
  const set = s.inlineVar ? `${s.fileVar} (or ${s.inlineVar})` : s.fileVar;
  if (s.production)
    throw httpErrors.create(
      'TW_HTTP_TOKEN_REQUIRED',
      `NODE_ENV=production and the ${s.api} has no bearer token: set ${set} to a file holding one token per line (mounted from a Secret)`,
    );
  return { mode: 'open', reason: `no token configured (${set} unset) and NODE_ENV is not production` };
}
