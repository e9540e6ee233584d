import { randomUUID } from "node:crypto";
import { logger } from "../../logger";
import { mcpHandler } from "../default-handler";
import type { McpHttpRequest, McpHttpResponse, StreamSink } from "../http-types";
import { errorBody } from "../jsonrpc";
import { RPC_ERROR } from "../protocol";

/**
 * Web adapter (Request → Response): what the Next route handlers export, so `next dev` and any
 * platform serve the same endpoint. The client address comes from x-gatehouse-client-ip, which the
 * HTTP front sets (and strips from clients); behind another server, that server must do the same.
 */
type Handler = (request: McpHttpRequest) => Promise<McpHttpResponse>;

const EMPTY: AsyncIterable<Uint8Array> = {
  async *[Symbol.asyncIterator]() {
    // no body
  },
};

function iterate(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      const reader = stream.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        // Stopping early (a body over the limit) cancels the upload.
        void reader.cancel().catch(() => undefined);
      }
    },
  };
}

function streamBody(
  run: (sink: StreamSink) => Promise<void>,
  abort: AbortController,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  // Every writer waiting for the consumer (an event and a keep-alive may wait at the same time).
  const waiting: (() => void)[] = [];
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const wakeUp = () => {
    for (const resume of waiting.splice(0)) resume();
  };
  abort.signal.addEventListener("abort", wakeUp, { once: true });
  const sink: StreamSink = {
    get isClosed() {
      return abort.signal.aborted;
    },
    signal: abort.signal,
    async write(chunk) {
      if (abort.signal.aborted) return;
      try {
        controller.enqueue(encoder.encode(chunk));
      } catch {
        return; // the stream was cancelled in the meantime
      }
      // Backpressure: wait until the consumer pulls again (or goes away).
      if ((controller.desiredSize ?? 1) <= 0 && !abort.signal.aborted)
        await new Promise<void>((resolve) => waiting.push(resolve));
    },
  };
  return new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
        void run(sink)
          .catch((error: unknown) =>
            logger().child({ component: "mcp" }).error({ err: error }, "MCP stream failed"),
          )
          .finally(() => {
            try {
              controller.close();
            } catch {
              // already cancelled
            }
          });
      },
      pull() {
        wakeUp();
      },
      cancel() {
        abort.abort();
      },
    },
    { highWaterMark: 8 },
  );
}

export async function serveMcpWeb(request: Request, handler: Handler = mcpHandler()): Promise<Response> {
  const url = new URL(request.url);
  const abort = new AbortController();
  request.signal?.addEventListener("abort", () => abort.abort(), { once: true });
  const declared = request.headers.get("content-length");
  let response: McpHttpResponse;
  try {
    response = await handler({
      method: request.method.toUpperCase(),
      path: url.pathname,
      search: url.search,
      header: (name) => request.headers.get(name) ?? undefined,
      contentLength: declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined,
      body: request.body ? iterate(request.body) : EMPTY,
      clientIp: request.headers.get("x-gatehouse-client-ip"),
      requestId: request.headers.get("x-request-id") ?? randomUUID(),
      signal: abort.signal,
    });
  } catch (error) {
    logger().child({ component: "mcp" }).error({ err: error }, "MCP handler failed");
    return new Response(
      errorBody(
        null,
        RPC_ERROR.INTERNAL_ERROR,
        "Something went wrong on our side. The error has been logged.",
      ),
      {
        status: 500,
        headers: { "content-type": "application/json", "cache-control": "no-store" },
      },
    );
  }
  const body = response.body;
  return new Response(typeof body === "function" ? streamBody(body, abort) : body, {
    status: response.status,
    headers: response.headers,
  });
}
