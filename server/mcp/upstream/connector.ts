import { randomBytes } from "node:crypto";
import { logger } from "../../logger";
import { type Exchange, recordExchange } from "../context";
import {
  type JsonRpcMessage,
  type JsonRpcResponse,
  parseMessage,
  type RequestId,
  serialize,
  UPSTREAM_MAX_DEPTH,
} from "../jsonrpc";
import { isSupportedVersion, type ProtocolVersion } from "../protocol";
import { SseParser } from "../sse";
import type { AbortLike } from "./cancellation";
import {
  cachedDialTarget,
  type DialTarget,
  readAll,
  release,
  resolveDialTarget,
  UpstreamFailure,
  type UpstreamResponse,
  upstreamRequest,
  withBody,
} from "./http-client";

/**
 * The upstream side of one exchange: a streamable HTTP server reached with the connection's own
 * configuration. Outbound requests carry only what the gateway sets itself: the configured header
 * fields (the connection's upstream credential), Accept, Content-Type, the upstream's session id and
 * the version negotiated with the upstream (PROTOCOL T6, A8). Nothing the agent sent as a header
 * (Authorization, Cookie, X-Forwarded-*, Forwarded, Host, …) is ever copied.
 */
const USER_AGENT = "Gatehouse-MCP-Proxy/0.1";
const POST_ACCEPT = "application/json, text/event-stream";

export class UpstreamConnector {
  private dialing: Promise<DialTarget> | undefined;

  constructor(private readonly exchange: Exchange) {}

  private dial(): Promise<DialTarget> {
    const { deps, target } = this.exchange;
    this.dialing ??= Promise.resolve(this.exchange.outboundPolicy).then((policy) =>
      resolveDialTarget(target.url, policy, deps.resolver),
    );
    return this.dialing;
  }

  private headers(extra: Record<string, string>, withSession: boolean): Record<string, string> {
    const headers: Record<string, string> = { ...this.exchange.target.headers, "user-agent": USER_AGENT };
    const state = this.exchange.state;
    if (withSession && state) {
      if (state.upstreamSessionId !== null) headers["mcp-session-id"] = state.upstreamSessionId;
      headers["mcp-protocol-version"] = state.upstreamProtocolVersion;
    }
    return Object.assign(headers, extra);
  }

  /** The checked address to dial when it is known without waiting (the policy and the check cached). */
  private dialNow(): DialTarget | undefined {
    const { deps, target, outboundPolicy } = this.exchange;
    if (outboundPolicy instanceof Promise || deps.resolver !== undefined) return undefined;
    return cachedDialTarget(target.url, outboundPolicy);
  }

  post(body: string, options: { withSession?: boolean; signal?: AbortLike } = {}): Promise<UpstreamResponse> {
    const known = this.dialNow();
    if (known !== undefined) return this.postTo(known, body, options);
    return this.dial().then((target) => this.postTo(target, body, options));
  }

  private postTo(
    target: DialTarget,
    body: string,
    options: { withSession?: boolean; signal?: AbortLike },
  ): Promise<UpstreamResponse> {
    return upstreamRequest({
      target,
      method: "POST",
      headers: this.headers(
        { accept: POST_ACCEPT, "content-type": "application/json" },
        options.withSession ?? true,
      ),
      body,
      limits: this.exchange.deps.limits,
      signal: options.signal,
    });
  }

  async get(lastEventId: string | undefined, signal: AbortSignal): Promise<UpstreamResponse> {
    return upstreamRequest({
      target: await this.dial(),
      method: "GET",
      headers: this.headers(
        { accept: "text/event-stream", ...(lastEventId !== undefined && { "last-event-id": lastEventId }) },
        true,
      ),
      limits: this.exchange.deps.limits,
      isStream: true,
      signal,
    });
  }

  /** Ends the upstream session (DELETE); best effort, bounded by the connect/headers timeouts. */
  async delete(upstreamSessionId: string, version: ProtocolVersion): Promise<number | null> {
    try {
      const response = await upstreamRequest({
        target: await this.dial(),
        method: "DELETE",
        headers: {
          ...this.exchange.target.headers,
          "user-agent": USER_AGENT,
          "mcp-session-id": upstreamSessionId,
          "mcp-protocol-version": version,
        },
        limits: {
          ...this.exchange.deps.limits,
          headersTimeoutMs: Math.min(this.exchange.deps.limits.headersTimeoutMs, 5_000),
        },
      });
      release(response);
      return response.status;
    } catch {
      return null;
    }
  }

