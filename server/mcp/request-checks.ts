import { BoundedMap } from "../bounded-map";
import type { McpHttpRequest } from "./http-types";

/**
 * Header checks of the streamable HTTP transport that need no state: Accept (T7), Content-Type
 * (T7), Origin (T15), and the shape of a session id (T1).
 */

/** Media types an Accept header lists with a non-zero quality, lower-case, without parameters. */
export function acceptedMediaTypes(accept: string | undefined): Set<string> {
  const types = new Set<string>();
  if (!accept) return types;
  for (const range of accept.split(",")) {
    const [type, ...parameters] = range.split(";").map((part) => part.trim().toLowerCase());
    if (!type) continue;
    const quality = parameters.find((parameter) => parameter.startsWith("q="));
    if (quality !== undefined && Number(quality.slice(2)) === 0) continue;
    types.add(type);
  }
  return types;
}

/**
 * POST must list both application/json and text/event-stream (the spec's "MUST include both");
 * wildcards do not count, since the client promises to handle both forms of answer.
 */
export function acceptsPostResponses(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  // Agents send one of a few Accept values on every POST, so each (short) value is judged once.
  let accepted = postAcceptAnswers.get(accept);
  if (accepted === undefined) {
    const types = acceptedMediaTypes(accept);
    accepted = types.has("application/json") && types.has("text/event-stream");
    if (accept.length <= 200) postAcceptAnswers.set(accept, accepted);
  }
  return accepted;
}

const postAcceptAnswers = new BoundedMap<boolean>(256);

export function acceptsEventStream(accept: string | undefined): boolean {
  return acceptedMediaTypes(accept).has("text/event-stream");
}

/** application/json, optionally with charset=utf-8 (JSON is UTF-8; any other charset is refused). */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type, ...parameters] = contentType.split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") return false;
  return parameters.every((parameter) => {
    const [name, value] = parameter.split("=").map((part) => part.trim());
    if (name !== "charset") return true;
    return value?.replace(/^"|"$/g, "") === "utf-8";
  });
}

/**
 * PROTOCOL T15: an Origin header that is present must be one we serve. Only the public origin
 * counts; unlike the dashboard's CSRF check, the origin a browser addressed (Host) is not enough,
 * because a DNS-rebinding page addresses us under its own name and would pass that test.
 */
export function isOriginAllowed(origin: string | undefined, allowedOrigins: ReadonlySet<string>): boolean {
  if (origin === undefined) return true;
  return allowedOrigins.has(origin.trim().toLowerCase());
}

/** Session ids are visible ASCII (0x21–0x7E), as the spec requires; ours are 43 base64url characters. */
const SESSION_ID_RE = /^[\x21-\x7e]{1,256}$/;

export function isWellFormedSessionId(value: string): boolean {
  return SESSION_ID_RE.test(value);
}

/** True when the query string carries anything at all (see the A6 decision in handler.ts). */
export function hasQuery(request: Pick<McpHttpRequest, "search">): boolean {
  return request.search !== "" && request.search !== "?";
}
