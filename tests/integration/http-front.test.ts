import { request } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAGE_PATH_HEADER } from "@/server/auth/local-path";
import { env } from "@/server/env";
import { type GatehouseServer, MAX_PAGE_BODY_BYTES, startGatehouseServer } from "@/server/http/server";
import { RELAYED_HEADER } from "@/server/ops/metrics";

/**
 * What the HTTP front does before the page server sees a request: it refuses page and API request
 * bodies it would have to hold whole (Next and Auth.js read them before any check, even on sign-in)
 * when they are declared too large or undeclared (chunked), and it marks a request whose (untrusted)
 * peer relayed it for someone else, after stripping the forwarding headers themselves.
 */

let front: GatehouseServer;
const reachedPages: string[] = [];
/** the relay mark each request reached the pages with */
const relayMarks: (string | undefined)[] = [];
/** the page path each request reached the pages with */
const pagePaths: (string | undefined)[] = [];

beforeAll(async () => {
  front = await startGatehouseServer(
    { ...env(), PORT: 0, HOST: "127.0.0.1" },
    {
      dev: false,
      dir: path.resolve(import.meta.dirname, "../.."),
      pages: {
        prepare: async () => undefined,
        getRequestHandler: () => async (req, res) => {
          reachedPages.push(`${req.method} ${req.url}`);
          relayMarks.push(req.headers[RELAYED_HEADER] as string | undefined);
          pagePaths.push(req.headers[PAGE_PATH_HEADER] as string | undefined);
          req.resume();
          req.on("end", () => res.writeHead(204).end());
        },
      },
    },
  );
});

afterAll(async () => {
  const closing = front.close();
  front.server.closeAllConnections();
  await closing;
});

/** Sends the headers (and `body`, if any) of a POST and resolves with the answer. */
function post(
  pathname: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const sent = request(`${front.url}${pathname}`, { method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, json: text === "" ? null : JSON.parse(text) });
      });
    });
    sent.on("error", reject);
    if (body !== undefined) sent.end(body);
    else sent.flushHeaders();
  });
}

describe("request bodies of pages and APIs", () => {
  it("refuses one declared over the cap with 413, without reading it or reaching the pages", async () => {
    const answer = await post("/api/auth/callback/credentials", {
      "content-type": "application/json",
      "content-length": String(MAX_PAGE_BODY_BYTES + 1),
    });
    expect(answer).toEqual({
      status: 413,
      json: { error: { code: "PAYLOAD_TOO_LARGE", message: "The request body is over 1 MiB." } },
    });
    expect(reachedPages).toEqual([]);
  });

  it("refuses a chunked one (its size unknown until read) with 411", async () => {
    const answer = await post("/api/trpc/servers.create", { "transfer-encoding": "chunked" }, "{}");
    expect(answer.status).toBe(411);
    expect(answer.json).toMatchObject({ error: { code: "LENGTH_REQUIRED" } });
    expect(reachedPages).toEqual([]);
  });

  it("passes one within the cap to the pages", async () => {
    const body = JSON.stringify({ text: "x".repeat(1000) });
    const answer = await post(
      "/api/trpc/servers.create",
      {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
      },
      body,
    );
    expect(answer.status).toBe(204);
    expect(reachedPages).toEqual(["POST /api/trpc/servers.create"]);
  });
});

describe("requests relayed by a peer that is not a trusted proxy", () => {
  it("reach the pages without their X-Forwarded-* headers but marked as relayed; a client's own mark is dropped", async () => {
    const get = async (headers: Record<string, string>) => {
      const response = await fetch(`${front.url}/api/metrics`, { headers });
      await response.arrayBuffer();
      return relayMarks.at(-1);
    };
    expect(await get({})).toBeUndefined();
    expect(await get({ [RELAYED_HEADER]: "0" })).toBeUndefined();
    expect(await get({ "x-forwarded-for": "198.51.100.7" })).toBe("1");
    expect(await get({ "x-forwarded-proto": "https" })).toBe("1");
  });
});

describe("the page a request asked for", () => {
  it("reaches the pages as the front read it (for sign-in to come back to), whatever the client sent", async () => {
    const response = await fetch(`${front.url}/catalog/weather?tab=tools`, {
      headers: { [PAGE_PATH_HEADER]: "//evil.example" },
    });
    await response.arrayBuffer();
    expect(pagePaths.at(-1)).toBe("/catalog/weather?tab=tools");
  });
});
