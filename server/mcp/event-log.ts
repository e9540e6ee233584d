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
/** Bytes kept per stream, counted as stored (sealed and base64-encoded). */
export const EVENT_LOG_MAX_BYTES = 8 * 1024 * 1024;
/**
 * How often a resumed stream looks for events the relaying instance appended since: soon after
 * something arrived, then less and less often while nothing does (up to EVENT_LOG_POLL_MAX_MS).
 */
export const EVENT_LOG_POLL_MS = 100;
export const EVENT_LOG_POLL_MAX_MS = 1_000;

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

// KEYS[1] the log, KEYS[2] the user's byte budget; ARGV[1] the log's length as the writer knows it,
// ARGV[2] TTL ms, ARGV[3] the user's budget, ARGV[4] the entries' bytes, ARGV[5] "1" to keep them
// past the budget (a stream's answer), ARGV[6…] the entries. Returns the new length; -1 when the
// list is not what the writer wrote (it expired, or a write the writer saw fail went through), -2
// when the user's budget is spent.
const APPEND = `
local length = redis.call('LLEN', KEYS[1])
if length ~= tonumber(ARGV[1]) then return -1 end
local used = redis.call('INCRBY', KEYS[2], ARGV[4])
if redis.call('PTTL', KEYS[2]) < 0 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
if used > tonumber(ARGV[3]) and ARGV[5] ~= '1' then
  redis.call('DECRBY', KEYS[2], ARGV[4])
  return -2
end
local pushed = redis.call('RPUSH', KEYS[1], unpack(ARGV, 6))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return pushed
`;

/** Bytes of kept events one user may add per EVENT_LOG_TTL_MS, over all their streams. */
export const EVENT_LOG_USER_BUDGET_BYTES = 64 * 1024 * 1024;

/** The writing side: one POST stream's log, owned by the relay that reads its upstream. */
export class StreamEventLog {
  /** events kept (each `e…` entry), so also the next event's sequence minus one */
  private count = 0;
  /** bytes of the entries kept */
  private bytes = 0;
  /**
   * open; failed: a write failed or a cap was reached, so later events would leave a silent gap
   * and get no ids, but the answer and the end mark are still kept; lost: the list is not what was written (it expired
   * during a long call): nothing more is kept; ended: the end mark was written.
   */
  private state: "open" | "failed" | "lost" | "ended" = "open";
  private lastWriteAt = 0;
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
    if (this.state !== "open") return undefined;
    const entry = this.count < EVENT_LOG_MAX_EVENTS ? this.entry(EVENT_PREFIX, data) : null;
    // Past a cap nothing more gets an id, so a resumed stream has no silent gap in the middle.
    if (
      entry === null ||
      this.bytes + entry.length > EVENT_LOG_MAX_BYTES ||
      !(await this.push([entry], false))
    ) {
      if (this.state === "open") this.state = "failed";
      return undefined;
    }
    this.count += 1;
    this.bytes += entry.length;
    return gatewayEventId(this.eventKey(), this.where().streamId, this.count);
  }

  /** Keeps the stream's last event (its answer, when it has one) and the end mark. */
  async end(lastData?: string): Promise<void> {
    if (this.count === 0 || this.state === "ended" || this.state === "lost") return;
    const entries = lastData === undefined ? [END] : [this.entry(LAST_PREFIX, lastData), END];
    if (await this.push(entries, true)) this.state = "ended";
  }

  /**
   * Called as upstream bytes arrive (keep-alive comments too): a long call that keeps nothing new
   * for a while still keeps its log from expiring under it.
   */
  keepAlive(now: number): void {
    if (this.count === 0 || this.state === "lost" || this.state === "ended") return;
    if (now - this.lastWriteAt < EVENT_LOG_TTL_MS / 3) return;
    this.lastWriteAt = now;
    void this.exchange.deps
      .redis()
      .pexpire(this.where().key, EVENT_LOG_TTL_MS)
      .catch(() => undefined);
  }

  private eventKey(): string {
    return this.exchange.state?.eventKey ?? "";
  }

  private entry(prefix: string, data: string): string {
    return prefix + seal(this.exchange.deps.keyring(), data, this.where().context).toString("base64");
  }

  private async push(entries: string[], isLast: boolean): Promise<boolean> {
    const { key } = this.where();
    const budgetKey = this.exchange.deps.redisKey("mcp", "event-bytes", this.exchange.principal.userId);
    const bytes = entries.reduce((sum, entry) => sum + entry.length, 0);
    // The entries already written: `count` events, plus nothing else until the end.
    const expected = this.count;
    let length: number;
    try {
      length = Number(
        await this.exchange.deps
          .redis()
          .eval(
            APPEND,
            2,
            key,
            budgetKey,
            String(expected),
            String(EVENT_LOG_TTL_MS),
            String(EVENT_LOG_USER_BUDGET_BYTES),
            String(bytes),
            isLast ? "1" : "0",
            ...entries,
          ),
      );
    } catch (error) {
      this.state = "failed";
      this.warn(error, "could not keep a stream's events for resumption; later events carry no ids");
      return false;
    }
    this.lastWriteAt = Date.now();
    if (length === -2) return false;
    if (length !== expected + entries.length) {
      // Expired under a long call, or a write seen to fail went through: its numbering is gone.
      this.state = "lost";
      await this.exchange.deps
        .redis()
        .del(key)
        .catch(() => undefined);
      this.warn(null, "a stream's kept events were lost (expired); it can no longer be resumed");
      return false;
    }
    return true;
  }

  private warn(error: unknown, message: string): void {
    logger()
      .child({ component: "mcp" })
      .warn({ err: error ?? undefined, requestId: this.exchange.request.requestId }, message);
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
    sessionId: string,
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
