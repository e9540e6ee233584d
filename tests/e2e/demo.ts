import { openDb } from "./db";
import { readState } from "./state";

/** The demo upstream (server-everything on this machine), which the demo's outbound policy allows. */
export async function demoUpstreamUrl(): Promise<string> {
  const db = openDb(readState());
  try {
    const url = await db.value<string>(
      `SELECT v.url AS value FROM "Server" s JOIN "ServerVersion" v ON v.id = s."approvedVersionId"
       WHERE s.slug = 'everything'`,
    );
    if (!url) throw new Error("the demo server 'everything' has no approved URL");
    return url;
  } finally {
    await db.end();
  }
}
