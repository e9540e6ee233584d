import { z } from "zod";
import type { Db, Tx } from "../../db";
import type { OutboundPolicy } from "../../security/outbound-url";

/**
 * Hosts an admin allowed Gatehouse to reach even though they are internal (the SSRF guard refuses
 * them otherwise): "host" or "host:port". The demo seed allows its two local upstreams.
 */
export const ALLOWED_HOSTS_SETTING = "outbound.allowedHosts";

const HOSTS = z.array(z.string().min(1).max(260));

export async function getOutboundPolicy(db: Db | Tx): Promise<OutboundPolicy> {
  const row = await db.setting.findUnique({ where: { key: ALLOWED_HOSTS_SETTING } });
  const parsed = HOSTS.safeParse(row?.value);
  return { allowedHosts: parsed.success ? parsed.data : [] };
}

/** Adds hosts to the allow-list (idempotent). Used by the demo seed; the settings page comes with the catalog. */
export async function allowOutboundHosts(db: Db | Tx, hosts: string[]): Promise<void> {
  const current = (await getOutboundPolicy(db)).allowedHosts;
  const next = [...new Set([...current, ...hosts.map((host) => host.trim().toLowerCase())])];
  await db.setting.upsert({
    where: { key: ALLOWED_HOSTS_SETTING },
    create: { key: ALLOWED_HOSTS_SETTING, value: next },
    update: { value: next },
  });
}
