import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchClient } from '@aws-sdk/client-batch';

export interface RecordedBatchRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface LoopbackBatch {
  endpoint: string;
  client: BatchClient;
  requests: RecordedBatchRequest[];
  /** Answer the next `n` SubmitJob calls with a 500 (to exercise retries). */
  failNext(n: number): void;
  close(): Promise<void>;
}

/**
 * A loopback AWS Batch endpoint: records every request the real SDK sends (path, headers, JSON body) and
 * answers SubmitJob like Batch does (`{ jobArn, jobName, jobId }`), ListJobs from `listJobs`.
 */
export async function startLoopbackBatch(listJobs: (body: any) => unknown = () => ({ jobSummaryList: [] })): Promise<LoopbackBatch> {
  const requests: RecordedBatchRequest[] = [];
  let failures = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const body = text ? JSON.parse(text) : undefined;
    requests.push({ method: req.method!, path: req.url!, headers: req.headers, body });
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...headers }).end(JSON.stringify(payload));
    if (req.url === '/v1/submitjob') {
      if (failures > 0) {
        failures--;
        return reply(500, { message: 'simulated Batch outage' }, { 'x-amzn-errortype': 'ServerException' });
      }
      const jobId = randomUUID();
      return reply(200, { jobArn: `arn:aws:batch:us-east-1:123456789012:job/${jobId}`, jobName: body.jobName, jobId });
    }
    if (req.url === '/v1/listjobs') return reply(200, listJobs(body));
    return reply(400, { message: `unexpected call ${req.url}` }, { 'x-amzn-errortype': 'ClientException' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new BatchClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  return {
    endpoint,
    client,
    requests,
    failNext(n) {
      failures = n;
    },
    async close() {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
