import type { ServerResponse } from "node:http";

/**
 * Writes `chunk`; resolves once the socket takes more (backpressure), or at once when the client has
 * gone away (a relay keeps reading its upstream without its client).
 */
export function writeWithBackpressure(res: ServerResponse, chunk: string | Uint8Array): Promise<void> {
  if (res.write(chunk)) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}
