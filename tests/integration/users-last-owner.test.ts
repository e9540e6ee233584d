import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "@/prisma/seed/factories";
import { createDb, type Db, disconnectDb } from "@/server/db";
import { migrate } from "@/server/db/migrate";
import { isAppError } from "@/server/errors";
import { RefusedChange } from "@/server/services/users/audited-change";
import { assertNotLastOwner, lockActorAndTarget } from "@/server/services/users/lock-users";
import { callerFor, expectTrpcError } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";
import { createDatabase, dropDatabase } from "./helpers/test-database";

/**
 * "The installation always keeps an active Owner" needs to count every Owner, which the shared
 * test database cannot offer (other files create Owners in parallel): these tests get a database
 * of their own.
 */
let database: { name: string; url: string };
let isolated: Db;

beforeAll(async () => {
  database = await createDatabase("gatehouse_test_owners");
  await migrate(database.url);
  isolated = createDb(database.url, { max: 8 });
});

afterAll(async () => {
  await isolated?.$disconnect();
  await disconnectDb();
  if (database) await dropDatabase(database.name);
});

function activeOwners() {
  return isolated.user.count({ where: { role: "OWNER", status: "ACTIVE" } });
}

/** Leaves exactly the given Owners active: everyone else who is an Owner is demoted. */
async function onlyOwners(ids: string[]) {
  await isolated.user.updateMany({
    where: { role: "OWNER", id: { notIn: ids } },
    data: { role: "BASIC_USER" },
  });
}

describe("the last Owner", () => {
  it("cannot demote or deactivate themselves, and an Admin can do neither to them", async () => {
    const owner = await signedInUser(isolated, "OWNER");
    const admin = await signedInUser(isolated, "ADMIN");
    await onlyOwners([owner.user.id]);
    const asOwner = await callerFor(owner.sessionId, isolated);
    const asAdmin = await callerFor(admin.sessionId, isolated);

    await expectTrpcError(asOwner.users.setRole({ userId: owner.user.id, role: "ADMIN" }), "FORBIDDEN");
    await expectTrpcError(asOwner.users.deactivate({ userId: owner.user.id }), "FORBIDDEN");
    await expectTrpcError(asAdmin.users.setRole({ userId: owner.user.id, role: "ADMIN" }), "FORBIDDEN");
    await expectTrpcError(asAdmin.users.deactivate({ userId: owner.user.id }), "FORBIDDEN");
    expect(await activeOwners()).toBe(1);
  });

  it("is refused with CONFLICT by the check every demotion and deactivation runs", async () => {
    const owner = await createUser(isolated, { role: "OWNER" });
    await onlyOwners([owner.id]);
    const error = await isolated
      .$transaction(async (tx) => {
        const { target } = await lockActorAndTarget(tx, {
          actorId: owner.id,
          targetId: owner.id,
          permission: "user.set_role",
        });
        await assertNotLastOwner(tx, target, { action: "user.role.change" });
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefusedChange);
    expect(isAppError(error) && error.code).toBe("CONFLICT");
    expect((error as Error).message).toContain("is the last Owner");
  });

  // Without row locks both requests see two Owners, both succeed, and none is left.
  it.each([1, 2, 3, 4, 5])(
    "survives two Owners demoting each other at the same moment (round %i)",
    async () => {
      const a = await signedInUser(isolated, "OWNER");
      const b = await signedInUser(isolated, "OWNER");
      await onlyOwners([a.user.id, b.user.id]);
      const [asA, asB] = await Promise.all([
        callerFor(a.sessionId, isolated),
        callerFor(b.sessionId, isolated),
      ]);

      const results = await Promise.allSettled([
        asA.users.setRole({ userId: b.user.id, role: "ADMIN" }),
        asB.users.setRole({ userId: a.user.id, role: "ADMIN" }),
      ]);
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
      const refused = results.find((result) => result.status === "rejected");
      expect(refused?.reason).toMatchObject({ code: "FORBIDDEN" });
      expect(await activeOwners()).toBe(1);
    },
  );

  it.each([1, 2, 3])(
    "survives two Owners deactivating each other at the same moment (round %i)",
    async () => {
      const a = await signedInUser(isolated, "OWNER");
      const b = await signedInUser(isolated, "OWNER");
      await onlyOwners([a.user.id, b.user.id]);
      const [asA, asB] = await Promise.all([
        callerFor(a.sessionId, isolated),
        callerFor(b.sessionId, isolated),
      ]);

      const results = await Promise.allSettled([
        asA.users.deactivate({ userId: b.user.id }),
        asB.users.deactivate({ userId: a.user.id }),
      ]);
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
      expect(await activeOwners()).toBe(1);
    },
  );
});
