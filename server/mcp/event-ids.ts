import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * SSE event ids toward agents (PROTOCOL T13). An event carries an id only where the agent can
 * resume from it:
 *
 * - `u<base64url(upstream id)>.<mac>` for an event the upstream sent with an id: resuming passes
 *   that id to the upstream, which replays. The MAC is an HMAC of the upstream session and the
 *   upstream id under the session's own key (kept in the session state), so a Last-Event-ID is
 *   accepted only on the session it was issued on, and only while the upstream session that issued
 *   it lasts (after a transparent re-initialization the new upstream session would replay the wrong
 *   stream, or reuse the same ids for other events).
 * - `g<stream>.<sequence>.<mac>` for an event of a POST stream the gateway keeps itself
 *   (event-log.ts), when the upstream offers no resumption: resuming replays the gateway's record.
 *
 * Other events (upstream events without ids on streams the upstream makes resumable, a stream's
 * answer, GET streams of upstreams without ids) carry none, so the agent's resume point stays put.
 */
const MAC_BYTES = 12;
const MAC_CHARS = 16;

export function newEventKey(): string {
  return randomBytes(16).toString("base64url");
}

function mac(key: string, input: string): Buffer {
  return createHmac("sha256", Buffer.from(key, "base64url"))
    .update(input, "utf8")
    .digest()
    .subarray(0, MAC_BYTES);
}

function upstreamMacInput(upstreamSessionId: string | null, upstreamId: string): string {
  return `u\n${upstreamSessionId ?? ""}\n${upstreamId}`;
}

function gatewayMacInput(streamId: string, sequence: number): string {
  return `g\n${streamId}\n${sequence}`;
}

export function upstreamEventId(key: string, upstreamSessionId: string | null, upstreamId: string): string {
  const tag = mac(key, upstreamMacInput(upstreamSessionId, upstreamId)).toString("base64url");
  return `u${Buffer.from(upstreamId, "utf8").toString("base64url")}.${tag}`;
}

export function gatewayEventId(key: string, streamId: string, sequence: number): string {
  return `g${streamId}.${sequence}.${mac(key, gatewayMacInput(streamId, sequence)).toString("base64url")}`;
}

export type ResumePoint =
  | { kind: "upstream"; upstreamId: string }
  | { kind: "gateway"; streamId: string; sequence: number }
  | { kind: "invalid" };

function macMatches(key: string, input: string, presented: string): boolean {
  const expected = mac(key, input);
  const bytes = Buffer.from(presented, "base64url");
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}

/** What a Last-Event-ID from the agent points at, checked against this session's key. */
export function parseLastEventId(key: string, upstreamSessionId: string | null, value: string): ResumePoint {
  const gateway = /^g([A-Za-z0-9_-]{12})\.([1-9][0-9]{0,8})\.([A-Za-z0-9_-]{16})$/.exec(value);
  if (gateway) {
    const [, streamId = "", digits = "", presented = ""] = gateway;
    const sequence = Number(digits);
    return macMatches(key, gatewayMacInput(streamId, sequence), presented)
      ? { kind: "gateway", streamId, sequence }
      : { kind: "invalid" };
  }
  const upstream = new RegExp(`^u([A-Za-z0-9_-]+)\\.([A-Za-z0-9_-]{${MAC_CHARS}})$`).exec(value);
  if (!upstream) return { kind: "invalid" };
  const upstreamId = Buffer.from(upstream[1] as string, "base64url").toString("utf8");
  return macMatches(key, upstreamMacInput(upstreamSessionId, upstreamId), upstream[2] as string)
    ? { kind: "upstream", upstreamId }
    : { kind: "invalid" };
}
