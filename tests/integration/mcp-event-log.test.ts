import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { appKeyring } from "@/server/crypto/keyring";
import type { Exchange } from "@/server/mcp/context";
import { newEventKey, parseLastEventId } from "@/server/mcp/event-ids";
import { EVENT_LOG_USER_BUDGET_BYTES, EventLogReader, StreamEventLog } from "@/server/mcp/event-log";
import { redis, redisKey } from "@/server/redis";

/**
 * The gateway's record of a POST stream (server/mcp/event-log.ts) against a real Redis: what a
 * resumed stream gets after a given event, and that it never gets events out of place when the
 * record expired under a long call, a write failed, or the user's byte budget ran out.
 */

/** The parts of an exchange the log uses; `failEval` makes the next Redis script call fail. */
function exchangeFor(userId = randomUUID()) {
  const failures = { next: 0 };
  const client = (): Redis =>
    new Proxy(redis(), {
      get(target, property) {
        if (property === "eval" && failures.next > 0) {
          failures.next -= 1;
          return async () => {
            throw new Error("connection reset");
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const exchange = {
    deps: { redis: client, redisKey, keyring: appKeyring },
    state: { eventKey: newEventKey() },
    request: { requestId: `test-${randomUUID()}` },
    principal: { userId },
  } as unknown as Exchange;
  return { exchange, failures };
}

function placeOf(exchange: Exchange, id: string | undefined) {
  const point = parseLastEventId(exchange.state?.eventKey ?? "", null, id ?? "");
  if (point.kind !== "gateway") throw new Error(`not a gateway id: ${id}`);
  return point;
}

async function resume(exchange: Exchange, sessionId: string, id: string | undefined) {
  const { streamId, sequence } = placeOf(exchange, id);
  return new EventLogReader(exchange, sessionId, streamId, sequence).read();
}

describe("a stream's kept events", () => {
  it("replay what followed the agent's last event, the answer last and without an id", async () => {
    const { exchange } = exchangeFor();
    const sessionId = randomUUID();
    const log = new StreamEventLog(exchange, sessionId);
    const ids = [await log.append("a"), await log.append("b"), await log.append("c")];
    expect(ids.map((id) => placeOf(exchange, id).sequence)).toEqual([1, 2, 3]);
    await log.end("answer");
    const replay = await resume(exchange, sessionId, ids[0]);
    expect(replay).toEqual({
      events: [
        { id: ids[1], data: "b" },
        { id: ids[2], data: "c" },
        { id: undefined, data: "answer" },
      ],
      ended: true,
    });
    // Sealed in Redis: no event's text is stored in clear.
    const [key] = await redis().keys(`*${placeOf(exchange, ids[0]).streamId}`);
    const stored = await redis().lrange(key as string, 0, -1);
    expect(stored).toHaveLength(5);
    expect(stored.join()).not.toContain("answer");
    // Another session's reader finds nothing under its own name.
    expect(await resume(exchange, randomUUID(), ids[0])).toBeNull();
  });

  it("are dropped, not renumbered, when they expired under a long call", async () => {
    const { exchange } = exchangeFor();
    const sessionId = randomUUID();
    const log = new StreamEventLog(exchange, sessionId);
    const first = await log.append("a");
    await log.append("b");
    // What ten minutes without an event do.
    const { streamId } = placeOf(exchange, first);
    const keys = await redis().keys(`*${streamId}`);
    expect(keys).toHaveLength(1);
    await redis().del(...keys);
    expect(await log.append("c")).toBeUndefined();
    await log.end("answer");
    // Nothing is kept under the old name, so a resume is refused rather than served out of place.
    expect(await resume(exchange, sessionId, first)).toBeNull();
    expect(await redis().keys(`*${streamId}`)).toEqual([]);
  });

  it("keep the answer and the end after a failed write, and give later events no ids", async () => {
    const { exchange, failures } = exchangeFor();
    const sessionId = randomUUID();
    const log = new StreamEventLog(exchange, sessionId);
    const first = await log.append("a");
    failures.next = 1;
    expect(await log.append("b")).toBeUndefined();
    expect(await log.append("c")).toBeUndefined();
    await log.end("answer");
    expect(await resume(exchange, sessionId, first)).toEqual({
      events: [{ id: undefined, data: "answer" }],
      ended: true,
    });
  });

  it("stop getting ids when the user's byte budget is spent, and still keep the answer", async () => {
    const userId = randomUUID();
    const { exchange } = exchangeFor(userId);
    const sessionId = randomUUID();
    const log = new StreamEventLog(exchange, sessionId);
    const first = await log.append("a");
    await redis().incrby(redisKey("mcp", "event-bytes", userId), EVENT_LOG_USER_BUDGET_BYTES);
    expect(await log.append("b")).toBeUndefined();
    expect(await log.append("c")).toBeUndefined();
    await log.end("answer");
    expect(await resume(exchange, sessionId, first)).toEqual({
      events: [{ id: undefined, data: "answer" }],
      ended: true,
    });
    await redis().del(redisKey("mcp", "event-bytes", userId));
  });

  it("keep nothing for a stream whose first event is its answer", async () => {
    const { exchange } = exchangeFor();
    const log = new StreamEventLog(exchange, randomUUID());
    const before = await redis().keys(redisKey("mcp", "events", "*"));
    await log.end("answer");
    expect(await redis().keys(redisKey("mcp", "events", "*"))).toEqual(before);
  });
});
