import { logger } from "../../logger";
import type { Exchange } from "../context";
import {
  type JsonRpcMessage,
  type JsonRpcResponse,
  parseMessage,
  type RequestId,
  serialize,
  UPSTREAM_MAX_DEPTH,
} from "../jsonrpc";
import type { ProtocolVersion } from "../protocol";
import {
  callRunner,
  ensureChannelRunner,
  localRunnerId,
  newChannelId,
  type RunnerChannels,
  runnerIdOf,
} from "../runner/channel-runner";
import { UpstreamConnector } from "./connector";
import { UpstreamFailure, type UpstreamResponse } from "./http-client";

/**
 * Upstreams that are not streamable HTTP (legacy HTTP+SSE, stdio processes) speak JSON-RPC as a
 * plain message channel: messages out, messages in, no HTTP exchange per request. `ChannelConnector`
 * presents such a channel through the streamable-HTTP connector's interface, so the relay, the
 * streams, the policy and the audit are the same code for every transport:
 *
 * - a request → a synthetic `200 text/event-stream` answer carrying the messages routed to it and
 *   ending with its response (the relay streams it as it would an HTTP upstream's SSE answer);
 * - a notification or a response → `202`;
 * - GET → a stream of the messages no request claimed;
 * - a channel that is gone (closed, crashed, idle-reaped, or its instance ended) → `404`, which the
 *   connector answers by re-initializing the upstream transparently.
 *
 * Routing of upstream messages (a channel does not say which request a message belongs to): a
 * response goes to the request with its id; `notifications/progress` to the request whose
 * `_meta.progressToken` it names; anything else to the most recent request in flight, else to the
 * most recently opened GET stream (each message on exactly one stream, T14), else it is dropped
 * (logged at debug).
 *
 * Channels live in the process that opened them; that process is their runner, and any other
 * instance reaches them through it (server/mcp/runner/channel-runner.ts). The upstream session id
 * the session store keeps is the channel's id, which names its runner.
 */

export type MessageChannel = {
  /** sends one serialized JSON-RPC message; rejects with UpstreamFailure */
  send: (text: string) => Promise<void>;
  /** ends the channel (kills the process / closes the SSE stream); idempotent */
  close: (reason: string) => Promise<void>;
  /** what to tell callers about this kind of channel, e.g. "stdio process" */
  label: string;
};

/** Callbacks a channel implementation calls: `message` per JSON-RPC text, `closed` once. */
export type ChannelEvents = {
  message: (text: string) => void;
  closed: (reason: string) => void;
};

export type ChannelOpener = (exchange: Exchange, events: ChannelEvents) => Promise<MessageChannel>;

/**
 * An async queue of SSE-encoded messages, ended by a final message, an error, or the channel
 * closing. Its backlog (what its reader has not taken yet) is bounded: a channel does not wait for
 * a slow reader (a stdio process or an SSE upstream keeps talking), so a reader that falls more than
 * two messages at their cap behind has its queue ended with `too_large` instead of holding it all.
 */
class MessageQueue {
  private items: string[] = [];
  private backlog = 0;
  private waiting: (() => void) | null = null;
  private ended = false;
  private failure: UpstreamFailure | null = null;

  private readonly maxBacklog: number;

  constructor(maxMessageBytes: number) {
    this.maxBacklog = 2 * maxMessageBytes;
  }

  push(text: string): void {
    if (this.ended) return;
    if (this.backlog + text.length > this.maxBacklog) {
      this.items = [];
      this.backlog = 0;
      this.end(
        new UpstreamFailure(
          "too_large",
          `The agent fell behind the upstream by more than ${this.maxBacklog} characters of messages.`,
        ),
      );
      return;
    }
    this.backlog += text.length;
    this.items.push(text);
    this.wake();
  }

