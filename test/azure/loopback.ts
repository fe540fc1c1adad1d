import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** One request the loopback server received, as the SDK put it on the wire. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/subscriptions/s/...?api-version=2023-05-01`. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** `body` parsed as JSON when it is JSON. */
  json?: any;
}

export interface LoopbackReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type LoopbackHandler = (request: RecordedRequest) => LoopbackReply | Promise<LoopbackReply>;

export interface Loopback {
  /** `https://127.0.0.1:{port}` (or http). */
  url: string;
  port: number;
  /** PEM of the self-signed certificate, for the client's trusted CA list (TLS only). */
  ca?: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP(S) server that records every request and answers with `handler`: the edge of a cloud we
 * cannot reach, seen through the real SDK's wire format. TLS because Azure SDKs refuse to send bearer
 * tokens over plain HTTP; its self-signed certificate comes from `openssl` at test time (no key in the repo).
 *
 * @example
 * const arm = await startLoopback(() => ({ status: 201, body: {} }), { tls: true });
 * const client = new ContainerInstanceManagementClient(cred, 'sub', { endpoint: arm.url, $host: arm.url, tlsOptions: { ca: arm.ca } });
 */
export async function startLoopback(handler: LoopbackHandler, options: { tls?: boolean } = {}): Promise<Loopback> {
  const requests: RecordedRequest[] = [];
  const listener: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      try {
        recorded.json = body ? JSON.parse(body) : undefined;
      } catch {
        // Not JSON: the raw body is enough.
      }
      requests.push(recorded);
      try {
        const reply = await handler(recorded);
        const payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(payload);
      } catch (error) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'LoopbackError', message: String(error) } }));
      }
    });
  };
  let server: http.Server;
  let ca: string | undefined;
  if (options.tls) {
    const { key, cert } = selfSignedCertificate();
    ca = cert;
    server = https.createServer({ key, cert }, listener);
  } else {
    server = http.createServer(listener);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    ca,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** True when `openssl` is on PATH (Debian images have it); TLS loopback tests skip without it. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'adni-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