  /**
   * Sends with `send`; when the upstream answers 404 to a request that carried its session id
   * (it lost the session), re-initializes the upstream once, transparently, and sends again.
   */
  async withRecovery(send: () => Promise<UpstreamResponse>): Promise<UpstreamResponse> {
    const lostSession = this.exchange.state?.upstreamSessionId ?? null;
    if (lostSession === null) return send();
    const first = await send();
    if (!mayReportLostSession(first)) return first;
    const { lost, response } = await lostSessionAnswer(first);
    if (!lost) return response;
    release(response);
    await this.reinitialize(lostSession);
    return send();
  }

  /** initialize toward the upstream (no session yet), answered by JSON or by an SSE stream. */
  async initialize(
    id: RequestId,
    params: Record<string, unknown>,
  ): Promise<{ response: JsonRpcResponse; upstreamSessionId: string | null; requestBody: string }> {
    const requestBody = serialize({ kind: "request", id, method: "initialize", params });
    const upstream = await this.post(requestBody, { withSession: false });
    if (upstream.status !== 200) {
      upstream.destroy();
      throw new UpstreamFailure("protocol", `The upstream answered initialize with HTTP ${upstream.status}.`);
    }
    const sessionHeader = upstream.headers["mcp-session-id"];
    const upstreamSessionId =
      typeof sessionHeader === "string" && sessionHeader !== "" ? sessionHeader : null;
    const { limits } = this.exchange.deps;
    const response = await readResponseFor(upstream, id, limits.maxMessageBytes, limits.headersTimeoutMs);
    return { response, upstreamSessionId, requestBody };
  }

  /** notifications/initialized toward the upstream session that `initialize` just opened. */
  async sendInitialized(upstreamSessionId: string | null, version: ProtocolVersion): Promise<void> {
    const upstream = await upstreamRequest({
      target: await this.dial(),
      method: "POST",
      headers: {
        ...this.exchange.target.headers,
        "user-agent": USER_AGENT,
        accept: POST_ACCEPT,
        "content-type": "application/json",
        "mcp-protocol-version": version,
        ...(upstreamSessionId !== null && { "mcp-session-id": upstreamSessionId }),
      },
      body: serialize({ kind: "notification", method: "notifications/initialized" }),
      limits: this.exchange.deps.limits,
    });
    release(upstream);
    if (upstream.status < 200 || upstream.status > 299)
      throw new UpstreamFailure(
        "protocol",
        `The upstream refused notifications/initialized (HTTP ${upstream.status}).`,
      );
  }

  private async reinitialize(lostSession: string): Promise<void> {
    const { exchange } = this;
    const state = exchange.state;
    const sessionId = exchange.sessionId;
    if (state === null || sessionId === null)
      throw new UpstreamFailure("protocol", "No session to re-initialize.");
    const startedAt = Date.now();
    // The gateway's own request: an id in its own namespace, never one the agent could have used.
    const id = `gatehouse-reinit-${randomBytes(6).toString("hex")}`;
    const { response, upstreamSessionId, requestBody } = await this.initialize(id, {
      ...state.initParams,
      protocolVersion: state.protocolVersion,
    });
    const version = response.result?.protocolVersion;
    if (response.error !== undefined || !isSupportedVersion(version))
      throw new UpstreamFailure("protocol", "The upstream lost its session and refused a new one.");
    // Initialized before the new session becomes visible to other requests in the session store.
    await this.sendInitialized(upstreamSessionId, version);
    const { state: current, replaced } = await exchange.deps.sessions.replaceUpstream(
      sessionId,
      lostSession,
      {
        upstreamSessionId,
        upstreamProtocolVersion: version,
      },
    );
    if (!replaced && upstreamSessionId !== null) {
      // Another request re-initialized first (or the session ended): drop ours, use theirs.
      void this.delete(upstreamSessionId, version);
    }
    if (current === null)
      throw new UpstreamFailure("protocol", "The session ended while it was being re-initialized.");
    exchange.state = current;
    logger()
      .child({ component: "mcp" })
      .info(
        { connectionId: exchange.access.connection.id, requestId: exchange.request.requestId },
        "upstream session re-initialized",
      );
    await recordExchange(exchange, {
      action: "mcp.request",
      outcome: "OK",
      method: "initialize",
      reason: "upstream session lost; re-initialized by the gateway",
      startedAt,
      requestBody,
      responseBody: serialize(response),
      metadata: { gatewayInitiated: true, upstreamProtocolVersion: version },
    });
  }
}

