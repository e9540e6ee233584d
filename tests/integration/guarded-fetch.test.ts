import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createGuardedFetch,
  OutboundRefusedError,
  ResponseTooLargeError,
} from "@/server/security/guarded-fetch";

/**
 * The fetch Gatehouse uses for URLs people and upstreams supply (discovery, health checks, imports):
 * redirects never carry the caller's credentials or body to another origin, the caller's redirect
 * mode is honoured (the MCP SDK asks for "manual" to follow same-origin redirects only), a shared
 * signal ends everything, and bodies are capped while they are read.
 */

type Seen = { url: string; method: string; authorization: string | undefined; body: string };

function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; origin: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      seen.push({
        url: req.url ?? "",
        method: req.method ?? "",
        authorization: req.headers.authorization,
        body,
      });
      handler(req, res);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }),
    ),
  );
}

let other: Awaited<ReturnType<typeof listen>>;
let upstream: Awaited<ReturnType<typeof listen>>;
let fetch: ReturnType<typeof createGuardedFetch>;

beforeAll(async () => {
  other = await listen((_req, res) => res.end("elsewhere"));
  upstream = await listen((req, res) => {
    if (req.url === "/away") res.writeHead(302, { location: `${other.origin}/landing` }).end();
    else if (req.url === "/away-keep-body") res.writeHead(307, { location: `${other.origin}/landing` }).end();
    else if (req.url === "/metadata")
      res.writeHead(307, { location: "http://169.254.169.254/latest/meta-data/" }).end();
    else if (req.url === "/here") res.writeHead(307, { location: "/final" }).end();
    else if (req.url === "/big") {
      // chunked: no length declared, so only reading finds out
      res.write("x".repeat(2048));
      res.end("x".repeat(2048));
    } else if (req.url === "/declared-big") res.writeHead(200, { "content-length": "999999" }).end("x");
    else if (req.url === "/trickle") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const timer = setInterval(() => res.write(": ping\n\n"), 50);
      res.once("close", () => clearInterval(timer));
    } else res.end(`at ${req.url}`);
  });
  fetch = createGuardedFetch({ allowedHosts: [new URL(upstream.origin).host, new URL(other.origin).host] });
});

afterAll(() => {
  upstream.server.closeAllConnections();
  upstream.server.close();
  other.server.close();
});

describe("guarded fetch", () => {
  it("follows a redirect to another origin without the caller's headers", async () => {
    const response = await fetch(`${upstream.origin}/away`, {
      headers: { authorization: "Bearer vendor-key" },
    });
    expect(await response.text()).toBe("elsewhere");
    expect(upstream.seen.at(-1)?.authorization).toBe("Bearer vendor-key");
    expect(other.seen.at(-1)).toMatchObject({ url: "/landing", authorization: undefined });
  });

  it("checks every hop: a redirect to the metadata service is refused", async () => {
    await expect(fetch(`${upstream.origin}/metadata`)).rejects.toThrow(
      /169\.254\.169\.254, a link-local address/,
    );
  });

  it("keeps the headers on a same-origin redirect, and refuses to re-send a body to another origin", async () => {
    const same = await fetch(`${upstream.origin}/here`, { headers: { authorization: "Bearer vendor-key" } });
    expect(await same.text()).toBe("at /final");
    expect(upstream.seen.at(-1)).toMatchObject({ url: "/final", authorization: "Bearer vendor-key" });
    const before = other.seen.length;
    await expect(
      fetch(`${upstream.origin}/away-keep-body`, { method: "POST", body: '{"secret":1}' }),
    ).rejects.toBeInstanceOf(OutboundRefusedError);
    expect(other.seen.length).toBe(before);
  });

  it('returns a redirect as it is when asked for "manual", and refuses one for "error"', async () => {
    const before = other.seen.length;
    const manual = await fetch(`${upstream.origin}/away`, { redirect: "manual" });
    expect(manual.status).toBe(302);
    await expect(fetch(`${upstream.origin}/away`, { redirect: "error" })).rejects.toBeInstanceOf(
      OutboundRefusedError,
    );
    expect(other.seen.length).toBe(before);
  });

  it("caps a body while it is read, and refuses a larger declared length at once", async () => {
    const capped = createGuardedFetch(
      { allowedHosts: [new URL(upstream.origin).host] },
      { maxResponseBytes: 1024 },
    );
    await expect((await capped(`${upstream.origin}/big`)).text()).rejects.toBeInstanceOf(
      ResponseTooLargeError,
    );
    await expect(capped(`${upstream.origin}/declared-big`)).rejects.toBeInstanceOf(ResponseTooLargeError);
    expect(await (await capped(`${upstream.origin}/small`)).text()).toBe("at /small");
  });

  it("ends a stream that only trickles once the shared signal fires", async () => {
    const deadline = new AbortController();
    const bounded = createGuardedFetch(
      { allowedHosts: [new URL(upstream.origin).host] },
      { signal: deadline.signal },
    );
    const response = await bounded(`${upstream.origin}/trickle`);
    setTimeout(() => deadline.abort(new Error("deadline")), 200);
    const started = Date.now();
    await expect(response.text()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
