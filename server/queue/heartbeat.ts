import type { Redis } from "ioredis";
import { redisKey } from "../redis";

/** The worker writes this key every few seconds; the app reads it to show whether a worker is alive. */
export const HEARTBEAT_TTL_SECONDS = 30;
export const HEARTBEAT_INTERVAL_MS = 10_000;

export type WorkerHeartbeat = {
  pid: number;
  hostname: string;
  startedAt: string;
  at: string;
  processed: number;
};

export function heartbeatKey(): string {
  return redisKey("worker", "heartbeat");
}

export async function writeHeartbeat(client: Redis, beat: WorkerHeartbeat): Promise<void> {
  await client.set(heartbeatKey(), JSON.stringify(beat), "EX", HEARTBEAT_TTL_SECONDS);
}

export async function readHeartbeat(client: Redis): Promise<WorkerHeartbeat | null> {
  const raw = await client.get(heartbeatKey());
  return raw ? (JSON.parse(raw) as WorkerHeartbeat) : null;
}
