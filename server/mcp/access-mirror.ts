import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { BoundedMap } from "../bounded-map";
import { logger } from "../logger";
import { ACCESS_MIRROR_LEASE_MS, ACK_TTL_MS, accessMirrorKeys } from "../services/access/access-epochs";
import type { SessionState } from "./session-store";

/**
 * This instance's copy of the access epochs and sessions it has read from Redis, so a request on
 * the cached path needs no Redis round trip at all (issue 5: revocation on the next request, cheap).
 *
 * The copy is used only while it is **trusted**: while this instance holds a lease in Redis that
 * it renews every LEASE/4 by proving its subscription to the change channel alive (a ping on its
 * own channel, published and received on the same connection, so every change published before it
 * has been delivered). Services announce each committed change (access-epochs.ts
 * announceAccessChange) and wait until every leaseholder acknowledged it, or lost its lease, or
 * began a new trust period, so a request that starts after the service returned sees the change
 * on every instance. Whenever trust lapses (subscription closed, a renewal or an acknowledgement
 * failed, the event loop stalled past the lease, the command connection is not ready), the copy
 * is dropped and requests read Redis until a new trust period begins, empty.
 *
 * An entry read from Redis is stored only if no change arrived while it was being read (the
 * generation is unchanged), so a reply that crossed a change on the way is used once, not kept.
 */

const RENEW_EVERY_MS = ACCESS_MIRROR_LEASE_MS / 4;
/** local trust ends this long before the lease in Redis can (timer and clock-rate slack) */
const TRUST_MARGIN_MS = 250;
const MAX_USERS = 50_000;
const MAX_SESSIONS = 20_000;

const started = new Set<AccessMirror>();

/** Stops every mirror of this process (graceful shutdown: their leases are released at once). */
export async function stopAccessMirrors(): Promise<void> {
  await Promise.all([...started].map((mirror) => mirror.stop()));
}

const CHANGE_MESSAGE = z.object({
  id: z.string().min(1).max(100),
  global: z.boolean().optional(),
  userIds: z.array(z.string()).optional(),
  sessionHashes: z.array(z.string()).optional(),
});

export type MirroredEpochs = { global: string; user: string };

type MirroredSession = { state: SessionState; refreshedAt: number };

export type AccessMirrorOptions = {
  redis: () => Redis;
  key: (...parts: string[]) => string;
  /** a cached session is read from Redis again (and its idle expiry refreshed) after this long */
  sessionRefreshMs: number;
};

export class AccessMirror {
  readonly holderId = randomUUID();
  private readonly keys: ReturnType<typeof accessMirrorKeys>;
  private readonly pingChannel: string;
  private subscriber: Redis | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** performance.now() until which the copy may be used; 0 = not trusted */
  private trustedUntil = 0;
  /** the current trust period's id (stored in the lease), "" between periods */
  private period = "";
  private pingSeq = 0;
  private readonly pingsInFlight = new Map<number, number>();
  private globalEpoch: string | null = null;
  private readonly userEpochs = new BoundedMap<string>(MAX_USERS);
  private readonly sessions = new BoundedMap<MirroredSession>(MAX_SESSIONS);
  private changes = 0;
  private isStopped = false;

  constructor(private readonly options: AccessMirrorOptions) {
    this.keys = accessMirrorKeys(options.key);
    this.pingChannel = this.keys.ping(this.holderId);
  }

