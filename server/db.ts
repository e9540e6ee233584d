import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./db/generated/client";
import { env } from "./env";

export type Db = PrismaClient;
export type { Prisma } from "./db/generated/client";

const GLOBAL_KEY = Symbol.for("gatehouse.prisma");
type GlobalWithPrisma = typeof globalThis & { [GLOBAL_KEY]?: PrismaClient };

export function createDb(databaseUrl: string, options?: { max?: number }): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options?.max ?? 10,
    // Fail fast when PostgreSQL is unreachable: requests get a 503 instead of hanging.
    connectionTimeoutMillis: 5_000,
  });
  return new PrismaClient({ adapter });
}

/**
 * The process-wide Prisma client. Kept on globalThis so Next's hot reload and its separately
 * bundled route modules share one pool with the custom server.
 */
export function db(): PrismaClient {
  const holder = globalThis as GlobalWithPrisma;
  holder[GLOBAL_KEY] ??= createDb(env().DATABASE_URL);
  return holder[GLOBAL_KEY];
}

export async function disconnectDb(): Promise<void> {
  const holder = globalThis as GlobalWithPrisma;
  await holder[GLOBAL_KEY]?.$disconnect();
  holder[GLOBAL_KEY] = undefined;
}

/** The client inside `db.$transaction(async (tx) => …)`. */
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
