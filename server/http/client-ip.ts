import { BlockList, isIP } from "node:net";
import { BoundedMap } from "../bounded-map";

/**
 * X-Forwarded-For is trusted only from configured proxies (PROTOCOL X8). The client address is the
 * right-most address in the chain that is not itself a trusted proxy; anything a client wrote to
 * the left of that is ignored.
 */
export function trustedProxyList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split("/");
    if (!address) continue;
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (prefix !== undefined) list.addSubnet(address, Number(prefix), family);
    else list.addAddress(address, family);
  }
  return list;
}

function normalize(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

// BlockList.check costs a few microseconds (it crosses into C++ with a new SocketAddress), and it
// runs on every request, mostly for the same few peers: answers are kept per list and address (a
// list is built once, by trustedProxyList, and never changed).
const remembered = new WeakMap<BlockList, BoundedMap<boolean>>();

function isTrusted(list: BlockList, address: string): boolean {
  let answers = remembered.get(list);
  if (answers === undefined) {
    answers = new BoundedMap(4096);
    remembered.set(list, answers);
  }
  let trusted = answers.get(address);
  if (trusted === undefined) {
    const family = isIP(address);
    trusted = family !== 0 && list.check(address, family === 6 ? "ipv6" : "ipv4");
    answers.set(address, trusted);
  }
  return trusted;
}

export function resolveClientIp(options: {
  socketAddress: string | undefined;
  forwardedFor: string | string[] | undefined;
  trusted: BlockList;
}): { ip: string; viaTrustedProxy: boolean } {
  const socket = normalize(options.socketAddress ?? "");
  if (!isTrusted(options.trusted, socket)) return { ip: socket, viaTrustedProxy: false };
  const header = Array.isArray(options.forwardedFor)
    ? options.forwardedFor.join(",")
    : (options.forwardedFor ?? "");
  const chain = header
    .split(",")
    .map((part) => normalize(part.trim()))
    .filter((part) => isIP(part) !== 0);
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i] as string;
    if (!isTrusted(options.trusted, hop)) return { ip: hop, viaTrustedProxy: true };
  }
  return { ip: chain[0] ?? socket, viaTrustedProxy: true };
}
