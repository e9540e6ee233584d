import { describe, expect, it } from "vitest";
import type { Env } from "@/server/env";
import { mayReadMetrics } from "@/server/ops/collect-metrics";
import { RELAYED_HEADER } from "@/server/ops/metrics";

/**
 * Who may scrape /api/metrics: the token holder, or without a token a local client. A reverse proxy
 * on the same host that is not a trusted proxy connects from loopback for every client it relays.
 */

const WITHOUT_TOKEN = { GATEHOUSE_METRICS_TOKEN: undefined } as Env;
const WITH_TOKEN = { GATEHOUSE_METRICS_TOKEN: "metrics-token-0123456789" } as Env;

describe("reading metrics without a token", () => {
  it.each(["127.0.0.1", "::1", "::ffff:127.0.0.1"])("answers a local scraper at %s", (ip) => {
    expect(mayReadMetrics(WITHOUT_TOKEN, null, ip, new Headers({ accept: "text/plain" }))).toBe(true);
  });

  it("answers a loopback request that Next's server gave X-Forwarded-* headers (the front stripped a client's)", () => {
    const fromNext = new Headers({ "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http" });
    expect(mayReadMetrics(WITHOUT_TOKEN, null, "127.0.0.1", fromNext)).toBe(true);
  });

  it.each(["203.0.113.5", "10.0.0.7", "", undefined])("refuses a client at %s", (ip) => {
    expect(mayReadMetrics(WITHOUT_TOKEN, null, ip, new Headers())).toBe(false);
  });

  it.each([
    ["forwarded", "for=203.0.113.5;proto=https"],
    ["x-real-ip", "203.0.113.5"],
    [RELAYED_HEADER, "1"],
  ])("refuses a loopback request relayed by a same-host proxy (%s)", (name, value) => {
    expect(mayReadMetrics(WITHOUT_TOKEN, null, "127.0.0.1", new Headers({ [name]: value }))).toBe(false);
  });
});

describe("reading metrics with a token", () => {
  it("answers the token holder, relayed or not, and no one else, local or not", () => {
    const relayed = new Headers({ "x-real-ip": "203.0.113.5" });
    expect(mayReadMetrics(WITH_TOKEN, "Bearer metrics-token-0123456789", "203.0.113.5", relayed)).toBe(true);
    expect(mayReadMetrics(WITH_TOKEN, "Bearer wrong-token-0123456789x", "127.0.0.1", new Headers())).toBe(
      false,
    );
    expect(mayReadMetrics(WITH_TOKEN, null, "127.0.0.1", new Headers())).toBe(false);
  });
});
