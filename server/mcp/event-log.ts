import { randomBytes } from "node:crypto";
import { open, seal } from "../crypto/envelope";
import { logger } from "../logger";
import type { Exchange } from "./context";
import { gatewayEventId } from "./event-ids";
import { sessionKeyHash } from "./session-store";

/**
 * The gateway's own record of a POST stream's events, so an agent can resume it (PROTOCOL T13) when
 * the upstream offers no resumption itself (stdio packages, legacy SSE, streamable HTTP servers that
 * send no event ids). Every event before the stream's answer is appended here before it is written
 * to the agent and carries an id naming its place (event-ids.ts `g…`); the answer is appended last,
 * followed by an end mark. Any instance can then replay an interrupted stream from Redis and follow
 * it while the instance relaying the call keeps appending (the relay reads on after the agent left).
 *
 * - Only streams that send something before their answer are logged: a stream whose first event is
 *   the answer has nothing to resume, and its answer carries no id.
 * - The answer itself carries no id either: nothing follows it, and an id would make clients that
 *   reconnect after an error answer (the MCP SDK does) open a stream for nothing.
 * - Bounded: EVENT_LOG_MAX_EVENTS events or EVENT_LOG_MAX_BYTES of data per stream; past either,
 *   later events are written without ids and not kept, except the answer, which is always kept.
 *   A log lives EVENT_LOG_TTL_MS after its last event. Entries are sealed (AES-256-GCM, bound to the
 *   log's key), as they hold tool results.
 */
export const EVENT_LOG_TTL_MS = 10 * 60_000;
export const EVENT_LOG_MAX_EVENTS = 1_000;
export const EVENT_LOG_MAX_BYTES = 8 * 1024 * 1024;
/** How often a resumed stream looks for events the relaying instance appended since. */
export const EVENT_LOG_POLL_MS = 100;

/** Entries: `e…` an event with an id (its place in the list is its sequence), `f…` the stream's last event, written without an id, then the end mark. */
const END = "end";
const EVENT_PREFIX = "e";
const LAST_PREFIX = "f";
const PREFIX_LENGTH = 1;

export function newStreamId(): string {
  return randomBytes(9).toString("base64url");
}

function logKey(exchange: Exchange, sessionId: string, streamId: string): string {
  return exchange.deps.redisKey("mcp", "events", sessionKeyHash(sessionId), streamId);
}

function sealContext(sessionId: string, streamId: string): string {
  return `mcp-event-log:${sessionKeyHash(sessionId)}:${streamId}`;
}

/** The writing side: one POST stream's log, owned by the relay that reads its upstream. */
export class StreamEventLog {
  private count = 0;
  private bytes = 0;
  /** true once an append failed: later events would leave a silent gap, so none get ids */
  private isBroken = false;
  private hasEnded = false;
  /** named on the first append: most streams never keep anything */
  private place: { streamId: string; key: string; context: string } | null = null;

  constructor(
    private readonly exchange: Exchange,
    private readonly sessionId: string,
  ) {}

  private where(): { streamId: string; key: string; context: string } {
    if (this.place === null) {
      const streamId = newStreamId();
      this.place = {
        streamId,
        key: logKey(this.exchange, this.sessionId, streamId),
        context: sealContext(this.sessionId, streamId),
      };
    }
    return this.place;
  }

  /**
   * Keeps an event before its answer; returns the id it is written with, or undefined when it is
   * past the caps (or the store failed) and is written without one.
   */
  async append(data: string): Promise<string | undefined> {
    if (this.isBroken || this.hasEnded) return undefined;
    if (this.count >= EVENT_LOG_MAX_EVENTS || this.bytes + data.length > EVENT_LOG_MAX_BYTES)
      return undefined;
    if (!(await this.push([this.entry(EVENT_PREFIX, data)]))) return undefined;
    this.count += 1;
    this.bytes += data.length;
    return gatewayEventId(this.eventKey(), this.where().streamId, this.count);
  }

  /** Keeps the stream's last event (its answer, when it has one) and the end mark. */
  async end(lastData?: string): Promise<void> {
    if (this.hasEnded || this.count === 0) return;
    this.hasEnded = true;
    const entries = lastData === undefined ? [END] : [this.entry(LAST_PREFIX, lastData), END];
    await this.push(entries);
  }

  private eventKey(): string {
    return this.exchange.state?.eventKey ?? "";
  }

  private entry(prefix: string, data: string): string {
    return prefix + seal(this.exchange.deps.keyring(), data, this.where().context).toString("base64");
  }

  private async push(entries: string[]): Promise<boolean> {
    if (this.isBroken) return false;
    try {
      const results = await this.exchange.deps
        .redis()
        .multi()
        .rpush(this.where().key, ...entries)
        .pexpire(this.where().key, EVENT_LOG_TTL_MS)
        .exec();
      const failed = results?.find(([error]) => error !== null)?.[0];
      if (failed) throw failed;
      return true;
    } catch (error) {
      this.isBroken = true;
      logger()
        .child({ component: "mcp" })
        .warn(
          { err: error, requestId: this.exchange.request.requestId },
          "could not keep a stream's events for resumption; later events carry no ids",
        );
      return false;
    }
  }
}

export type LoggedEvent = { id: string | undefined; data: string };

/** The reading side: a resumed stream's events after the one the agent saw last. */
export class EventLogReader {
  private readonly key: string;
  private readonly context: string;
  /** index of the next entry to read */
  private next: number;

  constructor(
    private readonly exchange: Exchange,
    private readonly sessionId: string,
    private readonly streamId: string,
    afterSequence: number,
  ) {
    this.key = logKey(exchange, sessionId, streamId);
    this.context = sealContext(sessionId, streamId);
    this.next = afterSequence;
  }

  /**
   * Entries appended since the last read: the events, and whether the end mark came; null when the
   * log no longer exists (expired, or never kept this far).
   */
  async read(): Promise<{ events: LoggedEvent[]; ended: boolean } | null> {
    const results = await this.exchange.deps
      .redis()
      .multi()
      .exists(this.key)
      .lrange(this.key, this.next, -1)
      .exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (failed || !results) throw failed ?? new Error("the event log read was aborted");
    const [[, exists], [, entries]] = results as [[null, number], [null, string[]]];
    if (exists === 0) return null;
    const events: LoggedEvent[] = [];
    let ended = false;
    for (const entry of entries) {
      if (entry === END) {
        ended = true;
        break;
      }
      this.next += 1;
      const data = open(
        this.exchange.deps.keyring(),
        Buffer.from(entry.slice(PREFIX_LENGTH), "base64"),
        this.context,
      ).toString("utf8");
      const id = entry.startsWith(EVENT_PREFIX)
        ? gatewayEventId(this.exchange.state?.eventKey ?? "", this.streamId, this.next)
        : undefined;
      events.push({ id, data });
    }
    return { events, ended };
  }
}
