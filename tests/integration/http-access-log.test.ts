import path from "node:path";
import type { Logger } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { env } from "@/server/env";
import { type GatehouseServer, startGatehouseServer } from "@/server/http/server";
import { logger } from "@/server/logger";
import { NO_PAGES } from "@/tests/fixtures/mcp-gateway";

/**
 * The front's access log: one line per request at info, except what would drown it. Health checks,
 * metrics scrapes and static files, and MCP exchanges that succeed (each one is in the audit log
 * already, and an agent makes many) go to debug; anything that fails is logged at info.
 */

/** well-formed (43 base64url characters); no connection has it */
const PUBLIC_ID = "c".repeat(43);

type Line = { level: "info" | "debug"; path: string; status: number };
const lines: Line[] = [];
let front: GatehouseServer;

beforeAll(async () => {
  const http = {
    info: (fields: { path: string; status: number }) => lines.push({ level: "info", ...fields }),
    debug: (fields: { path: string; status: number }) => lines.push({ level: "debug", ...fields }),
    warn: () => undefined,
    error: () => undefined,
    isLevelEnabled: () => true,
  };
  const root = logger();
  const child = root.child.bind(root);
  vi.spyOn(root, "child").mockImplementation(((bindings: { component?: string }) =>
    bindings.component === "http" ? (http as unknown as Logger) : child(bindings)) as Logger["child"]);
  front = await startGatehouseServer(
    { ...env(), PORT: 0, HOST: "127.0.0.1" },
    { dev: false, dir: path.resolve(import.meta.dirname, "../.."), pages: NO_PAGES },
  );
});

afterAll(async () => {
  vi.restoreAllMocks();
  const closing = front.close();
  front.server.closeAllConnections();
  await closing;
});

async function visit(pathname: string): Promise<Line | undefined> {
  const before = lines.length;
  const response = await fetch(`${front.url}${pathname}`);
  await response.arrayBuffer();
  for (let i = 0; i < 50 && lines.length === before; i++)
    await new Promise((resolve) => setTimeout(resolve, 5));
  return lines[before];
}

describe("access log levels", () => {
  it("logs an MCP exchange that succeeds at debug, and one that fails at info", async () => {
    const metadata = await visit(`/.well-known/oauth-protected-resource/mcp/${PUBLIC_ID}`);
    expect(metadata).toMatchObject({ level: "debug", status: 200 });
    const unauthenticated = await visit(`/mcp/${PUBLIC_ID}`);
    expect(unauthenticated?.level).toBe("info");
    expect(unauthenticated?.status).toBeGreaterThanOrEqual(400);
  });

  it("logs pages at info, and health checks only at debug", async () => {
    expect(await visit("/somewhere")).toMatchObject({ level: "info", path: "/somewhere", status: 404 });
    expect(await visit("/api/health")).toMatchObject({ level: "debug", path: "/api/health" });
  });
});
