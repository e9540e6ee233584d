import { createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { logger } from "@/server/logger";
import {
  createEgressResolver,
  type EgressProxy,
  type EgressProxyOptions,
  startEgressProxy,
} from "@/server/mcp/stdio/egress-proxy";

/**
 * The egress proxy of a stdio process (egress-proxy.ts) on its own, spoken to over its Unix socket
 * as the sandbox's bridge does: what an untrusted process or a hostile public server can do to it
 * must end that connection, never the gateway, and stay bounded.
 */

const dir = mkdtempSync(path.join(tmpdir(), "gatehouse-egress-test-"));
let upstream: Server;
let port: number;
/** What the fixture upstream answers, per request line's path. */
const ANSWERS: Record<string, string> = {
  "/status-0": "HTTP/1.1 000 Nothing\r\ncontent-length: 0\r\n\r\n",
  "/ok": "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello",
};

beforeAll(async () => {
  // A raw server, so it can send what no well-behaved HTTP server would.
  upstream = createTcpServer({ allowHalfOpen: true }, (socket: Socket) => {
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk;
      const line = received.split("\r\n")[0] ?? "";
      const target = line.split(" ")[1] ?? "";
      if (received.includes("\r\n\r\n")) socket.end(ANSWERS[target] ?? ANSWERS["/ok"] ?? "");
    });
    // A tunnelled client that half-closes after its request still gets its answer.
    socket.on("end", () => {
      if (received === "") socket.end();
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  port = (upstream.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => upstream.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const proxies: EgressProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

async function proxy(options: Partial<EgressProxyOptions> = {}): Promise<string> {
  const socketPath = path.join(dir, `p${proxies.length}-${Math.random().toString(36).slice(2)}.sock`);
  proxies.push(
    await startEgressProxy({
      socketPath,
      policy: async () => ({ allowedHosts: [`127.0.0.1:${port}`] }),
      log: logger().child({ component: "egress-test" }),
      ...options,
    }),
  );
  return socketPath;
}

function get(socketPath: string, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path: url }, (response) => {
      let body = "";
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end();
  });
}

/** CONNECT, then (when it opened) a request written and half-closed; what came back. */
function tunnel(socketPath: string, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: "CONNECT", path: target });
    req.on("connect", (response, socket, head) => {
      let body = head.toString();
      socket.on("data", (chunk) => {
        body += chunk;
      });
      socket.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      if (response.statusCode === 200) socket.end("GET /ok HTTP/1.1\r\nhost: x\r\n\r\n");
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the egress proxy", () => {
  it("answers 502 to an upstream status Node's server cannot write, and keeps serving", async () => {
    const socketPath = await proxy();
    const bad = await get(socketPath, `http://127.0.0.1:${port}/status-0`);
    expect(bad.status).toBe(502);
    expect(bad.body).toContain("an invalid status");
    expect(await get(socketPath, `http://127.0.0.1:${port}/ok`)).toEqual({ status: 200, body: "hello" });
  });

  it("passes the answer back to a tunnel client that half-closed after its request", async () => {
    const socketPath = await proxy();
    const answer = await tunnel(socketPath, `127.0.0.1:${port}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("hello");
  });

  it("bounds the checks in flight: past them, 503 at once, not more waiting work", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const socketPath = await proxy({
      maxPendingChecks: 2,
      policy: async () => {
        await held;
        return { allowedHosts: [`127.0.0.1:${port}`] };
      },
    });
    const waiting = [tunnel(socketPath, `127.0.0.1:${port}`), tunnel(socketPath, `127.0.0.1:${port}`)];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const third = await tunnel(socketPath, `127.0.0.1:${port}`);
    expect(third.status).toBe(503);
    expect(third.body).toContain("too many connections are being opened at once");
    release();
    for (const answer of await Promise.all(waiting)) expect(answer.status).toBe(200);
  });

  it("bounds the upstream connections open at once", async () => {
    const socketPath = await proxy({ maxUpstreams: 1 });
    // A tunnel held open (no request sent yet) holds its upstream socket.
    const first = await new Promise<Socket>((resolve, reject) => {
      const req = request({ socketPath, method: "CONNECT", path: `127.0.0.1:${port}` });
      req.on("connect", (_response, socket) => resolve(socket as Socket));
      req.on("error", reject);
      req.end();
    });
    const second = await tunnel(socketPath, `127.0.0.1:${port}`);
    expect(second.status).toBe(503);
    expect(second.body).toContain("at most 1 connections may be open at once");
    first.destroy();
  });

  it("refuses what the guard refuses, and malformed targets, with a reason", async () => {
    const refusals: string[] = [];
    const socketPath = await proxy({ onRefused: (refusal) => refusals.push(refusal.target) });
    const metadata = await tunnel(socketPath, "169.254.169.254:80");
    expect(metadata.status).toBe(403);
    expect(metadata.body).toContain("link-local");
    expect((await tunnel(socketPath, "user@127.0.0.1:80")).status).toBe(400);
    expect((await tunnel(socketPath, "127.0.0.1")).status).toBe(400);
    expect((await get(socketPath, "/relative")).status).toBe(400);
    expect((await get(socketPath, "https://example.com/")).status).toBe(400);
    expect(refusals).toEqual(["169.254.169.254:80"]);
  });

  it("resolves names with c-ares: a name server that never answers holds none of the gateway's threads", async () => {
    // A name server that takes every query and answers none, counting them by name.
    const queries = new Map<string, number>();
    const silent = createSocket("udp4");
    silent.on("message", (message) => {
      const name = questionName(message);
      queries.set(name, (queries.get(name) ?? 0) + 1);
    });
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    try {
      const resolver = createEgressResolver({
        servers: [`127.0.0.1:${silent.address().port}`],
        timeoutMs: 1_500,
        tries: 1,
      });
      const socketPath = await proxy({ resolver, maxPendingChecks: 8 });
      const order: string[] = [];
      // More hanging names than libuv's thread pool has threads (4): with getaddrinfo, the
      // gateway's own lookup below would wait for them.
      const hanging = Array.from({ length: 8 }, (_, index) =>
        tunnel(socketPath, `hang-${index}.example.test:443`).then((answer) => {
          order.push("tunnel");
          return answer;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      await lookup("localhost").then(() => order.push("gateway lookup"));
      const answers = await Promise.all(hanging);
      expect(order[0]).toBe("gateway lookup");
      for (const answer of answers) {
        expect(answer.status).toBe(403);
        expect(answer.body).toContain("does not resolve");
      }
      expect(queries.get("hang-0.example.test")).toBeGreaterThan(0);
      // A name that did not resolve is not asked again at once.
      const asked = queries.get("hang-0.example.test");
      expect((await tunnel(socketPath, "hang-0.example.test:443")).status).toBe(403);
      expect(queries.get("hang-0.example.test")).toBe(asked);
      // localhost is loopback by definition, refused as such without a query.
      const local = await tunnel(socketPath, "localhost:6379");
      expect(local.body).toContain("localhost resolves to a loopback address");
      expect(queries.has("localhost")).toBe(false);
    } finally {
      silent.close();
    }
  });
});

/** The first question's name of a DNS query (RFC 1035 4.1.2: labels after the 12-byte header). */
function questionName(message: Buffer): string {
  const labels: string[] = [];
  let offset = 12;
  while (offset < message.length && message[offset] !== 0) {
    const length = message[offset] as number;
    labels.push(message.subarray(offset + 1, offset + 1 + length).toString("ascii"));
    offset += length + 1;
  }
  return labels.join(".");
}
