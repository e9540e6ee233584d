import { describe, expect, it } from "vitest";
import { gatewayEventId, newEventKey, parseLastEventId, upstreamEventId } from "@/server/mcp/event-ids";
import { exceedsDepth, parseMessage, serialize } from "@/server/mcp/jsonrpc";
import {
  acceptsEventStream,
  acceptsPostResponses,
  isJsonContentType,
  isOriginAllowed,
  isWellFormedSessionId,
} from "@/server/mcp/request-checks";
import { formatSseEvent, SseEventTooLargeError, SseParser } from "@/server/mcp/sse";

/** The pure parts of the MCP endpoint: JSON-RPC parsing, SSE, event ids, header checks. */

describe("parseMessage", () => {
  it("reads requests, notifications and responses, and serializes them in a fixed member order", () => {
    const request = parseMessage('{"params":{"name":"echo"},"method":"tools/call","id":"a","jsonrpc":"2.0"}');
    expect(request).toEqual({
      ok: true,
      message: { kind: "request", id: "a", method: "tools/call", params: { name: "echo" } },
    });
    if (request.ok)
      expect(serialize(request.message)).toBe(
        '{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo"}}',
      );
    expect(parseMessage('{"jsonrpc":"2.0","method":"notifications/initialized"}')).toEqual({
      ok: true,
      message: { kind: "notification", method: "notifications/initialized" },
    });
    expect(parseMessage('{"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"no","data":[1]}}')).toEqual({
      ok: true,
      message: { kind: "response", id: 3, error: { code: -1, message: "no", data: [1] } },
    });
  });

  it.each([
    ["not JSON", "{", -32700],
    ["a batch", "[]", -32600],
    ["a string", '"x"', -32600],
    ["no jsonrpc", '{"id":1,"method":"ping"}', -32600],
    ["a null id", '{"jsonrpc":"2.0","id":null,"method":"ping"}', -32600],
    ["a fractional id", '{"jsonrpc":"2.0","id":1.5,"method":"ping"}', -32600],
    ["a boolean id", '{"jsonrpc":"2.0","id":true,"method":"ping"}', -32600],
    ["array params", '{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}', -32600],
    ["an empty method", '{"jsonrpc":"2.0","id":1,"method":""}', -32600],
    ["result and error", '{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}', -32600],
    ["neither result nor error", '{"jsonrpc":"2.0","id":1}', -32600],
    ["a non-object result", '{"jsonrpc":"2.0","id":1,"result":5}', -32600],
    ["a malformed error", '{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"y"}}', -32600],
    ["an extra member", '{"jsonrpc":"2.0","id":1,"method":"ping","x":1}', -32600],
    ["a __proto__ member", '{"jsonrpc":"2.0","id":1,"method":"ping","__proto__":{}}', -32600],
  ])("refuses %s", (_name, text, code) => {
    const result = parseMessage(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.code).toBe(code);
  });

  it("echoes the id of an invalid request it could read", () => {
    expect(parseMessage('{"jsonrpc":"2.0","id":9,"method":"ping","params":1}')).toMatchObject({
      ok: false,
      id: 9,
    });
  });

  it("limits nesting without counting brackets inside strings", () => {
    expect(exceedsDepth(`${"[".repeat(65)}${"]".repeat(65)}`, 64)).toBe(true);
    expect(exceedsDepth(`${"[".repeat(64)}${"]".repeat(64)}`, 64)).toBe(false);
    expect(exceedsDepth(`["${"[".repeat(500)}\\"${"{".repeat(500)}"]`, 64)).toBe(false);
  });

  it("keeps the last of duplicate keys, and serializes what was checked", () => {
    const result = parseMessage(
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}}',
    );
    expect(result.ok && serialize(result.message)).toBe(
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"b"}}',
    );
  });
});

describe("SseParser", () => {
  it("parses events across chunk boundaries, with CR, LF and CRLF line ends, comments and retry", () => {
    const parser = new SseParser(1024);
    const bytes = new TextEncoder().encode(
      ': hi\r\nid: 1\r\nretry: 500\r\ndata: {"a"\r\ndata: :1}\r\n\r\nid: 2\rdata: x\r\rdata: y\n\n',
    );
    const events = [];
    for (let i = 0; i < bytes.length; i += 3) events.push(...parser.push(bytes.subarray(i, i + 3)));
    expect(events).toEqual([
      { id: "1", event: "message", data: '{"a"\n:1}', retry: 500 },
      { id: "2", event: "message", data: "x" },
      { event: "message", data: "y" },
    ]);
  });

  it("treats a priming event (id, empty data) as an event", () => {
    expect(new SseParser(100).push(new TextEncoder().encode("id: p\ndata: \n\n"))).toEqual([
      { id: "p", event: "message", data: "" },
    ]);
  });

  it("refuses an event over the cap, even without a line end", () => {
    const parser = new SseParser(10);
    expect(() => parser.push(new TextEncoder().encode(`data: ${"x".repeat(20)}`))).toThrow(
      SseEventTooLargeError,
    );
  });

  it("formats events with id and retry", () => {
    expect(formatSseEvent({ id: "7", data: "{}", retry: 1000 })).toBe(
      "id: 7\nretry: 1000\nevent: message\ndata: {}\n\n",
    );
  });
});

