import { z } from "zod";
import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db, Tx } from "../../db";
import type { ServerStatus } from "../../db/generated/client";
import { AppError } from "../../errors";
import type { OutboundPolicy } from "../../security/outbound-url";
import { bumpGlobalAccessEpoch } from "../access/access-epochs";

/**
 * Hosts an admin allowed Gatehouse to reach even though they are internal (the SSRF guard refuses
 * them otherwise): "host" or "host:port". The demo seed allows its two local upstreams.
 */
export const ALLOWED_HOSTS_SETTING = "outbound.allowedHosts";
/** Those of the allowed hosts that every publisher's servers may use (policyForVersion). */
export const EVERYONE_HOSTS_SETTING = "outbound.allowedHostsForEveryone";

const HOSTS = z.array(z.string().min(1).max(260));

export async function getOutboundPolicy(db: Db | Tx): Promise<OutboundPolicy> {
  const rows = await db.setting.findMany({
    where: { key: { in: [ALLOWED_HOSTS_SETTING, EVERYONE_HOSTS_SETTING] } },
  });
  const listed = (key: string) => {
    const parsed = HOSTS.safeParse(rows.find((row) => row.key === key)?.value);
    return parsed.success ? parsed.data : [];
  };
  const allowedHosts = listed(ALLOWED_HOSTS_SETTING);
  // Only what is allowed at all can be open to everyone.
  const everyoneHosts = listed(EVERYONE_HOSTS_SETTING).filter((host) => allowedHosts.includes(host));
  return { allowedHosts, everyoneHosts };
}

/**
 * The policy for one server version's upstream. The admin's internal hosts serve the versions an
 * admin vouched for (approved in review, or published by someone holding server.manage_all: both
 * mark it reviewed) or is about to judge (waiting for review: discovered for the reviewer). Anyone
 * else's, such as a Power user's personal server, approved at once without review, is judged as if
 * the list were empty, whatever its URL or URL variables say: the list cannot be used to reach an
 * internal server the registries grant to others.
 */
export function policyForVersion(
  policy: OutboundPolicy,
  version: { reviewedAt: Date | null; status: ServerStatus },
): OutboundPolicy {
  const isVouched = version.reviewedAt !== null || version.status === "PENDING_APPROVAL";
  return isVouched
    ? policy
    : everyoneHostsOnly(
        policy,
        "an admin allowed this host for the servers they approve, and no admin approved this one",
      );
}

/**
 * The policy for the connections a stdio version's own code makes (the sandbox's egress proxy):
 * only a review vouches for it. Unlike a remote URL, which the reviewer sees before discovery
 * dials it, the code of a package waiting for review is what the review is about.
 */
export function policyForStdioVersion(
  policy: OutboundPolicy,
  version: { reviewedAt: Date | null },
): OutboundPolicy {
  return version.reviewedAt !== null
    ? policy
    : everyoneHostsOnly(
        policy,
        "an admin allowed this host for the servers they approve, and no admin has approved this one yet",
      );
}

/**
 * The policy for a fetch one person asks for on the spot (importing a server.json by URL): an
 * admin (server.manage_all) may use every allowed host; anyone else only those open to everyone, as
 * their own servers would, so the list cannot be used to read an internal host's pages either.
 */
export function policyForRequester(policy: OutboundPolicy, requester: { isAdmin: boolean }): OutboundPolicy {
  return requester.isAdmin
    ? policy
    : everyoneHostsOnly(policy, "an admin allowed this host for admins only; ask an admin to import from it");
}

/** The allowed hosts narrowed to those open to every publisher; the others are withheld (and said so). */
function everyoneHostsOnly(policy: OutboundPolicy, withheldRemedy: string): OutboundPolicy {
  if (policy.allowedHosts.length === 0) return policy;
  const everyone = policy.everyoneHosts ?? [];
  return {
    allowedHosts: everyone,
    withheldHosts: policy.allowedHosts.filter((host) => !everyone.includes(host)),
    withheldRemedy,
  };
}

