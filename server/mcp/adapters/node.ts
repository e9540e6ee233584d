import type { IncomingMessage, ServerResponse } from "node:http";
import { logger } from "../../logger";
import type { WholeBody } from "../body";
import { mcpHandler } from "../default-handler";
import type { McpHttpRequest, McpHttpResponse, StreamSink } from "../http-types";
import { errorBody } from "../jsonrpc";
import { MCP_PATH_PREFIX, PRM_PATH_PREFIX, RPC_ERROR } from "../protocol";
import { writeWithBackpressure } from "./backpressure";

/**
 * node:http adapter: the production fast path. The HTTP front (server/http/server.ts) hands MCP
 * paths here directly, after it has set the request id and resolved the client address (trusted
 * proxies only), skipping Next's per-request cost.
 */
export type NodeContext = { clientIp: string | null; requestId: string };

type Handler = (request: McpHttpRequest) => Promise<McpHttpResponse>;

/** The paths the fast path takes: connection URLs and their protected resource metadata. */
export function isMcpPath(pathname: string): boolean {
  return pathname.startsWith(MCP_PATH_PREFIX) || pathname.startsWith(PRM_PATH_PREFIX);
}

// A path of only these characters is already canonical: no dot segment, escape, backslash, query or
// fragment, so WHATWG parsing would return it unchanged (a leading "//" is excluded separately).
const CANONICAL_PATH = /^\/[A-Za-z0-9_\-/]*$/;

function splitUrl(raw: string): { path: string; search: string } {
  if (CANONICAL_PATH.test(raw) && raw[1] !== "/") return { path: raw, search: "" };
  // WHATWG parsing resolves dot segments ("/mcp/../mcp/x"), so the path is judged in canonical form.
  const url = new URL(raw, "http://gatehouse.invalid");
  return { path: url.pathname, search: url.search };
}

/** How long the unread rest of a refused body is read and discarded before the socket is cut. */
const LINGER_MS = 2_000;

/**
 * The body as an iterable whose early exit (a body over the limit) stops reading without destroying
 * the socket, so the 413 can still be written (see answerBeforeBody).
 */
function bodyOf(req: IncomingMessage): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const inner = req[Symbol.asyncIterator]();
      return {
        next: () => inner.next(),
        return: async () => {
          req.pause();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/**
 * An answer given before the request body was read (a 413 on a declared or counted size): it is sent
 * at once, in full (Content-Length), but the response is ended only once the rest of the body has
 * been read and discarded (memory stays flat), or after LINGER_MS, when the socket is cut. Ending it
 * at once makes Node close the connection under a client (or a load balancer) still writing, which
 * then fails with EPIPE/ECONNRESET before it has read the answer ("lingering close", RFC 9112 §9.6).
 */
async function answerBeforeBody(req: IncomingMessage, res: ServerResponse, body: string | Uint8Array | null) {
  const bytes = body === null ? Buffer.alloc(0) : typeof body === "string" ? Buffer.from(body) : body;
  res.setHeader("content-length", String(bytes.byteLength));
  res.write(bytes);
  const drained = await new Promise<boolean>((resolve) => {
    const cut = setTimeout(() => resolve(false), LINGER_MS);
    const done = () => {
      clearTimeout(cut);
      resolve(true);
    };
    req.once("end", done);
    req.once("close", done);
    req.removeAllListeners("data");
    req.on("data", () => undefined);
    req.resume();
  });
  res.end();
  if (!drained) req.socket.destroy();
}

/**
 * `iterable`, which can also be read whole with plain stream events (body.ts WholeBody). Over the
 * limit, reading stops the way `iterable`'s early exit stops it.
 */
function wholeBody(req: IncomingMessage, iterable: AsyncIterable<Uint8Array>): WholeBody {
  return {
    [Symbol.asyncIterator]: () => iterable[Symbol.asyncIterator](),
    readWhole: (limit) =>
      new Promise((resolve, reject) => {
        const chunks: Uint8Array[] = [];
        let total = 0;
        const stop = () => {
          req.off("data", onData);
          req.off("end", onEnd);
          req.off("error", onBroken);
          req.off("close", onBroken);
        };
        const onData = (chunk: Buffer) => {
          total += chunk.byteLength;
          if (total <= limit) {
            chunks.push(chunk);
            return;
          }
          stop();
          void iterable[Symbol.asyncIterator]().return?.();
          resolve("too_large");
        };
        const onEnd = () => {
          stop();
          resolve(chunks);
        };
        const onBroken = () => {
          stop();
          reject(new Error("the request body broke off"));
        };
        req.on("data", onData);
        req.once("end", onEnd);
        req.once("error", onBroken);
        req.once("close", onBroken);
      }),
  };
}

function sinkFor(res: ServerResponse, signal: AbortSignal): StreamSink {
  return {
    get isClosed() {
      return signal.aborted || res.writableEnded;
    },
    signal,
    write(chunk) {
      if (signal.aborted || res.writableEnded) return Promise.resolve();
      return writeWithBackpressure(res, chunk);
    },
  };
}

export async function serveMcpNode(
  req: IncomingMessage,
  res: ServerResponse,
  context: NodeContext,
  handler: Handler = mcpHandler(),
): Promise<void> {
  // The signal is made on first use: a plain JSON exchange never looks at it.
  let abort: AbortController | undefined;
  let isGone = false;
  const signal = () => {
    if (abort === undefined) {
      abort = new AbortController();
      if (isGone) abort.abort();
    }
    return abort.signal;
  };
  res.once("close", () => {
    if (res.writableFinished) return;
    isGone = true;
    abort?.abort();
  });
  const declared = req.headers["content-length"];
  const contentLength = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
  let response: McpHttpResponse;
  try {
    const { path, search } = splitUrl(req.url ?? "/");
    response = await handler({
      method: (req.method ?? "GET").toUpperCase(),
      path,
      search,
      header: (name) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(", ") : value;
      },
      contentLength,
      body: wholeBody(req, bodyOf(req)),
      clientIp: context.clientIp,
      requestId: context.requestId,
      get signal() {
        return signal();
      },
    });
  } catch (error) {
    logger()
      .child({ component: "mcp" })
      .error({ err: error, requestId: context.requestId }, "MCP handler failed");
    response = {
      status: 500,
      headers: { "content-type": "application/json", "cache-control": "no-store" },
      body: errorBody(
        null,
        RPC_ERROR.INTERNAL_ERROR,
        "Something went wrong on our side. The error has been logged.",
      ),
    };
  }
  if (res.destroyed) return;
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  const body = response.body;
  if (typeof body !== "function") {
    if (req.method === "POST" && !req.complete) await answerBeforeBody(req, res, body ?? null);
    else res.end(body ?? undefined);
    return;
  }
  // SSE: headers go out at once, or an idle stream leaves the client waiting (ENVIRONMENT.md).
  res.flushHeaders();
  try {
    await body(sinkFor(res, signal()));
  } catch (error) {
    logger()
      .child({ component: "mcp" })
      .error({ err: error, requestId: context.requestId }, "MCP stream failed");
  } finally {
    if (!res.writableEnded) res.end();
  }
}
