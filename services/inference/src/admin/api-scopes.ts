import { isProduction, loadApiAuth, type ApiAuth, type AuthScope } from '@tidewater/ops-server';
import type { InferenceConfig } from '../config.js';

type TokenConfig = Pick<InferenceConfig, 'ADMIN_TOKEN_FILE' | 'ADMIN_TOKEN' | 'OIP_TOKEN_FILE'>;

/**
 * Who may call inference's two API ports: the admin API takes the admin tokens only; the OIP API takes
 * OIP_TOKEN_FILE's tokens and the admin ones. Read once at boot; in production (NODE_ENV=production) a
 * missing admin token fails the boot with TW_HTTP_TOKEN_REQUIRED.
 */
export function inferenceApiScopes(
  config: TokenConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
  readFile?: (path: string) => string,
): { readonly admin: AuthScope[]; readonly oip: AuthScope[] } {
  const production = isProduction(env);
  const admin = loadApiAuth(
    {
      api: 'inference admin API',
      fileVar: 'ADMIN_TOKEN_FILE',
      file: config.ADMIN_TOKEN_FILE,
      inlineVar: 'ADMIN_TOKEN',
      inline: config.ADMIN_TOKEN,
      production,
    },
    readFile,
  );
  // Loaded as optional: with admin tokens present, OIP is authenticated by them already.
  const clients =
    config.OIP_TOKEN_FILE === undefined
      ? undefined
      : loadApiAuth({ api: 'inference OIP API', fileVar: 'OIP_TOKEN_FILE', file: config.OIP_TOKEN_FILE, production: false }, readFile);
  let oip: ApiAuth = admin;
  if (clients?.mode === 'bearer')
    oip =
      admin.mode === 'bearer'
        ? { mode: 'bearer', tokens: [...clients.tokens, ...admin.tokens], source: `${clients.source}, ${admin.source}` }
        : clients;
  return { admin: [{ prefix: '/', auth: admin }], oip: [{ prefix: '/', auth: oip }] };
}
