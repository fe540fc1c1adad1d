import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request. */
export type FaultAction =
  /** Forward it and relay the answer. */
  | 'pass'
  /** Answer with this status without forwarding (the service is failing); a FHIR OperationOutcome unless `body` is given. */
  | { status: 500 | 502 | 503; body?: string; contentType?: string }
  /** Close the connection without forwarding (the service went away before the request arrived). */
  | 'drop'
  /** Forward it, let the service do the work, then close the connection instead of answering. */
  | 'drop-after'
  /** Keep the request open, forwarding nothing, until the client goes away or the proxy closes. */
  | 'hold';

export interface ProxiedRequest {
  method: string;
  url: string;
  body: string;
}

/**
 * A loopback HTTP proxy in front of one service that injects faults request by request: `plan` decides for
 * each request (given its method, URL and body) whether to forward it, answer 500/503, drop the connection
 * before or after the service did the work, or hold it. Records what it did.
 *
 * @example
 * const proxy = await startFaultProxy();
 * proxy.target = 'http://127.0.0.1:8080';
 * proxy.plan = (req) => (req.method === 'POST' ? { status: 503 } : 'pass');
 */
export async function startFaultProxy() {
  const log: (ProxiedRequest & { action: string; status?: number })[] = [];
  const held: ServerResponse[] = [];
  const heldWaiters: (() => void)[] = [];
  const state = {
    target: '',
    plan: ((_req: ProxiedRequest) => 'pass') as (req: ProxiedRequest) => FaultAction,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const request = { method: req.method ?? 'GET', url: req.url ?? '/', body: body.toString('utf8') };
    const action = state.plan(request);
    const entry: (typeof log)[number] = { ...request, action: typeof action === 'string' ? action : String(action.status) };
    log.push(entry);
    if (action === 'drop') return void req.socket.destroy();
    if (action === 'hold') {
      held.push(res);
      for (const resolve of heldWaiters.splice(0)) resolve();
      return;
    }
    if (typeof action === 'object') {
      res.writeHead(action.status, { 'content-type': action.contentType ?? 'application/fhir+json' });
      res.end(action.body ?? JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: `injected ${action.status}` }] }));
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(name)),
    ) as Record<string, string>;
    const answer = await fetch(`${state.target}${request.url}`, {
      method: request.method,
      headers,
      body: ['GET', 'HEAD'].includes(request.method) ? undefined : body,
    });
    const payload = Buffer.from(await answer.arrayBuffer());
    entry.status = answer.status;
    if (action === 'drop-after') return void req.socket.destroy();
    const out: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(name)) out[name] = value;
    });
    res.writeHead(answer.status, out);
    res.end(payload);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    log,
    get target() {
      return state.target;
    },
    set target(value: string) {
      state.target = value;
    },
    get plan() {
      return state.plan;
    },
    set plan(value: (req: ProxiedRequest) => FaultAction) {
      state.plan = value;
    },
    /** Resolves once a request is being held. */
    held(): Promise<void> {
      return held.length > 0 ? Promise.resolve() : new Promise((resolve) => heldWaiters.push(resolve));
    },
    close(): Promise<void> {
      for (const res of held.splice(0)) res.socket?.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export type FaultProxy = Awaited<ReturnType<typeof startFaultProxy>>;
