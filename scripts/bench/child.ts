/**
 * A benchmark participant in its own process (so its CPU and memory are its own), reporting its
 * port, and its cpuUsage / memoryUsage on request, over IPC (probe.ts). Modes:
 *   upstream        raw node:http JSON-RPC MCP upstream (initialize, notifications, tools/call, GET SSE)
 *   stdio-upstream  the same answers as newline-delimited JSON-RPC on stdin/stdout, for mcp-proxy
 *                   (spawned by it, so no IPC)
 *   relay           bare node:http pass-through to TARGET_URL's origin (keep-alive agent, no logic)
 *   relay-undici    the same pass-through with undici's dispatcher toward the upstream (as Gatehouse's
 *                   upstream client): the request body read whole, the answer streamed
 *   fast            Gatehouse fast path (node adapter); env from the parent (database, Redis, keys)
 *   route           Gatehouse route handler (app/mcp/[publicId]/route.ts via a node:http wrapper)
 */
import { randomUUID } from "node:crypto";
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createInterface } from "node:readline";
import { Pool } from "undici";
import { type Listening, listen, startFastPath, startRouteHandlerPath } from "../lib/gatehouse";
import { installProbe } from "./probe";

const mode = process.argv[2];
let initializes = 0;
let calls = 0;

type Message = {
  id?: number | string;
  method?: string;
  params?: { protocolVersion?: string; arguments?: unknown };
};

/** The upstream's answer to a request after initialize (both transports give the same ones). */
function resultOf(message: Message): unknown {
  if (message.method === "tools/call") {
    calls += 1;
    return { content: [{ type: "text", text: JSON.stringify(message.params?.arguments ?? {}) }] };
  }
  if (message.method === "tools/list") return { tools: [{ name: "echo", inputSchema: { type: "object" } }] };
  return {};
}

function initializeResult(message: Message): unknown {
  initializes += 1;
  return {
    protocolVersion: message.params?.protocolVersion ?? "2025-11-25",
    capabilities: { tools: {} },
    serverInfo: { name: "bench-upstream", version: "1.0.0" },
  };
}

async function startUpstream(): Promise<Listening> {
  const sessions = new Set<string>();
  return listen((req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
      res.write(": open\n\n");
      return;
    }
    if (req.method === "DELETE") {
      sessions.delete(String(req.headers["mcp-session-id"]));
      res.writeHead(200).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const message = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Message;
      const sessionId = req.headers["mcp-session-id"];
      if (message.method === "initialize") {
        const id = randomUUID();
        sessions.add(id);
        res.writeHead(200, { "content-type": "application/json", "mcp-session-id": id });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: message.id, result: initializeResult(message) }));
        return;
      }
      if (typeof sessionId !== "string" || !sessions.has(sessionId)) {
        res
          .writeHead(404, { "content-type": "application/json" })
          .end('{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}');
        return;
      }
      if (message.id === undefined) {
        res.writeHead(202).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: message.id, result: resultOf(message) }));
    });
  });
}

/** stdio transport: one JSON-RPC message per line; notifications and responses get no answer. */
function startStdioUpstream(): void {
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    const message = JSON.parse(line) as Message;
    if (message.id === undefined || message.method === undefined) return;
    const result = message.method === "initialize" ? initializeResult(message) : resultOf(message);
    process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id: message.id, result })}\n`);
  });
  // The proxy closing our stdin is the stdio transport's way of ending the session.
  lines.on("close", () => process.exit(0));
}

async function startRelay(target: URL): Promise<Listening> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const streams = new Agent({ keepAlive: false });
  return listen((req, res) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: target.pathname,
        headers: { ...req.headers, host: target.host },
        agent: req.method === "GET" ? streams : agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (req.method === "GET") res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  });
}

/** The bare relay with undici's dispatcher toward the upstream: the request read whole, the answer streamed, no logic. */
async function startUndiciRelay(target: URL): Promise<Listening> {
  const pool = new Pool(target.origin, { connections: 256 });
  const streams = new Pool(target.origin);
  const send = (req: IncomingMessage, res: ServerResponse, body: Buffer | null) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined && name !== "host" && name !== "connection" && name !== "keep-alive")
        headers[name] = value;
    (req.method === "GET" ? streams : pool).dispatch(
      {
        path: target.pathname,
        method: req.method === "GET" ? "GET" : req.method === "DELETE" ? "DELETE" : "POST",
        headers,
        body,
        ...(req.method === "GET" && { reset: true, bodyTimeout: 0 }),
      },
      {
        onConnect: () => undefined,
        onHeaders: (status, raw, resume) => {
          const answer: string[] = [];
          for (const field of raw) answer.push(field.toString("latin1"));
          res.writeHead(status, answer);
          if (req.method === "GET") res.flushHeaders();
          res.on("drain", resume);
          return true;
        },
        onData: (chunk) => res.write(chunk),
        onComplete: () => res.end(),
        onError: () => {
          if (!res.headersSent) res.writeHead(502).end();
          else res.destroy();
        },
      },
    );
  };
  return listen((req, res) => {
    if (req.method !== "POST") return send(req, res, null);
    // The request body is read whole and sent as one buffer: cheaper than streaming it through
    // undici for a JSON-RPC message of a few hundred bytes.
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => send(req, res, Buffer.concat(chunks)));
  });
}

async function main() {
  if (mode === "stdio-upstream") {
    startStdioUpstream();
    return;
  }
  const server =
    mode === "upstream"
      ? await startUpstream()
      : mode === "relay"
        ? await startRelay(new URL(process.env.TARGET_URL ?? ""))
        : mode === "relay-undici"
          ? await startUndiciRelay(new URL(process.env.TARGET_URL ?? ""))
          : mode === "fast"
            ? await startFastPath()
            : await startRouteHandlerPath();
  installProbe(
    () => ({ initializes, calls }),
    () => server.close(),
  );
  process.send?.({ port: server.port });
}

void main();
