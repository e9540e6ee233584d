import { afterAll, describe, expect, it } from "vitest";
import { createUser, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { env } from "@/server/env";
import { isMailConfigured } from "@/server/mail/send-mail";
import { disconnectRedis } from "@/server/redis";
import { requestPasswordReset } from "@/server/services/auth/password-reset";

/** Without SMTP_URL there is no reset by email: the request says so and changes nothing. */
afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

describe("password reset without mail configured", () => {
  it("requestPasswordReset is refused as UNAVAILABLE, for any address", async () => {
    expect(env().SMTP_URL).toBeUndefined();
    expect(isMailConfigured()).toBe(false);
    const user = await createUser(db(), { email: `reset-${uniqueSuffix()}@example.test`, passwordHash: "x" });
    for (const email of [user.email, `nobody-${uniqueSuffix()}@example.test`]) {
      await expect(requestPasswordReset({ db: db(), email, context: {} })).rejects.toMatchObject({
        code: "UNAVAILABLE",
        message: "Password reset by email is not set up here; ask an administrator to reset your password.",
      });
    }
    expect(await db().verificationToken.count({ where: { identifier: `password-reset:${user.id}` } })).toBe(
      0,
    );
  });
});
