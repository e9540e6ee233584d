import { randomBytes } from "node:crypto";
import { expect, test } from "./fixtures";

/**
 * The Owner invites someone, the invitee joins through the link, the Owner makes them Admin, and
 * the new Admin can manage users but cannot grant Owner: the option is not offered, and calling
 * the API directly is refused.
 */
test("an Owner invites a user, makes them Admin, and the Admin cannot grant Owner", async ({
  page,
  browser,
  baseURL,
  consoleProblems,
}) => {
  const suffix = randomBytes(3).toString("hex");
  const email = `new-admin-${suffix}@example.test`;
  const name = `Nadia ${suffix}`;
  const password = `a-long-passphrase-${suffix}`;

  // The Owner creates an invitation link.
  await page.goto("/users");
  await page.getByTestId("invite-button").click();
  const inviteDialog = page.getByRole("dialog");
  await inviteDialog.getByLabel("Email").fill(email);
  await inviteDialog.getByRole("button", { name: "Create invitation link" }).click();
  const link = await inviteDialog.getByTestId("invitation-link").inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{40,}$/);
  await inviteDialog.getByRole("button", { name: "Done" }).click();

  // The invitee joins in their own browser.
  const invitee = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const inviteePage = await invitee.newPage();
  await inviteePage.goto(link);
  await expect(inviteePage.getByRole("heading", { name: "Join Gatehouse" })).toBeVisible();
  await inviteePage.getByLabel("Name").fill(name);
  await inviteePage.getByLabel("Password", { exact: true }).fill(password);
  await inviteePage.getByLabel("Confirm password").fill(password);
  await inviteePage.getByRole("button", { name: "Create account" }).click();
  await expect(inviteePage.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(
    inviteePage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }),
  ).toHaveCount(0);

  // The link worked once.
  const reuse = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const reusePage = await reuse.newPage();
  await reusePage.goto(link);
  await expect(reusePage.getByTestId("invite-invalid")).toBeVisible();
  await reuse.close();

  // The Owner makes them Admin.
  await page.goto("/users");
  const row = page.getByTestId("user-row").and(page.locator(`[data-email="${email}"]`));
  await row.getByLabel(`Role of ${name}`).selectOption("ADMIN");
  await expect(page.getByText("Role changed")).toBeVisible();
  await expect(row).toHaveAttribute("data-role", "ADMIN");

  // The new Admin sees the Users page on their next request, without Owner among the choices.
  await inviteePage.goto("/users");
  await expect(inviteePage.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  const ownerRow = inviteePage
    .getByTestId("user-row")
    .and(inviteePage.locator('[data-role="OWNER"]'))
    .first();
  await expect(ownerRow).toBeVisible();
  await expect(ownerRow.getByRole("combobox")).toHaveCount(0);
  const someoneElse = inviteePage
    .getByTestId("user-row")
    .and(inviteePage.locator('[data-role="BASIC_USER"][data-status="active"]'))
    .first();
  const choices = await someoneElse
    .getByRole("combobox")
    .locator("option")
    .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
  expect(choices).toContain("ADMIN");
  expect(choices).not.toContain("OWNER");

  // Calling the API directly is refused too.
  const targetEmail = await someoneElse.getAttribute("data-email");
  const list = await inviteePage.request.get(
    `/api/trpc/users.list?input=${encodeURIComponent(JSON.stringify({ json: { search: targetEmail } }))}`,
  );
  const target = (await list.json()).result.data.json.items[0] as { id: string };
  const escalate = await inviteePage.request.post("/api/trpc/users.setRole", {
    headers: { "content-type": "application/json" },
    data: { json: { userId: target.id, role: "OWNER" } },
  });
  expect(escalate.status()).toBe(403);
  expect((await escalate.json()).error.json.message).toBe(
    "Only an Owner can grant or remove the Owner role.",
  );

  await invitee.close();

  // Taking the role back asks first, saying what they lose; Cancel changes nothing.
  await page.reload();
  await row.getByLabel(`Role of ${name}`).selectOption("BASIC_USER");
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText(`Change ${name}'s role to Basic user?`);
  await expect(confirm).toContainText("Admin → Basic user: they can no longer");
  await expect(confirm).toContainText("manage users and teams");
  await page.screenshot({ path: test.info().outputPath("demote-confirm.png") });
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(row).toHaveAttribute("data-role", "ADMIN");
  await row.getByLabel(`Role of ${name}`).selectOption("BASIC_USER");
  await page.getByRole("alertdialog").getByRole("button", { name: "Change role" }).click();
  await expect(row).toHaveAttribute("data-role", "BASIC_USER");
  expect(consoleProblems).toEqual([]);
});