  end(failure: UpstreamFailure | null = null): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }

  /** The queue as SSE bytes (serialized JSON-RPC has no line breaks, so one data line each). */
  async *drain(idleMs: number): AsyncGenerator<Buffer> {
    for await (const text of this.messages(idleMs))
      yield Buffer.from(`event: message\ndata: ${text}\n\n`, "utf8");
  }

  async *messages(idleMs: number): AsyncGenerator<string> {
    while (true) {
      const item = this.items.shift();
      if (item !== undefined) {
        this.backlog -= item.length;
        yield item;
        continue;
      }
      if (this.ended) {
        if (this.failure) throw this.failure;
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const silent = await new Promise<boolean>((resolve) => {
        this.waiting = () => resolve(false);
        if (idleMs > 0) timer = setTimeout(() => resolve(true), idleMs);
      });
      clearTimeout(timer);
      if (silent) throw new UpstreamFailure("timeout", `The upstream went silent for ${idleMs} ms.`);
    }
  }
}

type Route = { queue: MessageQueue; progressToken: string | number | null };

/** One open channel and the routing of what it receives. */
export class ChannelHub {
  private readonly inFlight = new Map<string, Route>();
  private readonly listeners = new Set<MessageQueue>();
  private closedReason: string | null = null;
  private channel: MessageChannel | null = null;
  lastActivity = Date.now();
  /** the downstream session it serves, once known (the first spawn precedes the session) */
  sessionId: string | null = null;

  constructor(
    readonly id: string,
    readonly connectionId: string,
    private readonly maxMessageBytes: number,
    /** whose session it serves (the per-user cap on open channels) */
    readonly userId: string = "",
  ) {}

  /** a request is waiting for its answer */
  get isBusy(): boolean {
    return this.inFlight.size > 0;
  }

  get isClosed(): boolean {
    return this.closedReason !== null;
  }

  attach(channel: MessageChannel): void {
    this.channel = channel;
  }

  get label(): string {
    return this.channel?.label ?? "upstream";
  }

  readonly events: ChannelEvents = {
    message: (text) => this.receive(text),
    closed: (reason) => this.onClosed(reason, true),
  };

  private receive(text: string): void {
    this.lastActivity = Date.now();
    if (Buffer.byteLength(text) > this.maxMessageBytes) {
      void this.close(`a message over ${this.maxMessageBytes} bytes`);
      return;
    }
    const parsed = parseMessage(text, UPSTREAM_MAX_DEPTH);
    if (!parsed.ok) {
      logger()
        .child({ component: "mcp" })
        .debug({ connectionId: this.connectionId }, "upstream sent a non-JSON-RPC line");
      return;
    }
    const message = parsed.message;
    const normalized = serialize(message);
    if (message.kind === "response") {
      const key = JSON.stringify(message.id);
      const route = this.inFlight.get(key);
      if (route) {
        this.inFlight.delete(key);
        route.queue.push(normalized);
        route.queue.end();
      }
      return;
    }
    if (message.kind === "notification" && message.method === "notifications/progress") {
      const token = message.params?.progressToken;
      for (const route of this.inFlight.values())
        if (route.progressToken !== null && route.progressToken === token) {
          route.queue.push(normalized);
          return;
        }
    }
    const latest = [...this.inFlight.values()].at(-1);
    if (latest) {
      latest.queue.push(normalized);
      return;
    }
    // T14: each message on exactly one stream, the most recently opened GET stream.
    let newest: MessageQueue | undefined;
    for (const listener of this.listeners) newest = listener;
    if (newest !== undefined) {
      newest.push(normalized);
      return;
    }
    logger()
      .child({ component: "mcp" })
      .debug({ connectionId: this.connectionId }, "unrouted upstream message dropped");
  }

