/** Local receivers for delivery tests: an HTTP server on 127.0.0.1 that records requests and answers as told. */
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** The status and body of the next answers; the last one repeats. */
  answers: Array<{ status: number; body?: string }>;
  close(): Promise<void>;
}

export async function startReceiver(answers: Array<{ status: number; body?: string }> = [{ status: 200 }]): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const receiver: Partial<Receiver> = { requests, answers };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const list = receiver.answers!;
      const answer = list.length > 1 ? list.shift()! : list[0];
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answer.body ?? '{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver as Receiver;
}

/** A clock the test moves by hand. */
export function manualClock(start: string) {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    set: (iso: string) => {
      now = new Date(iso).getTime();
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}
