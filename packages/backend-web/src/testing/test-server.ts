/** Test-only: a static HTTP server on 127.0.0.1 whose routes are plain handlers, counting requests. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface TestServer {
  /** 'http://127.0.0.1:<port>/' */
  readonly url: string;
  /** Every request as 'METHOD /path', in arrival order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Serves `routes` (by path); anything else answers 404. */
export async function startTestServer(routes: Record<string, Route>): Promise<TestServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const route = routes[new URL(request.url ?? '/', 'http://x').pathname];
    if (route === undefined) {
      response.writeHead(404, 'Not Found').end('not found');
      return;
    }
    Promise.resolve(route(request, response)).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A route sending `body` with Content-Length, in `chunks` writes paced a few ms apart. */
export function chunked(body: Uint8Array, chunks: number, type = 'application/octet-stream'): Route {
  return async (request, response) => {
    response.writeHead(200, { 'content-length': String(body.length), 'content-type': type });
    if (request.method === 'HEAD') return void response.end();
    const size = Math.ceil(body.length / chunks);
    for (let offset = 0; offset < body.length; offset += size) {
      response.write(body.subarray(offset, offset + size));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    response.end();
  };
}
