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
export type NodeContext = {
  clientIp: string | null;
  requestId: string;
  /** the request target split by the caller (splitRequestTarget), when it has done so already */
  target?: { path: string; search: string };
};

type Handler = (request: McpHttpRequest) => Promise<McpHttpResponse>;

/** The paths the fast path takes: connection URLs and their protected resource metadata. */
export function isMcpPath(pathname: string): boolean {
  return pathname.startsWith(MCP_PATH_PREFIX) || pathname.startsWith(PRM_PATH_PREFIX);
}

// A path of only these characters is already canonical: no dot segment, escape, backslash, query or
// fragment, so WHATWG parsing would return it unchanged (a leading "//" is excluded separately).
const CANONICAL_PATH = /^\/[A-Za-z0-9_\-/]*$/;

/** A request target's path, in canonical form, and its query ("" when none). */
export function splitRequestTarget(raw: string): { path: string; search: string } {
  if (CANONICAL_PATH.test(raw) && raw[1] !== "/") return { path: raw, search: "" };
  // WHATWG parsing resolves dot segments ("/mcp/../mcp/x"), so the path is judged in canonical form.
  // A target it cannot parse has no path the handler serves (it answers 404).
  try {
    const url = new URL(raw, "http://gatehouse.invalid");
    return { path: url.pathname, search: url.search };
  } catch {
    return { path: "", search: "" };
  }
}

/** How long the unread rest of a refused body is read and discarded before the socket is cut. */
const LINGER_MS = 2_000;

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
 * The request as the handler sees it (http-types.ts). A class, so that what the handler calls
 * (header, the signal, the body) is made once per process and not as closures per request.
 */
class NodeMcpRequest implements McpHttpRequest, WholeBody {
  readonly method: string;
  readonly path: string;
  readonly search: string;
  readonly contentLength: number | undefined;
  readonly clientIp: string | null;
  readonly requestId: string;
  /** made on first use: a plain JSON exchange never looks at it */
  private abort: AbortController | undefined;
  private isGone = false;

  constructor(
    private readonly req: IncomingMessage,
    context: NodeContext,
  ) {
    const { path, search } = context.target ?? splitRequestTarget(req.url ?? "/");
    this.method = (req.method ?? "GET").toUpperCase();
    this.path = path;
    this.search = search;
    const declared = req.headers["content-length"];
    this.contentLength = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
    this.clientIp = context.clientIp;
    this.requestId = context.requestId;
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  }

  get signal(): AbortSignal {
    if (this.abort === undefined) {
      this.abort = new AbortController();
      if (this.isGone) this.abort.abort();
    }
    return this.abort.signal;
  }

  /** The client went away before the response was complete. */
  gone(): void {
    this.isGone = true;
    this.abort?.abort();
  }

  get body(): WholeBody {
    return this;
  }

  /**
   * The body as chunks. An early exit (a body over the limit) stops reading without destroying the
   * socket, so the 413 can still be written (see answerBeforeBody).
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const { req } = this;
    const inner = req[Symbol.asyncIterator]();
    return {
      next: () => inner.next(),
      return: async () => {
        req.pause();
        return { done: true, value: undefined };
      },
    };
  }

  /** The body whole, with plain stream events (body.ts WholeBody); over the limit, reading stops as above. */
  readWhole(limit: number): Promise<Uint8Array[] | "too_large"> {
    return new Promise((resolve, reject) => {
      new WholeBodyReader(this.req, limit, resolve, reject).start();
    });
  }
}

/** Collects a request body under a limit (a class: its handlers are bound once per body, not made as closures). */
class WholeBodyReader {
  private readonly chunks: Uint8Array[] = [];
  private total = 0;
  private readonly onData = this.data.bind(this);
  private readonly onEnd = this.end.bind(this);
  private readonly onBroken = this.broken.bind(this);

  constructor(
    private readonly req: IncomingMessage,
    private readonly limit: number,
    private readonly resolve: (chunks: Uint8Array[] | "too_large") => void,
    private readonly reject: (error: Error) => void,
  ) {}

  start(): void {
    this.req.on("data", this.onData);
    this.req.once("end", this.onEnd);
    this.req.once("error", this.onBroken);
    this.req.once("close", this.onBroken);
  }

  private stop(): void {
    this.req.off("data", this.onData);
    this.req.off("end", this.onEnd);
    this.req.off("error", this.onBroken);
    this.req.off("close", this.onBroken);
  }

  private data(chunk: Buffer): void {
    this.total += chunk.byteLength;
    if (this.total <= this.limit) {
      this.chunks.push(chunk);
      return;
    }
    this.stop();
    this.req.pause();
    this.resolve("too_large");
  }

  private end(): void {
    this.stop();
    this.resolve(this.chunks);
  }

  private broken(): void {
    this.stop();
    this.reject(new Error("the request body broke off"));
  }
}

function sinkFor(res: ServerResponse, signal: AbortSignal): StreamSink {
  return {
    get isClosed() {
      return signal.aborted || res.writableEnded || res.destroyed;
    },
    signal,
    write(chunk) {
      if (signal.aborted || res.writableEnded || res.destroyed) return Promise.resolve();
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
  const request = new NodeMcpRequest(req, context);
  res.once("close", () => {
    if (!res.writableFinished) request.gone();
  });
  let response: McpHttpResponse;
  try {
    response = await handler(request);
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
  const body = response.body;
  if (res.destroyed) {
    // The agent went away while the answer was being prepared. A streamed answer still runs, into
    // a closed sink, so its upstream exchange is read to the end, released and audited (T16).
    if (typeof body === "function") await streamInto(res, body, request.signal, context.requestId);
    return;
  }
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (typeof body !== "function") {
    if (req.method === "POST" && !req.complete) await answerBeforeBody(req, res, body ?? null);
    else res.end(body ?? undefined);
    return;
  }
  // SSE: headers go out at once, or an idle stream leaves the client waiting (ENVIRONMENT.md).
  res.flushHeaders();
  await streamInto(res, body, request.signal, context.requestId);
}

async function streamInto(
  res: ServerResponse,
  body: (sink: StreamSink) => Promise<void>,
  signal: AbortSignal,
  requestId: string,
): Promise<void> {
  try {
    await body(sinkFor(res, signal));
  } catch (error) {
    logger().child({ component: "mcp" }).error({ err: error, requestId }, "MCP stream failed");
  } finally {
    if (!res.writableEnded && !res.destroyed) res.end();
  }
}
