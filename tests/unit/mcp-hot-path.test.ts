import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveMcpNode } from "@/server/mcp/adapters/node";
import { uuidv7 } from "@/server/mcp/audit";
import { readBody } from "@/server/mcp/body";
import type { McpHttpRequest } from "@/server/mcp/http-types";
import { acceptsPostResponses } from "@/server/mcp/request-checks";
import { type AbortLike, Cancellation } from "@/server/mcp/upstream/cancellation";
import {
  DEFAULT_UPSTREAM_LIMITS,
  type DialTarget,
  MAX_QUEUED_PER_ORIGIN,
  pinnedTarget,
  readAll,
  release,
  resolveDialTarget,
  UpstreamFailure,
  upstreamRequest,
} from "@/server/mcp/upstream/http-client";

/** Pieces of the proxy's per-call path that were made cheaper; each must keep its behaviour. */

describe("uuidv7 (audit event ids)", () => {
  it("is a time-ordered version 7 UUID, unique across many calls", () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5);
    const ids = Array.from({ length: 2000 }, () => uuidv7(now));
    for (const id of ids.slice(0, 5))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Number.parseInt(ids[0]?.replaceAll("-", "").slice(0, 12) ?? "", 16)).toBe(now);
    expect(uuidv7(now + 1) > uuidv7(now)).toBe(true);
  });
});