  /**
   * `park`: the channel ended but the session did not (idle reaping, a crash): the agent's open GET
   * streams stay open, silent, and are handed to the session's next channel. Otherwise they end.
   */
  private onClosed(reason: string, park: boolean): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    channelRegistry().delete(this.id);
    const failure = new UpstreamFailure("unreachable", `The upstream ${this.label} ended (${reason}).`);
    for (const route of this.inFlight.values()) route.queue.end(failure);
    this.inFlight.clear();
    if (park && this.sessionId !== null)
      for (const listener of this.listeners) parkListener(this.sessionId, listener);
    else for (const listener of this.listeners) listener.end();
    this.listeners.clear();
  }

  /** Binds the hub to its downstream session and adopts that session's parked GET streams. */
  bindSession(sessionId: string): void {
    if (this.sessionId !== null) return;
    this.sessionId = sessionId;
    const parked = parkedListeners().get(sessionId);
    if (!parked) return;
    parkedListeners().delete(sessionId);
    for (const queue of parked) {
      this.listeners.add(queue);
      listenerOwners.set(queue, this.listeners);
    }
  }

  async send(text: string): Promise<void> {
    if (this.channel === null || this.closedReason !== null)
      throw new UpstreamFailure("unreachable", `The upstream ${this.label} is closed.`);
    this.lastActivity = Date.now();
    await this.channel.send(text);
  }

  /** Sends a request and returns the queue its answer (and the messages routed to it) arrive on. */
  async request(id: RequestId, text: string, progressToken: string | number | null): Promise<MessageQueue> {
    const key = JSON.stringify(id);
    const queue = new MessageQueue(this.maxMessageBytes);
    this.inFlight.get(key)?.queue.end(new UpstreamFailure("protocol", "The request id was reused."));
    this.inFlight.set(key, { queue, progressToken });
    try {
      await this.send(text);
    } catch (error) {
      this.inFlight.delete(key);
      throw error;
    }
    return queue;
  }

  /** The request's reader is done with it (answered, abandoned, cancelled): its queue ends too. */
  forget(id: RequestId, queue: MessageQueue): void {
    const key = JSON.stringify(id);
    if (this.inFlight.get(key)?.queue === queue) this.inFlight.delete(key);
    queue.end();
  }

  listen(): { queue: MessageQueue; stop: () => void } {
    const queue = new MessageQueue(this.maxMessageBytes);
    this.listeners.add(queue);
    listenerOwners.set(queue, this.listeners);
    return { queue, stop: () => stopListener(queue) };
  }

  async close(reason: string, options: { park?: boolean } = {}): Promise<void> {
    if (channelRegistry().get(this.id) === this) channelRegistry().delete(this.id);
    const channel = this.channel;
    this.onClosed(reason, options.park ?? false);
    await channel?.close(reason);
  }
}

// GET streams of sessions whose channel ended without the session ending (by downstream session id)
const PARKED_KEY = Symbol.for("gatehouse.mcp-parked-listeners");
type GlobalWithParked = typeof globalThis & { [PARKED_KEY]?: Map<string, Set<MessageQueue>> };
/** where each listener is held now (a hub's set or a parked set), so `stop` finds it */
const listenerOwners = new WeakMap<MessageQueue, Set<MessageQueue>>();

function parkedListeners(): Map<string, Set<MessageQueue>> {
  const holder = globalThis as GlobalWithParked;
  holder[PARKED_KEY] ??= new Map();
  return holder[PARKED_KEY];
}

function parkListener(sessionId: string, queue: MessageQueue): void {
  let set = parkedListeners().get(sessionId);
  if (!set) {
    set = new Set();
    parkedListeners().set(sessionId, set);
  }
  set.add(queue);
  listenerOwners.set(queue, set);
}

function parkNewListener(
  sessionId: string,
  maxMessageBytes: number,
): { queue: MessageQueue; stop: () => void } {
  const queue = new MessageQueue(maxMessageBytes);
  parkListener(sessionId, queue);
  return { queue, stop: () => stopListener(queue) };
}

function stopListener(queue: MessageQueue): void {
  const owner = listenerOwners.get(queue);
  owner?.delete(queue);
  for (const [sessionId, set] of parkedListeners()) if (set.size === 0) parkedListeners().delete(sessionId);
  queue.end();
}

/** The session ended: its parked GET streams end too. */
function endParked(sessionId: string): void {
  const set = parkedListeners().get(sessionId);
  parkedListeners().delete(sessionId);
  for (const queue of set ?? []) queue.end();
}

// ---------------------------------------------------------------------------------------------
// the process's registry of open channels (shared by the fast path and the Next route modules)
// ---------------------------------------------------------------------------------------------

const REGISTRY_KEY = Symbol.for("gatehouse.mcp-channels");
type GlobalWithChannels = typeof globalThis & { [REGISTRY_KEY]?: Map<string, ChannelHub> };