const MAX_REFUSAL_BYTES = 16 * 1024;

/**
 * Whether an answer to a request that carried the upstream session id may say the session is gone
 * (lostSessionAnswer decides): any other answer is handed on as it is, without waiting on anything.
 */
function mayReportLostSession(response: UpstreamResponse): boolean {
  return response.status === 404 || (response.status === 400 && response.mediaType === "application/json");
}

/**
 * For an answer that mayReportLostSession: whether it says the session is gone, 404 as the spec
 * says, or a 400 whose JSON-RPC error names the session, as the SDK's example servers
 * (server-everything among them) answer an unknown session id. Any other 400 is handed on unchanged
 * (its body, read here, replayed).
 */
async function lostSessionAnswer(
  response: UpstreamResponse,
): Promise<{ lost: boolean; response: UpstreamResponse }> {
  if (response.status === 404) return { lost: true, response };
  let text: string;
  try {
    text = await readAll(response.body);
  } catch {
    return { lost: false, response: withBody(response, (async function* () {})()) };
  }
  const message = text.length <= MAX_REFUSAL_BYTES ? errorMessageOf(text) : null;
  const body = Buffer.from(text, "utf8");
  return {
    lost: message !== null && /\bsession\b/i.test(message),
    response: withBody(
      response,
      (async function* () {
        yield body;
      })(),
    ),
  };
}

function errorMessageOf(text: string): string | null {
  try {
    const value = JSON.parse(text) as { error?: { message?: unknown } };
    return typeof value.error?.message === "string" ? value.error.message : null;
  } catch {
    return null;
  }
}

/**
 * The JSON-RPC response with `id` from an upstream answer (JSON, or SSE read until that response).
 * Used for the gateway's own requests (initialize); anything else on such a stream is dropped. The
 * whole answer must arrive within `deadlineMs`: an SSE stream that only trickles comments or other
 * messages resets the idle timeout forever, and nothing else would end it.
 */
async function readResponseFor(
  upstream: UpstreamResponse,
  id: RequestId,
  maxBytes: number,
  deadlineMs: number,
): Promise<JsonRpcResponse> {
  let isLate = false;
  const deadline = setTimeout(() => {
    isLate = true;
    upstream.destroy();
  }, deadlineMs);
  try {
    if (upstream.mediaType === "application/json") {
      const parsed = parseMessage(await readAll(upstream.body), UPSTREAM_MAX_DEPTH);
      if (parsed.ok && isResponseTo(parsed.message, id)) return parsed.message;
      throw new UpstreamFailure(
        "protocol",
        "The upstream's answer is not a JSON-RPC response to the request.",
      );
    }
    if (upstream.mediaType !== "text/event-stream")
      throw new UpstreamFailure(
        "protocol",
        `The upstream answered with ${upstream.mediaType || "no content type"}.`,
      );
    const parser = new SseParser(maxBytes);
    for await (const chunk of upstream.body) {
      for (const event of parser.push(chunk)) {
        if (event.data === "") continue;
        const parsed = parseMessage(event.data, UPSTREAM_MAX_DEPTH);
        if (parsed.ok && isResponseTo(parsed.message, id)) return parsed.message;
      }
    }
    throw new UpstreamFailure("protocol", "The upstream closed the stream without answering.");
  } catch (error) {
    // The deadline destroyed the answer: whatever reading it then failed with, it was late.
    throw isLate
      ? new UpstreamFailure("timeout", `The upstream did not answer within ${deadlineMs} ms.`)
      : error;
  } finally {
    clearTimeout(deadline);
    upstream.destroy();
  }
}

function isResponseTo(message: JsonRpcMessage, id: RequestId): message is JsonRpcResponse {
  return message.kind === "response" && message.id === id;
}
