import { describe, expect, it } from "vitest";
import { isBatchText, MAX_BATCH_MESSAGES, parseBatch } from "@/server/mcp/batch";

const ping = (id: number) => ({ jsonrpc: "2.0", id, method: "ping" });

describe("JSON-RPC batches (2025-03-26)", () => {
  it("recognizes an array body by its first non-blank character", () => {
    expect(isBatchText(' \n\t[{"jsonrpc":"2.0"}]')).toBe(true);
    expect(isBatchText('{"jsonrpc":"2.0","id":1,"method":"ping"}')).toBe(false);
    expect(isBatchText("   ")).toBe(false);
  });

  it("parses every member strictly, keeping their order", () => {
    const parsed = parseBatch(
      JSON.stringify([ping(1), { jsonrpc: "2.0", method: "notifications/initialized" }, ping(2)]),
    );
    expect(parsed).toEqual({
      ok: true,
      messages: [
        { kind: "request", id: 1, method: "ping" },
        { kind: "notification", method: "notifications/initialized" },
        { kind: "request", id: 2, method: "ping" },
      ],
    });
  });

  it.each([
    ["an empty batch", "[]", -32600, /empty batch/],
    ["not JSON", "[{", -32700, /not valid JSON/],
    ["an invalid member", JSON.stringify([ping(1), { foo: 1 }]), -32600, /Batch member 1/],
    ["initialize inside", JSON.stringify([{ ...ping(1), method: "initialize" }]), -32600, /initialize/],
    ["a repeated request id", JSON.stringify([ping(7), ping(7)]), -32600, /used twice/],
    [
      "too many members",
      JSON.stringify(Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, i) => ping(i))),
      -32600,
      /at most/,
    ],
    ["nesting past the limit", `[${"[".repeat(100)}${"]".repeat(100)}]`, -32600, /nested too deeply/],
  ])("refuses %s as a whole", (_name, text, code, reason) => {
    const parsed = parseBatch(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.code).toBe(code);
    expect(parsed.reason).toMatch(reason);
    expect(parsed.id).toBeNull();
  });
});
