/** A real HTTP receiver for Slack and webhook posts, on 127.0.0.1 inside the extension host. */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** Records every post; answers 200, or never (`hang`). Slack URLs go to /services/…, webhooks to /hook. */
export class Receiver {
  readonly received: Received[] = [];
  hang = false;
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      if (!this.hang) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });

  constructor() {
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  slackPosts(): Received[] {
    return this.received.filter((r) => r.path.startsWith('/services/'));
  }

  webhookPosts(): Received[] {
    return this.received.filter((r) => r.path.startsWith('/hook'));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