describe("event ids", () => {
  it("round-trips an upstream id on its own session and upstream session, and refuses it elsewhere", () => {
    const key = newEventKey();
    const id = upstreamEventId(key, "up-1", "stream-1_abc");
    expect(parseLastEventId(key, "up-1", id)).toEqual({ kind: "upstream", upstreamId: "stream-1_abc" });
    expect(parseLastEventId(newEventKey(), "up-1", id)).toEqual({ kind: "invalid" });
    // After a transparent re-initialization the new upstream session would replay another stream.
    expect(parseLastEventId(key, "up-2", id)).toEqual({ kind: "invalid" });
    // (the MAC's last character changed: to "B" when it is "A", else the test would pass 1 in 64 by chance)
    const tampered = `${id.slice(0, -1)}${id.endsWith("A") ? "B" : "A"}`;
    expect(parseLastEventId(key, "up-1", tampered)).toEqual({ kind: "invalid" });
    expect(parseLastEventId(key, "up-1", "garbage")).toEqual({ kind: "invalid" });
    // The same upstream id from two upstream sessions gives two distinct ids (unique per session).
    expect(upstreamEventId(key, "up-2", "stream-1_abc")).not.toBe(id);
  });

  it("names a kept event by its stream and place, for this session only", () => {
    const key = newEventKey();
    const id = gatewayEventId(key, "AAAAAAAAAAAA", 7);
    expect(id).toMatch(/^gAAAAAAAAAAAA\.7\.[A-Za-z0-9_-]{16}$/);
    expect(parseLastEventId(key, null, id)).toEqual({
      kind: "gateway",
      streamId: "AAAAAAAAAAAA",
      sequence: 7,
    });
    expect(parseLastEventId(newEventKey(), null, id)).toEqual({ kind: "invalid" });
    // Another place on the same stream cannot be forged from it.
    expect(parseLastEventId(key, null, id.replace(".7.", ".8."))).toEqual({ kind: "invalid" });
    expect(parseLastEventId(key, null, id.replace(".7.", ".07."))).toEqual({ kind: "invalid" });
    // The ids of earlier versions (a bare random g…) resume nothing.
    expect(parseLastEventId(key, null, "gAAAAAAAAAAAA")).toEqual({ kind: "invalid" });
  });
});

describe("header checks", () => {
  it("Accept on POST must list both types explicitly", () => {
    expect(acceptsPostResponses("application/json, text/event-stream")).toBe(true);
    expect(acceptsPostResponses("text/event-stream;q=0.9, Application/JSON")).toBe(true);
    expect(acceptsPostResponses("application/json")).toBe(false);
    expect(acceptsPostResponses("*/*")).toBe(false);
    expect(acceptsPostResponses("application/json, text/event-stream;q=0")).toBe(false);
    expect(acceptsEventStream("text/event-stream")).toBe(true);
    expect(acceptsEventStream(undefined)).toBe(false);
  });

  it("Content-Type must be JSON in UTF-8", () => {
    expect(isJsonContentType("application/json")).toBe(true);
    expect(isJsonContentType("application/json; charset=UTF-8")).toBe(true);
    expect(isJsonContentType("application/json; charset=latin1")).toBe(false);
    expect(isJsonContentType("text/json")).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });

  it("Origin must be absent or one we serve", () => {
    const allowed = new Set(["https://gate.example"]);
    expect(isOriginAllowed(undefined, allowed)).toBe(true);
    expect(isOriginAllowed("https://gate.example", allowed)).toBe(true);
    expect(isOriginAllowed("https://gate.example.evil", allowed)).toBe(false);
    expect(isOriginAllowed("null", allowed)).toBe(false);
  });

  it("session ids are visible ASCII", () => {
    expect(isWellFormedSessionId("abc-DEF_123")).toBe(true);
    expect(isWellFormedSessionId("has space")).toBe(false);
    expect(isWellFormedSessionId("é")).toBe(false);
    expect(isWellFormedSessionId("")).toBe(false);
  });
});