export function channelRegistry(): Map<string, ChannelHub> {
  const holder = globalThis as GlobalWithChannels;
  holder[REGISTRY_KEY] ??= new Map();
  return holder[REGISTRY_KEY];
}

/** Closes the channel `id` when this process holds it; true when it did. */
export async function closeLocalChannel(id: string, reason: string): Promise<boolean> {
  const hub = channelRegistry().get(id);
  if (!hub) return false;
  await hub.close(reason);
  return true;
}

// ---------------------------------------------------------------------------------------------
// the connector
// ---------------------------------------------------------------------------------------------

function synthetic(status: number, body?: AsyncIterable<Buffer>, onDestroy?: () => void): UpstreamResponse {
  return {
    status,
    headers: {},
    mediaType: body ? "text/event-stream" : "",
    body: body ?? (async function* () {})(),
    destroy: () => onDestroy?.(),
  };
}

function progressTokenOf(message: JsonRpcMessage): string | number | null {
  if (message.kind !== "request") return null;
  const meta = message.params?._meta;
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) return null;
  const token = (meta as Record<string, unknown>).progressToken;
  return typeof token === "string" || typeof token === "number" ? token : null;
}

/** The open channel `id` of `connectionId` held by this process, if any. */
function localHub(id: string, connectionId: string): ChannelHub | null {
  const hub = channelRegistry().get(id);
  // A channel id is bound to its connection: another connection's id is simply unknown here.
  return hub && hub.connectionId === connectionId && !hub.isClosed ? hub : null;
}

/** One message to a channel held here: 202 for a notification or response, else the request's stream. */
async function postLocal(hub: ChannelHub, body: string, idleMs: number): Promise<UpstreamResponse> {
  const parsed = parseMessage(body);
  if (!parsed.ok) throw new UpstreamFailure("protocol", "The message could not be relayed.");
  const message = parsed.message;
  if (message.kind !== "request") {
    await hub.send(body);
    return synthetic(202);
  }
  const queue = await hub.request(message.id, body, progressTokenOf(message));
  return synthetic(200, queue.drain(idleMs), () => hub.forget(message.id, queue));
}

/**
 * A GET stream on a channel held here. Without the channel (reaped idle, crashed) the stream is held
 * open silently and joins the session's next channel opened here: a GET never spawns a process or
 * opens an upstream stream by itself (an agent's reconnecting GET would otherwise undo idle reaping).
 */
function listenLocal(
  hub: ChannelHub | null,
  sessionId: string,
  signal: AbortSignal,
  maxMessageBytes: number,
): UpstreamResponse {
  const { queue, stop } = hub === null ? parkNewListener(sessionId, maxMessageBytes) : hub.listen();
  signal.addEventListener("abort", stop, { once: true });
  return synthetic(200, queue.drain(0), stop);
}

/** What this process's runner serves to other instances: its own channels, nothing else. */
function runnerChannels(limits: { idleTimeoutMs: number; maxMessageBytes: number }): RunnerChannels {
  return {
    post: async (channelId, connectionId, sessionId, body) => {
      const hub = localHub(channelId, connectionId);
      if (hub === null) return synthetic(404);
      if (sessionId !== null) hub.bindSession(sessionId);
      return postLocal(hub, body, limits.idleTimeoutMs);
    },
    listen: async (channelId, connectionId, sessionId, signal) => {
      const hub = localHub(channelId, connectionId);
      if (hub === null || sessionId === null) return synthetic(404);
      hub.bindSession(sessionId);
      return listenLocal(hub, sessionId, signal, limits.maxMessageBytes);
    },
    close: async (channelId, connectionId) => {
      if (localHub(channelId, connectionId) === null) return false;
      return closeLocalChannel(channelId, "session ended");
    },
  };
}

export class ChannelConnector extends UpstreamConnector {
  constructor(
    private readonly ex: Exchange,
    private readonly open: ChannelOpener,
  ) {
    super(ex);
  }

  /** Where the session's channel is: here, at another instance's runner, or nowhere. */
  private locate(): { hub: ChannelHub } | { remote: string } | null {
    const id = this.ex.state?.upstreamSessionId ?? null;
    if (id === null) return null;
    const hub = localHub(id, this.ex.access.connection.id);
    if (hub !== null) {
      if (this.ex.sessionId !== null) hub.bindSession(this.ex.sessionId);
      return { hub };
    }
    const runnerId = runnerIdOf(id);
    return runnerId !== null && runnerId !== localRunnerId() ? { remote: id } : null;
  }

