import { encode } from "next-auth/jwt";
import { expect } from "vitest";
import { type Db, db } from "@/server/db";
import { env } from "@/server/env";
import { resolveSession } from "@/server/services/auth/sessions";
import { createTrpcContext } from "@/server/trpc/init";
import { createCaller } from "@/server/trpc/root";
import { SESSION_COOKIE } from "./sessions";

/** What the HTTP front would set for a request; every audit row written through a caller carries it. */
export const TEST_CLIENT_IP = "203.0.113.9";
export const TEST_USER_AGENT = "vitest";

export type Caller = ReturnType<typeof createCaller>;

/**
 * A tRPC caller acting as the user of `sessionId` (resolved as a request would), or anonymous.
 * `database` swaps the database for tests that need one of their own.
 */
export async function callerFor(sessionId: string | null, database?: Db): Promise<Caller> {
  const target = database ?? db();
  const session = sessionId ? await resolveSession({ db: target, sessionId }) : null;
  const context = await createTrpcContext({
    headers: new Headers({ "x-gatehouse-client-ip": TEST_CLIENT_IP, "user-agent": TEST_USER_AGENT }),
    session,
  });
  return createCaller(database ? { ...context, db: () => database } : context);
}

/** The cookie a browser would hold for a session started outside signedInUser (e.g. after sign-in). */
export async function cookieFor(sessionId: string): Promise<string> {
  const jwt = await encode({ token: { sid: sessionId }, secret: env().AUTH_SECRET, salt: SESSION_COOKIE });
  return `${SESSION_COOKIE}=${jwt}`;
}

/** Asserts a tRPC call fails with `code` (and, when given, a message matching `message`). */
export async function expectTrpcError(
  call: Promise<unknown>,
  code: string,
  message?: string | RegExp,
): Promise<void> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, `expected ${code}, but the call succeeded`).not.toBeNull();
  expect(error).toMatchObject({ code });
  if (message !== undefined) {
    const text = (error as Error).message;
    if (typeof message === "string") expect(text).toBe(message);
    else expect(text).toMatch(message);
  }
}