  /** Subscribes (once) and starts renewing the lease; the copy is trusted after the first renewal. */
  start(): void {
    if (this.subscriber !== null || this.isStopped) return;
    started.add(this);
    const subscriber = this.options
      .redis()
      .duplicate({ connectionName: `gatehouse:access-mirror:${this.holderId}` });
    this.subscriber = subscriber;
    subscriber.on("error", () => undefined);
    // Anything that interrupts the subscription may lose messages: stop trusting at once.
    subscriber.on("close", () => this.lapse());
    subscriber.on("message", (channel: string, raw: string) => this.onMessage(channel, raw));
    subscriber.subscribe(this.keys.channel, this.pingChannel).then(
      () => this.renew(),
      () => this.lapse(),
    );
    // After a reconnection (ioredis subscribes again by itself), trust is won back at once.
    subscriber.on("ready", () => this.renew());
    this.timer = setInterval(() => this.renew(), RENEW_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    started.delete(this);
    this.lapse();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const subscriber = this.subscriber;
    this.subscriber = null;
    subscriber?.disconnect();
    await this.options
      .redis()
      .multi()
      .del(this.keys.holder(this.holderId))
      .srem(this.keys.holders, this.holderId)
      .exec()
      .catch(() => undefined);
  }

  /** Bumped by every change and every lapse: an entry read across one is not stored (`remember`). */
  get generation(): number {
    return this.changes;
  }

  isTrusted(now = performance.now()): boolean {
    if (this.trustedUntil === 0) return false;
    if (now < this.trustedUntil && this.options.redis().status === "ready") return true;
    this.lapse();
    return false;
  }

  /** The mirrored epochs of `userId`, or null (not mirrored, or not trusted). */
  epochs(userId: string): MirroredEpochs | null {
    if (this.globalEpoch === null || !this.isTrusted()) return null;
    const user = this.userEpochs.get(userId);
    return user === undefined ? null : { global: this.globalEpoch, user };
  }

  /** The mirrored session (by key hash) while it needs no refresh, or undefined. */
  session(hash: string, now: number): SessionState | undefined {
    const entry = this.sessions.get(hash);
    if (entry === undefined || now - entry.refreshedAt >= this.options.sessionRefreshMs) return undefined;
    return this.isTrusted() ? entry.state : undefined;
  }

  /**
   * Stores what a request read from Redis, unless a change or a lapse came in between (`generation`
   * as it was before the read was sent). `refreshedAt`: when the session's expiry was refreshed.
   */
  remember(
    generation: number,
    read: {
      userId: string;
      epochs: MirroredEpochs | null;
      session?: { hash: string; state: SessionState | null; refreshedAt: number };
    },
  ): void {
    if (generation !== this.changes || !this.isTrusted()) return;
    if (read.epochs !== null) {
      if (this.globalEpoch !== read.epochs.global) {
        this.globalEpoch = read.epochs.global;
        this.userEpochs.clear();
      }
      this.userEpochs.set(read.userId, read.epochs.user);
    }
    const session = read.session;
    if (session === undefined) return;
    if (session.state === null) this.sessions.delete(session.hash);
    else this.sessions.set(session.hash, { state: session.state, refreshedAt: session.refreshedAt });
  }

  private clear(): void {
    this.changes += 1;
    this.globalEpoch = null;
    this.userEpochs.clear();
    this.sessions.clear();
  }

  private lapse(): void {
    // Pings sent before a lapse prove nothing about the subscription after it.
    this.pingsInFlight.clear();
    if (this.trustedUntil === 0 && this.period === "") return;
    this.trustedUntil = 0;
    this.period = "";
    this.clear();
  }

  private onMessage(channel: string, raw: string): void {
    if (channel === this.keys.channel) this.onChange(raw);
    else if (channel === this.pingChannel) void this.onPing(Number(raw));
  }

  private onChange(raw: string): void {
    let change: z.infer<typeof CHANGE_MESSAGE>;
    try {
      change = CHANGE_MESSAGE.parse(JSON.parse(raw));
    } catch {
      // A change this instance cannot read may concern anything: start over from an empty copy.
      this.lapse();
      return;
    }
    this.changes += 1;
    if (change.global) {
      this.globalEpoch = null;
      this.userEpochs.clear();
    } else {
      for (const userId of change.userIds ?? []) this.userEpochs.delete(userId);
    }
    for (const hash of change.sessionHashes ?? []) this.sessions.delete(hash);
    // Acknowledged after the entries are gone. A failed acknowledgement ends the trust period, so
    // the announcement sees a new period instead of waiting for an ack that will not come.
    const acks = this.keys.acks(change.id);
    this.options
      .redis()
      .multi()
      .sadd(acks, this.holderId)
      .pexpire(acks, ACK_TTL_MS)
      .exec()
      .then((results) => {
        if (!results || results.some(([error]) => error !== null)) this.lapse();
      })
      .catch(() => this.lapse());
  }

  private renew(): void {
    if (this.isStopped || this.subscriber?.status !== "ready") return;
    // A ping is sent at `sentAt`; when it comes back, every change published before it has been
    // received. The lease then runs LEASE from a moment after `sentAt`, local trust LEASE − margin
    // from `sentAt` itself, so local trust always ends first.
    const seq = ++this.pingSeq;
    this.pingsInFlight.set(seq, performance.now());
    if (this.pingsInFlight.size > 8)
      this.pingsInFlight.delete(this.pingsInFlight.keys().next().value as number);
    this.options
      .redis()
      .publish(this.pingChannel, String(seq))
      .catch(() => this.lapse());
  }

  private async onPing(seq: number): Promise<void> {
    const sentAt = this.pingsInFlight.get(seq);
    if (sentAt === undefined) return;
    for (const older of this.pingsInFlight.keys()) if (older <= seq) this.pingsInFlight.delete(older);
    // Trust that lapsed (or never began) starts a new period, from an empty copy.
    if (!this.isTrusted()) {
      this.lapse();
      this.period = randomUUID();
    }
    const period = this.period;
    try {
      const results = await this.options
        .redis()
        .multi()
        .set(this.keys.holder(this.holderId), period, "PX", ACCESS_MIRROR_LEASE_MS)
        .sadd(this.keys.holders, this.holderId)
        .exec();
      if (!results || results.some(([error]) => error !== null)) throw new Error("lease not renewed");
    } catch (error) {
      logger()
        .child({ component: "access-mirror" })
        .debug({ err: { message: (error as Error).message } }, "lease renewal failed");
      this.lapse();
      return;
    }
    // Renewed for the period it was meant for, with nothing lapsing meanwhile.
    if (this.period !== period || this.isStopped) return;
    this.trustedUntil = sentAt + ACCESS_MIRROR_LEASE_MS - TRUST_MARGIN_MS;
  }
}