  private callRemote(
    channelId: string,
    method: "POST" | "GET" | "DELETE",
    extra: { body?: string; signal?: AbortSignal } = {},
  ): Promise<UpstreamResponse | null> {
    return callRunner(this.ex.deps, {
      method,
      channelId,
      connectionId: this.ex.access.connection.id,
      sessionId: this.ex.sessionId,
      limits: this.ex.deps.limits,
      ...extra,
    });
  }

  override async post(body: string): Promise<UpstreamResponse> {
    const where = this.locate();
    if (where === null) return synthetic(404);
    if ("hub" in where) return postLocal(where.hub, body, this.ex.deps.limits.idleTimeoutMs);
    return (await this.callRemote(where.remote, "POST", { body })) ?? synthetic(404);
  }

  /**
   * A channel that is gone is re-opened here (transparent re-initialization); the old one, wherever
   * it lives (another instance, after a crash: nowhere), is told to close.
   */
  override async withRecovery(send: () => Promise<UpstreamResponse>): Promise<UpstreamResponse> {
    const lost = this.ex.state?.upstreamSessionId ?? null;
    const response = await super.withRecovery(send);
    if (lost !== null && this.ex.state?.upstreamSessionId !== lost) void publishChannelClose(this.ex, lost);
    return response;
  }

  /** The standalone stream: on the channel wherever it lives; parked here while there is none. */
  override async get(_lastEventId: string | undefined, signal: AbortSignal): Promise<UpstreamResponse> {
    const where = this.locate();
    if (where !== null && "hub" in where)
      return listenLocal(where.hub, this.ex.sessionId ?? "", signal, this.ex.deps.limits.maxMessageBytes);
    if (where !== null) {
      const remote = await this.callRemote(where.remote, "GET", { signal });
      if (remote !== null && remote.status !== 404) return remote;
      remote?.destroy();
    }
    if (this.ex.sessionId === null) return synthetic(404);
    return listenLocal(null, this.ex.sessionId, signal, this.ex.deps.limits.maxMessageBytes);
  }

  override async delete(upstreamSessionId: string, _version: ProtocolVersion): Promise<number | null> {
    if (this.ex.sessionId !== null) endParked(this.ex.sessionId);
    const closed = await closeLocalChannel(upstreamSessionId, "session ended").catch(() => false);
    if (closed) return 200;
    const remote = await this.callRemote(upstreamSessionId, "DELETE").catch(() => null);
    remote?.destroy();
    if (remote !== null && remote.status === 200) return 200;
    await publishChannelClose(this.ex, upstreamSessionId);
    return null;
  }

  override async initialize(
    id: RequestId,
    params: Record<string, unknown>,
  ): Promise<{ response: JsonRpcResponse; upstreamSessionId: string | null; requestBody: string }> {
    const { limits } = this.ex.deps;
    const runner = await ensureChannelRunner(this.ex.deps, runnerChannels(limits));
    const userId = this.ex.principal.userId;
    let open = 0;
    for (const other of channelRegistry().values()) if (other.userId === userId && !other.isClosed) open += 1;
    if (open >= MAX_CHANNELS_PER_USER)
      throw new UpstreamFailure(
        "refused",
        `You already have ${MAX_CHANNELS_PER_USER} open stdio or SSE upstream sessions here (the limit per user); close a session (DELETE) or wait for idle ones to end.`,
      );
    const hub = new ChannelHub(
      newChannelId(runner.id),
      this.ex.access.connection.id,
      limits.maxMessageBytes,
      userId,
    );
    const channel = await this.open(this.ex, hub.events);
    hub.attach(channel);
    if (hub.isClosed) {
      // It ended while it was being opened (the process exited, the SSE stream closed).
      await channel.close("closed while opening");
      throw new UpstreamFailure("unreachable", `The upstream ${hub.label} ended while it was being opened.`);
    }
    if (this.ex.sessionId !== null) hub.bindSession(this.ex.sessionId);
    channelRegistry().set(hub.id, hub);
    const requestBody = serialize({ kind: "request", id, method: "initialize", params });
    try {
      const queue = await hub.request(id, requestBody, null);
      let response: JsonRpcResponse | null = null;
      const timer = setTimeout(
        () =>
          queue.end(
            new UpstreamFailure(
              "timeout",
              `The upstream did not answer initialize within ${limits.headersTimeoutMs} ms.`,
            ),
          ),
        limits.headersTimeoutMs,
      );
      try {
        for await (const text of queue.messages(0)) {
          const parsed = parseMessage(text, UPSTREAM_MAX_DEPTH);
          if (parsed.ok && parsed.message.kind === "response" && parsed.message.id === id)
            response = parsed.message;
        }
      } finally {
        clearTimeout(timer);
      }
      if (response === null)
        throw new UpstreamFailure("protocol", "The upstream closed without answering initialize.");
      return { response, upstreamSessionId: hub.id, requestBody };
    } catch (error) {
      await hub.close("initialize failed");
      throw error;
    }
  }

