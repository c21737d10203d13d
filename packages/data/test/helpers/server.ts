import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

/**
 * A loopback HTTP mirror (node:http on 127.0.0.1, port 0) serving files under `root` at
 * `/<mode>/<path>`, where mode chooses the behaviour:
 * - `good`: the file, with Content-Length.
 * - `corrupt`: same length, one byte in the middle flipped.
 * - `truncated`: the first half of the file, with an honest Content-Length.
 * - `drop`: Content-Length of the whole file, half the body, then the connection is destroyed.
 * - `drop-once`: like `drop` on the first request for a path, then `good`.
 * - `stall`: headers and the first 1 KiB, then nothing (until the client gives up).
 * - `stall-headers`: nothing at all.
 * - `fail-once`: HTTP 503 on the first request for a path, then `good`.
 * - `trickle`: the file in 8 pieces, 60 ms apart (slow but alive).
 * Anything else, or a missing file, is a 404.
 */
export interface Mirror {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Requests per URL path. */
  readonly requests: Map<string, number>;
  close(): Promise<void>;
}

export async function startMirror(root: string): Promise<Mirror> {
  const requests = new Map<string, number>();
  const server = createServer(async (req, res: ServerResponse) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const count = (requests.get(path) ?? 0) + 1;
    requests.set(path, count);
    const [, mode, ...rest] = path.split('/');
    const relative = normalize(rest.join('/'));
    let data: Buffer;
    try {
      if (relative.startsWith('..')) throw new Error('outside root');
      data = await readFile(join(root, relative));
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    const headers = { 'content-type': 'application/octet-stream' };
    const half = data.subarray(0, data.length >> 1);
    switch (
      mode === 'drop-once'
        ? count === 1
          ? 'drop'
          : 'good'
        : mode === 'fail-once'
          ? count === 1
            ? 'fail'
            : 'good'
          : mode
    ) {
      case 'good':
        res.writeHead(200, { ...headers, 'content-length': data.length }).end(data);
        return;
      case 'corrupt': {
        const copy = Buffer.from(data);
        copy[copy.length >> 1]! ^= 0xff;
        res.writeHead(200, { ...headers, 'content-length': copy.length }).end(copy);
        return;
      }
      case 'truncated':
        res.writeHead(200, { ...headers, 'content-length': half.length }).end(half);
        return;
      case 'drop':
        res.writeHead(200, { ...headers, 'content-length': data.length });
        res.write(half, () => setTimeout(() => res.socket?.destroy(), 10));
        return;
      case 'stall':
        res.writeHead(200, { ...headers, 'content-length': data.length });
        res.write(data.subarray(0, 1024));
        return;
      case 'stall-headers':
        return;
      case 'trickle': {
        res.writeHead(200, { ...headers, 'content-length': data.length });
        const piece = Math.ceil(data.length / 8);
        let at = 0;
        const next = () => {
          res.write(data.subarray(at, at + piece));
          at += piece;
          if (at < data.length) setTimeout(next, 60);
          else res.end();
        };
        next();
        return;
      }
      case 'fail':
        res.writeHead(503).end('try again');
        return;
      default:
        res.writeHead(404).end('unknown mode');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
