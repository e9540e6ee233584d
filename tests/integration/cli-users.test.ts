import { afterAll, describe, expect, it } from "vitest";
import { uniqueSuffix } from "@/prisma/seed/factories";
import { verifyPassword } from "@/server/crypto/password";
import { db, disconnectDb } from "@/server/db";
import { gatehouse } from "./helpers/gatehouse-cli";

/** `gatehouse user …` and `gatehouse team …` against the test database, as an operator would run them. */

afterAll(async () => {
  await disconnectDb();
});

describe("gatehouse user and team commands", () => {
  it("create a user with a one-time password, change the role, add to a team, deactivate", async () => {
    const email = `ops-${uniqueSuffix()}@example.test`;
    const created = gatehouse("user", "create", email, "--name", "Ops Person", "--role", "power-user+");
    expect(created.err).toBe("");
    expect(created.code).toBe(0);
    expect(created.out).toContain(`created ${email} (Power user+)`);
    const password = /password: (\S+)/.exec(created.out)?.[1] ?? "";
    const user = await db().user.findUniqueOrThrow({ where: { email } });
    expect(user.role).toBe("POWER_USER_PLUS");
    expect(await verifyPassword(user.passwordHash ?? "", password)).toBe(true);

    expect(gatehouse("user", "set-role", email, "ADMIN").out).toContain(`${email} is now Admin`);
    const teamName = `Ops ${uniqueSuffix()}`;
    expect(gatehouse("team", "create", teamName, "--description", "on call").code).toBe(0);
    expect(gatehouse("team", "add", teamName, email).out).toContain(`${email} is a member of ${teamName}`);
    expect(gatehouse("user", "deactivate", email).out).toContain(`${email} is deactivated`);

    const after = await db().user.findUniqueOrThrow({ where: { email }, include: { teamMemberships: true } });
    expect(after).toMatchObject({ role: "ADMIN", status: "DEACTIVATED" });
    expect(after.teamMemberships).toHaveLength(1);
    const actions = (
      await db().auditEvent.findMany({
        where: { OR: [{ targetId: user.id }, { metadata: { path: ["email"], equals: email } }] },
        orderBy: { occurredAt: "asc" },
      })
    ).map((event) => [event.action, event.actorUserId, event.userAgent]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ["user.role.change", null, "gatehouse-cli"],
        ["user.deactivate", null, "gatehouse-cli"],
      ]),
    );
  }, 180_000); // each command is a process that loads the CLI: slow on a busy CI machine

  it("refuses bad input with one clear line and exit code 1", () => {
    const weak = gatehouse("user", "create", `weak-${uniqueSuffix()}@example.test`, "--password", "short");
    expect(weak.code).toBe(1);
    expect(weak.err).toMatch(/^gatehouse: .*12 characters/m);
    const role = gatehouse("user", "set-role", "nobody@example.test", "EMPEROR");
    expect(role.code).toBe(1);
    expect(role.err).toContain('unknown role "EMPEROR"');
    const missing = gatehouse("user", "deactivate", `missing-${uniqueSuffix()}@example.test`);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no user with email/);
    expect(`${weak.err}${role.err}${missing.err}`).not.toMatch(/\n\s+at .+:\d+/);
  }, 180_000); // each command is a process that loads the CLI: slow on a busy CI machine
});