  override async sendInitialized(upstreamSessionId: string | null, _version: ProtocolVersion): Promise<void> {
    const hub = upstreamSessionId === null ? undefined : channelRegistry().get(upstreamSessionId);
    if (!hub) throw new UpstreamFailure("unreachable", "The upstream channel closed during initialization.");
    await hub.send(serialize({ kind: "notification", method: "notifications/initialized" }));
  }
}

/** Another instance may hold the channel: every instance closes it if it does (channel-close broadcast). */
async function publishChannelClose(exchange: Exchange, channelId: string): Promise<void> {
  try {
    await exchange.deps
      .redis()
      .publish(exchange.deps.redisKey("mcp", "channel-close"), JSON.stringify({ channelId }));
  } catch {
    // best effort: the holder's idle reaper closes it anyway
  }
}

// ---------------------------------------------------------------------------------------------
// idle reaping and the cross-instance close broadcast (started once per process)
// ---------------------------------------------------------------------------------------------

const SERVICES_KEY = Symbol.for("gatehouse.mcp-channel-services");
type GlobalWithServices = typeof globalThis & { [SERVICES_KEY]?: { stop: () => Promise<void> } };

/**
 * Open channels (stdio processes, legacy SSE streams) per user in one instance: each holds an
 * outbound connection or a process until its session ends or it idles out. stdio processes also
 * have cluster-wide caps per server and per user (stdio/process-slots.ts), which are lower.
 */
export const MAX_CHANNELS_PER_USER = 50;

/** Channels unused (no message either way, no request in flight) for this long are closed. */
export const DEFAULT_CHANNEL_IDLE_MS = 10 * 60_000;

export function reapIdleChannels(idleMs: number, now = Date.now()): number {
  let reaped = 0;
  for (const hub of channelRegistry().values())
    if (!hub.isBusy && now - hub.lastActivity >= idleMs) {
      reaped += 1;
      void hub.close("idle", { park: true });
    }
  return reaped;
}

export function startChannelServices(exchange: Exchange, idleMs: number): void {
  const holder = globalThis as GlobalWithServices;
  if (holder[SERVICES_KEY]) return;
  const timer = setInterval(() => reapIdleChannels(idleMs), Math.max(1_000, Math.min(idleMs / 4, 30_000)));
  timer.unref();
  let subscriber: ReturnType<Exchange["deps"]["redis"]> | null = null;
  try {
    subscriber = exchange.deps.redis().duplicate();
    const topic = exchange.deps.redisKey("mcp", "channel-close");
    subscriber.on("error", () => {});
    subscriber.on("message", (channel, raw) => {
      if (channel !== topic) return;
      try {
        const { channelId } = JSON.parse(raw) as { channelId?: unknown };
        if (typeof channelId === "string") void closeLocalChannel(channelId, "session ended elsewhere");
      } catch {
        // not ours
      }
    });
    void subscriber.subscribe(topic).catch(() => {});
  } catch {
    subscriber = null;
  }
  holder[SERVICES_KEY] = {
    stop: async () => {
      clearInterval(timer);
      subscriber?.disconnect();
    },
  };
}