type AddOptions = {
  /** open them to every publisher's servers too, not only to those an admin vouched for */
  forEveryone?: boolean;
};

/** Adds hosts to the allow-list (idempotent); used by the demo seed and tests. */
export async function allowOutboundHosts(
  db: Db | Tx,
  hosts: string[],
  options: AddOptions = {},
): Promise<void> {
  await addAllowedHosts(db, hosts, options);
  await bumpGlobalAccessEpoch();
}

/**
 * Adds hosts to the allow-list without telling the proxy's caches: for a caller inside a
 * transaction, which bumps the access epoch itself once it has committed.
 */
export async function addAllowedHosts(db: Db | Tx, hosts: string[], options: AddOptions = {}): Promise<void> {
  const add = async (tx: Tx) => {
    await lockHostLists(tx);
    const current = await getOutboundPolicy(tx);
    const added = hosts.map((host) => host.trim().toLowerCase());
    await writeHostLists(tx, {
      allowed: [...new Set([...current.allowedHosts, ...added])],
      everyone: [...new Set([...(current.everyoneHosts ?? []), ...(options.forEveryone ? added : [])])],
    });
  };
  if ("$transaction" in db) await db.$transaction(add);
  else await add(db);
}

/**
 * Serializes changes of the host lists (read, then write both settings) until the transaction
 * ends: two additions at once would otherwise each write back the list without the other's host.
 */
async function lockHostLists(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${ALLOWED_HOSTS_SETTING}))`;
}

async function writeHostLists(db: Db | Tx, lists: { allowed: string[]; everyone: string[] }): Promise<void> {
  for (const [key, value] of [
    [ALLOWED_HOSTS_SETTING, lists.allowed],
    [EVERYONE_HOSTS_SETTING, lists.everyone],
  ] as const)
    await db.setting.upsert({ where: { key }, create: { key, value }, update: { value } });
}

/** "host" or "host:port": a DNS name, IPv4 address or bracketed IPv6 address, lowercase. */
const HOST_ENTRY =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

export function normalizeHostEntry(entry: string): string | null {
  const value = entry.trim().toLowerCase();
  if (!HOST_ENTRY.test(value)) return null;
  const port = /:(\d{1,5})$/.exec(value.replace(/^\[[^\]]+\]/, ""))?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null;
  return value;
}

/** Replaces the allow-list (admin action), audited with before/after in the same transaction. */
export async function setAllowedHosts(options: {
  db: Db;
  hosts: string[];
  /** those of `hosts` every publisher's servers may use too; unchanged where left out */
  forEveryone?: string[];
  context: AuditContext;
}): Promise<{ hosts: string[]; forEveryone: string[] }> {
  const invalid = options.hosts.filter((host) => normalizeHostEntry(host) === null);
  if (invalid.length > 0) {
    throw new AppError("BAD_REQUEST", `Not a host or host:port: ${invalid.join(", ")}`, {
      details: { invalid },
    });
  }
  const hosts = [...new Set(options.hosts.map((host) => normalizeHostEntry(host) as string))].sort();
  const committed = await options.db.$transaction(async (tx) => {
    await lockHostLists(tx);
    const before = await getOutboundPolicy(tx);
    const wanted = options.forEveryone ?? before.everyoneHosts ?? [];
    const forEveryone = hosts.filter((host) => wanted.some((entry) => normalizeHostEntry(entry) === host));
    await writeHostLists(tx, { allowed: hosts, everyone: forEveryone });
    await recordAudit(tx, options.context, {
      action: "settings.allowed_hosts.change",
      targetType: "setting",
      targetId: ALLOWED_HOSTS_SETTING,
      metadata: {
        before: [...before.allowedHosts],
        after: hosts,
        forEveryoneBefore: [...(before.everyoneHosts ?? [])],
        forEveryoneAfter: forEveryone,
      },
    });
    return { hosts, forEveryone };
  });
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpGlobalAccessEpoch();
  return committed;
}
