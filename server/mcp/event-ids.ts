import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * SSE event ids toward agents (PROTOCOL T13). Every event the gateway writes carries an id:
 *
 * - `u<base64url(upstream id)>.<mac>` for an event the upstream sent with an id. The MAC is an
 *   HMAC of the upstream id under the session's own key (kept in the session state), so a
 *   Last-Event-ID is accepted only on the session it was issued on: it resumes that stream of that
 *   session of that user, and an id from another session (or a forged one) is refused.
 * - `g<random>` for events the gateway made up or the upstream sent without an id. They cannot be
 *   resumed (the upstream offered no resumption for them).
 */
const MAC_BYTES = 12;

export function newEventKey(): string {
  return randomBytes(16).toString("base64url");
}

function mac(key: string, upstreamId: string): Buffer {
  return createHmac("sha256", Buffer.from(key, "base64url"))
    .update(upstreamId, "utf8")
    .digest()
    .subarray(0, MAC_BYTES);
}

export function downstreamEventId(key: string, upstreamId: string | undefined): string {
  if (upstreamId === undefined || upstreamId === "") return `g${randomBytes(9).toString("base64url")}`;
  return `u${Buffer.from(upstreamId, "utf8").toString("base64url")}.${mac(key, upstreamId).toString("base64url")}`;
}

export type ResumePoint =
  | { kind: "upstream"; upstreamId: string }
  | { kind: "gateway" }
  | { kind: "invalid" };

/** What a Last-Event-ID from the agent points at, checked against this session's key. */
export function parseLastEventId(key: string, value: string): ResumePoint {
  if (/^g[A-Za-z0-9_-]{12}$/.test(value)) return { kind: "gateway" };
  const match = /^u([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{16})$/.exec(value);
  if (!match) return { kind: "invalid" };
  const upstreamId = Buffer.from(match[1] as string, "base64url").toString("utf8");
  const expected = mac(key, upstreamId);
  const presented = Buffer.from(match[2] as string, "base64url");
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected))
    return { kind: "invalid" };
  return { kind: "upstream", upstreamId };
}
