import { describe, expect, it } from "vitest";
import { ChannelHub, channelRegistry } from "@/server/mcp/upstream/channel";

/**
 * The routing of a message channel (stdio process, legacy SSE upstream) to its readers: each message
 * reaches exactly one reader (T14), and a reader that falls behind a talkative upstream is ended
 * with too_large instead of the gateway holding everything the upstream says.
 */

function openHub(maxMessageBytes = 100): { hub: ChannelHub; sent: string[] } {
  const sent: string[] = [];
  const hub = new ChannelHub(`hub-${Math.random()}`, "connection-1", maxMessageBytes);
  hub.attach({ send: async (text) => void sent.push(text), close: async () => {}, label: "test channel" });
  return { hub, sent };
}

const note = (n: number) =>
  JSON.stringify({ jsonrpc: "2.0", method: "notifications/message", params: { n } });

async function take(queue: AsyncIterable<string>, count: number): Promise<string[]> {
  const got: string[] = [];
  for await (const text of queue) {
    got.push(text);
    if (got.length === count) break;
  }
  return got;
}

describe("ChannelHub", () => {
  it("T14: a message no request claims goes to one GET stream only, the newest", async () => {
    const { hub } = openHub(1_000);
    const older = hub.listen();
    const newer = hub.listen();
    hub.events.message(note(1));
    newer.stop();
    hub.events.message(note(2));
    older.stop();
    expect(await take(older.queue.messages(0), 5)).toEqual([note(2)]);
    expect(await take(newer.queue.messages(0), 5)).toEqual([note(1)]);
  });

  it("ends a GET stream whose reader falls behind by more than two messages' cap", async () => {
    const { hub } = openHub(100);
    const { queue } = hub.listen();
    const reader = queue.messages(0);
    hub.events.message(note(0));
    expect((await reader.next()).value).toBe(note(0));
    // Read as it comes, nothing piles up: far more than the cap in total passes through.
    for (let n = 1; n <= 20; n++) {
      hub.events.message(note(n));
      expect((await reader.next()).value).toBe(note(n));
    }
    // Unread: the fourth message of ~60 characters passes 200, and the stream ends.
    for (let n = 21; n <= 30; n++) hub.events.message(note(n));
    await expect(reader.next()).rejects.toMatchObject({ name: "UpstreamFailure", kind: "too_large" });
  });

  it("ends a request's stream the same way, and the answer of a reader that keeps up arrives", async () => {
    const { hub, sent } = openHub(100);
    const slow = await hub.request(1, '{"jsonrpc":"2.0","id":1,"method":"tools/call"}', null);
    expect(sent).toHaveLength(1);
    for (let n = 0; n < 10; n++) hub.events.message(note(n));
    await expect(take(slow.messages(0), 20)).rejects.toMatchObject({ kind: "too_large" });

    const quick = await hub.request(2, '{"jsonrpc":"2.0","id":2,"method":"tools/call"}', null);
    hub.events.message('{"jsonrpc":"2.0","id":2,"result":{}}');
    expect(await take(quick.messages(0), 5)).toEqual(['{"jsonrpc":"2.0","id":2,"result":{}}']);
  });

  it("a hub closed before it was registered does not stay in the registry", async () => {
    const { hub } = openHub();
    hub.events.closed("process exited");
    channelRegistry().set(hub.id, hub);
    await hub.close("initialize failed");
    expect(channelRegistry().has(hub.id)).toBe(false);
  });
});
