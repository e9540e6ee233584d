import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type Child, nodeArgs, spawnChild } from "./children";
import { LOOPBACK, waitForPort } from "./ports";
import { PHASES, type Supervisor } from "./supervisor";

/**
 * The demo's upstream MCP servers: `@modelcontextprotocol/server-everything` over Streamable HTTP
 * on GATEHOUSE_DEMO_UPSTREAM_PORT and over legacy SSE on the port after it (the URLs the demo
 * seed stored, see demoUpstreamUrls). They must listen before the worker's first health check.
 */
const TRANSPORTS = [
  { name: "demo upstream (Streamable HTTP)", transport: "streamableHttp", portOffset: 0 },
  { name: "demo upstream (SSE)", transport: "sse", portOffset: 1 },
] as const;

export async function startDemoUpstreams(
  supervisor: Supervisor,
  options: { root: string; port: number; logsDir: string },
): Promise<Child[]> {
  const entry = createRequire(path.join(options.root, "package.json")).resolve(
    "@modelcontextprotocol/server-everything/dist/index.js",
  );
  const preload = pathToFileURL(path.join(import.meta.dirname, "loopback-only.mjs")).href;
  const children = TRANSPORTS.map((upstream) =>
    spawnChild(supervisor, {
      name: upstream.name,
      command: process.execPath,
      args: nodeArgs(entry, [upstream.transport], [preload]),
      cwd: options.root,
      // Only what it needs: the reference server has a tool that returns its whole environment.
      env: { NODE_ENV: "production", PORT: String(options.port + upstream.portOffset) },
      phase: PHASES.upstreams,
      logFile: path.join(options.logsDir, `demo-upstream-${upstream.transport}.log`),
      stopTimeoutMs: 5_000,
    }),
  );
  await Promise.all(
    TRANSPORTS.map((upstream) => waitForPort(options.port + upstream.portOffset, LOOPBACK, 30_000)),
  );
  return children;
}