let server: Server;
let port: number;
const sockets = new Set<unknown>();
/** requests to /hang the server has received */
let hangingRequests = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    sockets.add(req.socket);
    const path = req.url ?? "/";
    req.resume();
    if (path === "/json") {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"jsonrpc":"2.0",');
      setTimeout(() => res.end('"id":1,"result":{}}'), 5);
    } else if (path === "/accepted") {
      res.writeHead(202).end();
    } else if (path === "/large") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("x".repeat(4096));
    } else if (path === "/hang") {
      // answers nothing: only an abort or a timeout ends the request
      hangingRequests++;
    } else if (path === "/silent") {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("{");
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function target(path: string): DialTarget {
  return { url: new URL(`http://127.0.0.1:${port}${path}`), address: "127.0.0.1", family: 4 };
}

function post(path: string, limits = DEFAULT_UPSTREAM_LIMITS) {
  return upstreamRequest({ target: target(path), method: "POST", headers: {}, body: "{}", limits });
}

describe("upstream answers", () => {
  it("reads a JSON answer that arrives in several chunks", async () => {
    const response = await post("/json");
    expect(await readAll(response.body)).toBe('{"jsonrpc":"2.0","id":1,"result":{}}');
  });

  it("refuses an answer over the byte cap", async () => {
    const response = await post("/large", { ...DEFAULT_UPSTREAM_LIMITS, maxMessageBytes: 1000 });
    const failure = await readAll(response.body).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamFailure);
    expect((failure as UpstreamFailure).kind).toBe("too_large");
  });

  it("gives up on an answer that goes silent", async () => {
    const response = await post("/silent", { ...DEFAULT_UPSTREAM_LIMITS, idleTimeoutMs: 50 });
    const failure = await readAll(response.body).catch((error: unknown) => error);
    expect((failure as UpstreamFailure).kind).toBe("timeout");
  });

  it("streams the same bytes when iterated", async () => {
    const response = await post("/json");
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString("utf8")).toBe('{"jsonrpc":"2.0","id":1,"result":{}}');
  });

  it("release keeps the keep-alive socket of an unwanted answer; destroying an unfinished one does not", async () => {
    // One released answer first, so that the pool's choice among connections earlier tests left
    // open is made; every released answer after it leaves the same connection idle for the next.
    release(await post("/accepted"));
    await new Promise((resolve) => setTimeout(resolve, 10));
    sockets.clear();
    for (let i = 0; i < 3; i++) {
      const response = await post("/accepted");
      expect(response.status).toBe(202);
      release(response);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(sockets.size).toBe(1);
    sockets.clear();
    // An answer dropped before its body has ended takes its connection with it.
    for (let i = 0; i < 2; i++) {
      const response = await post("/silent");
      response.destroy();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(sockets.size).toBe(2);
  });
});

describe("cancelling an upstream request", () => {
  it("a Cancellation runs each listener once, in order, and none added or removed before it fires", () => {
    const cancel = new Cancellation();
    const calls: string[] = [];
    const removed = () => calls.push("removed");
    cancel.addEventListener("abort", () => calls.push("first"));
    cancel.addEventListener("abort", removed);
    cancel.addEventListener("abort", () => calls.push("second"));
    cancel.removeEventListener("abort", removed);
    cancel.abort();
    cancel.abort();
    cancel.addEventListener("abort", () => calls.push("late"));
    expect(calls).toEqual(["first", "second"]);
    expect(cancel.aborted).toBe(true);
  });

  /** How a POST to `path` ends when `signal` is aborted 20 ms in (or was before it started). */
  function abortedPost(path: string, signal: AbortLike, abort: () => void): Promise<unknown> {
    const pending = upstreamRequest({
      target: target(path),
      method: "POST",
      headers: {},
      body: "{}",
      limits: DEFAULT_UPSTREAM_LIMITS,
      signal,
    });
    setTimeout(abort, 20);
    return pending.catch((error: unknown) => error);
  }

  it("abandons a request in flight, and refuses to start one already cancelled", async () => {
    const cancel = new Cancellation();
    const failure = await abortedPost("/hang", cancel, () => cancel.abort());
    expect(failure).toBeInstanceOf(UpstreamFailure);
    expect((failure as UpstreamFailure).message).toMatch(/abandoned/);
    const late = await abortedPost("/json", cancel, () => undefined);
    expect((late as UpstreamFailure).message).toMatch(/abandoned/);
  });

  it("takes an AbortSignal as well (GET streams pass the client's)", async () => {
    const abort = new AbortController();
    const failure = await abortedPost("/hang", abort.signal, () => abort.abort());
    expect((failure as UpstreamFailure).kind).toBe("unreachable");
  });
});

describe("an upstream whose connections are all busy", () => {
  it("lets a request wait for a connection only as long as for an answer, and holds at most the queue's cap", async () => {
    // A connect timeout no other test uses: a pool of its own.
    const limits = { ...DEFAULT_UPSTREAM_LIMITS, connectTimeoutMs: 4_321 };
    const busy = new Cancellation();
    const send = (headersTimeoutMs = limits.headersTimeoutMs) =>
      upstreamRequest({
        target: target("/hang"),
        method: "POST",
        headers: {},
        body: "{}",
        limits: { ...limits, headersTimeoutMs },
        signal: busy,
      }).then(
        () => new UpstreamFailure("protocol", "answered, though the upstream never answers"),
        (error: unknown) => error as UpstreamFailure,
      );
    const before = hangingRequests;
    const inFlight = Array.from({ length: 256 }, () => send());
    for (let tries = 0; hangingRequests - before < 256 && tries < 500; tries++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(hangingRequests - before).toBe(256);

    // The 257th waits for a connection, and gives up after its headers timeout, not 256 × it.
    const waited = await send(200);
    expect(waited.kind).toBe("timeout");
    expect(waited.message).toMatch(/busy: the request waited 200 ms for one of its 256 connections/);

    // The queue holds the cap (the request that gave up keeps its place until a connection frees),
    // and one more is refused at once, before anything is queued.
    const queued = Array.from({ length: MAX_QUEUED_PER_ORIGIN - 1 }, () => send());
    const refused = await send();
    expect(refused.kind).toBe("refused");
    expect(refused.message).toMatch(/busy: 256 requests are in progress and 1024 are waiting/);

    busy.abort();
    const ended = await Promise.all([...inFlight, ...queued]);
    expect(ended.every((failure) => failure.message.includes("abandoned"))).toBe(true);
  });
});

describe("Accept on POST (T7), judged once per value", () => {
  it("gives the same answer the first time and every time after", () => {
    const values: [string | undefined, boolean][] = [
      ["application/json, text/event-stream", true],
      ["text/event-stream;q=1, application/json;q=0.5", true],
      ["application/json;q=0, text/event-stream", false],
      ["application/json", false],
      ["*/*", false],
      [undefined, false],
    ];
    for (let round = 0; round < 3; round++)
      for (const [accept, expected] of values) expect(acceptsPostResponses(accept)).toBe(expected);
  });
});

describe("resolveDialTarget", () => {
  it("pins the connection to the checked address while TLS keeps the URL's host name", () => {
    expect(pinnedTarget(new URL("https://mcp.example.com/mcp"), "203.0.113.7")).toEqual({
      url: new URL("https://mcp.example.com/mcp"),
      address: "203.0.113.7",
      family: 4,
      servername: "mcp.example.com",
    });
    expect(pinnedTarget(new URL("https://[2001:db8::1]:8443/mcp"), "2001:db8::1")).not.toHaveProperty(
      "servername",
    );
    expect(pinnedTarget(new URL("http://mcp.example.com/mcp"), "203.0.113.7")).not.toHaveProperty(
      "servername",
    );
  });

  it("checks again under another policy object (a changed allow-list is never served from before)", async () => {
    const url = `http://127.0.0.1:${port}/mcp`;
    const allowing = { allowedHosts: [`127.0.0.1:${port}`] };
    expect((await resolveDialTarget(url, allowing)).address).toBe("127.0.0.1");
    expect((await resolveDialTarget(url, allowing)).address).toBe("127.0.0.1");
    await expect(resolveDialTarget(url, { allowedHosts: [] })).rejects.toBeInstanceOf(UpstreamFailure);
  });
});

describe("node adapter paths", () => {
  it("hands the handler the canonical path and the query, as WHATWG parsing gives them", async () => {
    const seen: { path: string; search: string }[] = [];
    const front = createServer((req, res) => {
      void serveMcpNode(
        req,
        res,
        { clientIp: null, requestId: "test-request" },
        async (request: McpHttpRequest) => {
          seen.push({ path: request.path, search: request.search });
          return { status: 204, headers: {}, body: null };
        },
      );
    });
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
    const frontPort = (front.address() as AddressInfo).port;
    const raws = [
      "/mcp/abc_DEF-1",
      "/mcp/../mcp/x",
      "/mcp/%2e%2e/y",
      "/mcp/z?token=1",
      "//evil/mcp/q",
      "/mcp//w",
    ];
    for (const raw of raws) {
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port: frontPort, path: raw, method: "GET" }, (res) => {
          res.resume();
          res.on("end", resolve);
        });
        req.on("error", reject);
        req.end();
      });
    }
    front.closeAllConnections();
    await new Promise((resolve) => front.close(resolve));
    expect(seen).toEqual(
      raws.map((raw) => {
        const url = new URL(raw, "http://gatehouse.invalid");
        return { path: url.pathname, search: url.search };
      }),
    );
    expect(seen[0]).toEqual({ path: "/mcp/abc_DEF-1", search: "" });
    expect(seen[4]?.path).toBe("/mcp/q");
  });
});

