import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import type { JwtAuthConfig } from '../../shared/auth/auth-config.js';

export interface TestIssuer {
  config: JwtAuthConfig;
  /** A token signed with the published key; `claims` override the defaults (sub, aud, iss, exp in 5 min). */
  token(claims?: JWTPayload & { scope?: string }, options?: { key?: CryptoKey; kid?: string; expiresIn?: string | number }): Promise<string>;
  /** A key pair the issuer never published (forgeries). */
  foreignKey: CryptoKey;
  /** JWKS requests served so far. */
  jwksRequests(): number;
  close(): Promise<void>;
}

/**
 * An OIDC issuer on loopback: publishes one ES256 public key at /.well-known/jwks.json and signs tokens with
 * its private key, so the API's verifier runs against a real HTTP key set, as it does against Cognito or Entra ID.
 */
export async function startTestIssuer(options: { audience?: string; scopePrefix?: string } = {}): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const foreign = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  let served = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      served += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const audience = options.audience ?? 'adni-api';
  return {
    config: { issuer, audience, jwksUrl: `${issuer}/.well-known/jwks.json`, scopePrefix: options.scopePrefix ?? '', clockToleranceSeconds: 0 },
    foreignKey: foreign.privateKey,
    jwksRequests: () => served,
    async token(claims = {}, opts = {}) {
      const { exp, ...rest } = claims;
      const jwt = new SignJWT({ sub: 'user-1', iss: issuer, aud: audience, ...rest })
        .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? 'k1' })
        .setIssuedAt();
      if (exp !== undefined) jwt.setExpirationTime(exp);
      else jwt.setExpirationTime(opts.expiresIn ?? '5m');
      return jwt.sign(opts.key ?? privateKey);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