describe("node adapter bodies", () => {
  it("reads a body whole, and stops at the limit when it is over", async () => {
    const front = createServer((req, res) => {
      void serveMcpNode(req, res, { clientIp: null, requestId: "test-request" }, async (request) => {
        const body = await readBody(request.body, request.contentLength, 1000);
        return { status: 200, headers: {}, body: JSON.stringify(body.ok ? { text: body.text } : body) };
      });
    });
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
    const frontPort = (front.address() as AddressInfo).port;
    const send = (chunks: string[], headers: Record<string, string> = {}) =>
      new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          { host: "127.0.0.1", port: frontPort, path: "/mcp/x", method: "POST", headers },
          (res) => {
            const parts: Buffer[] = [];
            res.on("data", (chunk: Buffer) => parts.push(chunk));
            res.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
          },
        );
        req.on("error", reject);
        for (const chunk of chunks) req.write(chunk);
        req.end();
      });
    expect(JSON.parse(await send(['{"a":', "1}"]))).toEqual({ text: '{"a":1}' });
    expect(JSON.parse(await send(["é".repeat(10)]))).toEqual({ text: "é".repeat(10) });
    expect(JSON.parse(await send(["x".repeat(600), "y".repeat(600)]))).toEqual({
      ok: false,
      reason: "too_large",
    });
    front.closeAllConnections();
    await new Promise((resolve) => front.close(resolve));
  });
});
