import { randomBytes, randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import {
  accessChange,
  createConnection,
  createServer,
  createToken,
  createUser,
  insertAuditRow,
  mcpExchange,
  userIdOf,
} from "./audit-seed";
import { type E2eDb, openDb } from "./db";
import { expect, test, watchConsole } from "./fixtures";
import { signInAs } from "./sign-in-as";
import { type E2eState, readState } from "./state";

/**
 * The audit log, from the people who read it: an Admin narrows it by kind, outcome and search (kept
 * in the address), opens an event's details, and learns that bodies are for Auditors; an Auditor
 * opens the sealed bodies of an MCP exchange, and that reading is itself audited; a Power user sees
 * only the events of their own server; a Basic user does not get the page at all. Events are seeded
 * with the proxy's own row builder (bodies sealed under the e2e server's key) on servers made for
 * this run, so other spec files writing events at the same time never change what is asserted.
 * Screenshots go to /tmp/audit-*.png for people to look at.
 */

const SUFFIX = randomBytes(3).toString("hex");
const ARI = "ari.admin@gatehouse.local";
const AVERY = "avery.audit@gatehouse.local";
const SAM = "sam.support@gatehouse.local";
const PIA = `pia.power.${SUFFIX}@example.test`;
const NICO = `nico.new.${SUFFIX}@example.test`;

const OTHER_SERVER = `Billing tools ${SUFFIX}`;
const PIA_SERVER = `Pia's invoices ${SUFFIX}`;
const CI_TOKEN = `CI agent ${SUFFIX}`;
const PIA_TOKEN = `Pia laptop ${SUFFIX}`;
const CI_CONNECTION = `Billing for CI ${SUFFIX}`;

/** What beforeAll seeded, by name. */
const seeded = {
  ariId: "",
  piaServerId: "",
  otherServerId: "",
  /** MCP call on Pia's server, bodies sealed, response cut to 2 KiB */
  lookup: "",
  /** a change to Pia's server */
  piaChange: "",
  /** a refused MCP call on the other server */
  denied: "",
  /** an MCP call on the other server, bodies sealed */
  search: "",
  /** an Admin's approval of the other server */
  approve: "",
  /** a server with more events than one page holds */
  busyServerId: "",
};

/** More than one page (50) of events on the busy server. */
const BUSY_EVENTS = 55;

let db: E2eDb;
let state: E2eState;

test.beforeAll(async () => {
  state = readState();
  db = openDb(state);
  const ownerId = await userIdOf(db, state.ownerEmail);
  seeded.ariId = await userIdOf(db, ARI);
  const piaId = await createUser(db, { email: PIA, name: `Pia Power ${SUFFIX}`, role: "POWER_USER" });
  await createUser(db, { email: NICO, name: `Nico New ${SUFFIX}`, role: "POWER_USER" });
  seeded.piaServerId = await createServer(db, {
    ownerId: piaId,
    slug: `pia-invoices-${SUFFIX}`,
    name: PIA_SERVER,
  });
  seeded.otherServerId = await createServer(db, {
    ownerId: seeded.ariId,
    slug: `billing-tools-${SUFFIX}`,
    name: OTHER_SERVER,
  });
  const ciToken = await createToken(db, { userId: ownerId, name: CI_TOKEN });
  const piaToken = await createToken(db, { userId: piaId, name: PIA_TOKEN });

  const lookupRequest = {
    jsonrpc: "2.0",
    id: 7,
    method: "tools/call",
    params: { name: `lookup-${SUFFIX}`, arguments: { query: "invoices overdue in March" } },
  };
  const lookupResponse = {
    jsonrpc: "2.0",
    id: 7,
    result: {
      content: [
        {
          type: "text",
          text: `Found 3 overdue invoices. ${"INV-2026-0042 ACME Corp 1,200.00 EUR; ".repeat(80)}`,
        },
      ],
    },
  };
  seeded.lookup = await insertAuditRow(
    db,
    mcpExchange(
      state,
      {
        userId: piaId,
        tokenId: piaToken,
        serverId: seeded.piaServerId,
        connectionId: randomUUID(),
        sessionId: `session-${randomUUID()}`,
        client: "claude-code/1.0.71",
        clientIp: "203.0.113.24",
        userAgent: "claude-code/1.0.71 (linux; x64)",
      },
      {
        action: "mcp.request",
        outcome: "OK",
        method: "tools/call",
        subject: `lookup-${SUFFIX}`,
        requestBody: JSON.stringify(lookupRequest),
        responseBody: JSON.stringify(lookupResponse),
        metadata: { jsonRpcId: 7 },
        secondsAgo: 120,
        latencyMs: 184,
      },
      // A small cap, so the response is stored cut short and the page says so.
      2048,
    ),
  );
  seeded.piaChange = await insertAuditRow(
    db,
    accessChange({
      action: "server.update",
      actorUserId: piaId,
      targetType: "server",
      targetId: seeded.piaServerId,
      serverId: seeded.piaServerId,
      clientIp: "203.0.113.24",
      userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0",
      requestId: randomUUID(),
      metadata: { changed: ["description"] },
      secondsAgo: 600,
    }),
  );

  const otherScope = {
    userId: ownerId,
    tokenId: ciToken,
    serverId: seeded.otherServerId,
    connectionId: await createConnection(db, {
      userId: ownerId,
      serverId: seeded.otherServerId,
      name: CI_CONNECTION,
    }),
    sessionId: `session-${randomUUID()}`,
    client: "ci-agent/2.3.0",
    clientIp: "198.51.100.7",
    userAgent: "ci-agent/2.3.0 (+https://ci.example.test)",
  };
  seeded.denied = await insertAuditRow(
    db,
    mcpExchange(state, otherScope, {
      action: "mcp.request",
      outcome: "DENIED",
      reason: `tool drop-tables-${SUFFIX} is not on this connection's allow-list`,
      method: "tools/call",
      subject: `drop-tables-${SUFFIX}`,
      requestBody: JSON.stringify({
        jsonrpc: "2.0",
        id: 11,
        method: "tools/call",
        params: { name: `drop-tables-${SUFFIX}`, arguments: {} },
      }),
      metadata: { jsonRpcId: 11 },
      secondsAgo: 300,
      latencyMs: 3,
    }),
  );
  seeded.search = await insertAuditRow(
    db,
    mcpExchange(state, otherScope, {
      action: "mcp.request",
      outcome: "OK",
      method: "tools/call",
      subject: `search-invoices-${SUFFIX}`,
      requestBody: JSON.stringify({
        jsonrpc: "2.0",
        id: 12,
        method: "tools/call",
        params: { name: `search-invoices-${SUFFIX}`, arguments: { customer: "ACME" } },
      }),
      responseBody: JSON.stringify({ jsonrpc: "2.0", id: 12, result: { content: [] } }),
      metadata: { jsonRpcId: 12 },
      secondsAgo: 240,
      latencyMs: 95,
    }),
  );
  seeded.approve = await insertAuditRow(
    db,
    accessChange({
      action: "server.approve",
      actorUserId: seeded.ariId,
      targetType: "server",
      targetId: seeded.otherServerId,
      serverId: seeded.otherServerId,
      clientIp: "192.0.2.10",
      userAgent: "Mozilla/5.0 (Macintosh) Safari/605.1.15",
      requestId: randomUUID(),
      metadata: { version: "1.0.0" },
      secondsAgo: 900,
    }),
  );

  seeded.busyServerId = await createServer(db, {
    ownerId: seeded.ariId,
    slug: `busy-${SUFFIX}`,
    name: `Busy server ${SUFFIX}`,
  });
  for (let index = 0; index < BUSY_EVENTS; index++)
    await insertAuditRow(
      db,
      accessChange({
        action: "server.discovery.request",
        actorUserId: seeded.ariId,
        targetType: "server",
        targetId: seeded.busyServerId,
        serverId: seeded.busyServerId,
        requestId: randomUUID(),
        secondsAgo: 60 + index * 30,
      }),
    );
});

test.afterAll(async () => {
  await db.end();
});

function rows(page: Page) {
  return page.getByTestId("audit-row");
}

function row(page: Page, eventId: string) {
  return page.locator(`[data-testid="audit-row"][data-event-id="${eventId}"]`);
}

async function openDetails(page: Page, eventId: string) {
  await row(page, eventId)
    .getByRole("button", { name: /^Details of / })
    .click();
  const dialog = page.getByTestId("audit-event-dialog");
  await expect(dialog).toBeVisible();
  return dialog;
}

test("an Admin narrows the log by kind, outcome and search, keeps the filters in the address, and reads an event's details", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const ari = await signInAs(browser, baseURL, ARI);
  const problems = watchConsole(ari.page);
  const page = ari.page;
  try {
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.goto(`/audit?server=${seeded.otherServerId}`);
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    await expect(page.getByTestId("audit-visibility-note")).toHaveCount(0);
    await expect(page.getByTestId("audit-server-filter")).toHaveText(`Server: ${OTHER_SERVER}`);
    await expect(rows(page)).toHaveCount(3);
    // Newest first.
    await expect(rows(page).nth(0)).toHaveAttribute("data-event-id", seeded.search);
    await expect(rows(page).nth(1)).toHaveAttribute("data-event-id", seeded.denied);
    await expect(rows(page).nth(2)).toHaveAttribute("data-event-id", seeded.approve);

    const denied = row(page, seeded.denied);
    await expect(denied).toContainText("Olivia Owner");
    await expect(denied).toContainText(CI_TOKEN);
    await expect(denied).toContainText(`tools/call · drop-tables-${SUFFIX}`);
    await expect(denied.getByTestId("outcome-badge")).toHaveText("Denied");
    await expect(denied.getByTestId("audit-reason")).toHaveText(
      `tool drop-tables-${SUFFIX} is not on this connection's allow-list`,
    );
    await expect(denied).toContainText("3 ms");
    await expect(denied.getByRole("link", { name: OTHER_SERVER })).toHaveAttribute(
      "href",
      `/servers/${seeded.otherServerId}`,
    );
    const approve = row(page, seeded.approve);
    await expect(approve).toContainText("Ari Admin");
    await expect(approve).toContainText("server.approve");
    await expect(approve.getByTestId("outcome-badge")).toHaveText("OK");
    await expect(page.getByTestId("audit-count")).toHaveText("3 events match in the last 24 hours");
    await page.screenshot({ path: "/tmp/audit-list.png", fullPage: true });

    // Kind, then outcome: each narrows the table and lands in the address.
    await page.getByLabel("Kind of event").selectOption("mcp");
    await expect(rows(page)).toHaveCount(2);
    await expect(row(page, seeded.approve)).toHaveCount(0);
    await expect(page).toHaveURL(/[?&]kind=mcp(&|$)/);
    await page.getByLabel("Outcome").selectOption("DENIED");
    await expect(rows(page)).toHaveCount(1);
    await expect(row(page, seeded.denied)).toBeVisible();
    await expect(page).toHaveURL(/[?&]outcome=denied(&|$)/);

    // A reload (or a shared link) shows the same view.
    await page.reload();
    await expect(page.getByLabel("Kind of event")).toHaveValue("mcp");
    await expect(page.getByLabel("Outcome")).toHaveValue("DENIED");
    await expect(page.getByLabel("Period")).toHaveValue("24h");
    await expect(rows(page)).toHaveCount(1);
    await expect(row(page, seeded.denied)).toBeVisible();

    // The search looks at tool names (and actions, methods and reasons).
    await page.getByLabel("Outcome").selectOption("");
    await page.getByLabel("Search action, method, tool or reason").fill(`search-invoices-${SUFFIX}`);
    await expect(rows(page)).toHaveCount(1);
    await expect(row(page, seeded.search)).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`[?&]q=search-invoices-${SUFFIX}(&|$)`));

    // Nothing matches: the table says what to change.
    await page.getByLabel("Kind of event").selectOption("access");
    await expect(page.getByText("No events match these filters in the last 24 hours.")).toBeVisible();
    await expect(rows(page)).toHaveCount(0);
    await expect(page.getByTestId("audit-server-filter")).toHaveText(`Server: ${OTHER_SERVER}`);
    await page.screenshot({ path: "/tmp/audit-no-match.png", fullPage: true });
    await page.getByLabel("Search action, method, tool or reason").fill("");
    await expect(rows(page)).toHaveCount(1);
    await expect(row(page, seeded.approve)).toBeVisible();

    // An MCP call's details: every recorded field as text, the metadata, and no bodies for an Admin.
    await page.goto(`/audit?server=${seeded.otherServerId}&kind=mcp`);
    await expect(rows(page)).toHaveCount(2);
    const dialog = await openDetails(page, seeded.search);
    await expect(dialog.getByRole("heading", { name: "mcp.request" })).toBeVisible();
    for (const text of [
      "Olivia Owner",
      CI_TOKEN,
      "ci-agent/2.3.0",
      "198.51.100.7",
      "ci-agent/2.3.0 (+https://ci.example.test)",
      `search-invoices-${SUFFIX}`,
      "95 ms",
      CI_CONNECTION,
      seeded.search,
      seeded.otherServerId,
    ])
      await expect(dialog).toContainText(text);
    await expect(dialog.getByTestId("audit-metadata")).toHaveText('{\n  "jsonRpcId": 12\n}');
    await expect(dialog.getByTestId("audit-bodies-auditors-only")).toContainText("visible to Auditors only");
    await expect(dialog.getByRole("button", { name: "Show request and response bodies" })).toHaveCount(0);
    await page.screenshot({ path: "/tmp/audit-dialog-admin.png" });
    // Escape closes it, and the keyboard is back on the row it was opened from.
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(row(page, seeded.search).getByRole("button", { name: /^Details of / })).toBeFocused();

    // From an event to everything that person did.
    await page.getByLabel("Kind of event").selectOption("all");
    await expect(rows(page)).toHaveCount(3);
    const approval = await openDetails(page, seeded.approve);
    await approval.getByRole("button", { name: "Only this person's events" }).click();
    await expect(approval).toBeHidden();
    await expect(page.getByTestId("audit-user-filter")).toHaveText("Person: Ari Admin");
    await expect(page).toHaveURL(new RegExp(`[?&]user=${seeded.ariId}(&|$)`));
    await expect(rows(page)).toHaveCount(1);
    await expect(row(page, seeded.approve)).toBeVisible();

    // From an MCP call to everything the agent did in that session (the denied call shares it).
    await page.goto(`/audit?server=${seeded.otherServerId}&kind=mcp&period=all`);
    const call = await openDetails(page, seeded.search);
    await call.getByRole("button", { name: "Only this session's events" }).click();
    await expect(call).toBeHidden();
    await expect(page.getByTestId("audit-session-filter")).toContainText("Session: session-");
    await expect(page).toHaveURL(/[?&]session=session-[0-9a-f-]+(&|$)/);
    await expect(rows(page)).toHaveCount(2);
    await expect(row(page, seeded.denied)).toBeVisible();
    await expect(row(page, seeded.search)).toBeVisible();

    // From an MCP call to everything done with its token, then to everything through its connection.
    await page.goto(`/audit?server=${seeded.otherServerId}&kind=mcp&period=all`);
    const viaToken = await openDetails(page, seeded.search);
    await viaToken.getByRole("button", { name: "Only this token's events" }).click();
    await expect(viaToken).toBeHidden();
    await expect(page.getByTestId("audit-token-filter")).toHaveText(`Token: ${CI_TOKEN}`);
    await expect(page).toHaveURL(/[?&]token=[0-9a-f-]{36}(&|$)/);
    await expect(rows(page)).toHaveCount(2);
    await expect(row(page, seeded.denied)).toBeVisible();
    await expect(row(page, seeded.search)).toBeVisible();
    await page.getByRole("button", { name: `Remove filter Token: ${CI_TOKEN}` }).click();
    const viaConnection = await openDetails(page, seeded.denied);
    await viaConnection.getByRole("button", { name: "Only this connection's events" }).click();
    await expect(page.getByTestId("audit-connection-filter")).toHaveText(`Connection: ${CI_CONNECTION}`);
    await expect(page).toHaveURL(/[?&]connection=[0-9a-f-]{36}(&|$)/);
    await expect(rows(page)).toHaveCount(2);
    // A shared link names the connection from the rows.
    await page.reload();
    await expect(page.getByTestId("audit-connection-filter")).toHaveText(`Connection: ${CI_CONNECTION}`);
    await expect(rows(page)).toHaveCount(2);

    expect(problems).toEqual([]);
  } finally {
    await ari.context.close();
  }
});

test("a long log loads a page at a time", async ({ page, consoleProblems }) => {
  await page.goto(`/audit?server=${seeded.busyServerId}`);
  await expect(rows(page)).toHaveCount(50);
  await expect(page.getByTestId("audit-count")).toHaveText("50 events loaded, newest first");
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(rows(page)).toHaveCount(BUSY_EVENTS);
  await expect(page.getByTestId("audit-count")).toHaveText(
    `${BUSY_EVENTS} events match in the last 24 hours`,
  );
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);
  // Newest first across the page boundary: the oldest event is last.
  const times = await page
    .locator('[data-testid="audit-row"] time')
    .evaluateAll((elements) => elements.map((element) => element.getAttribute("datetime") ?? ""));
  expect(times).toEqual([...times].sort().reverse());
  expect(consoleProblems).toEqual([]);
});

test("an Auditor opens the sealed bodies of an MCP call, and the reading is itself audited", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const avery = await signInAs(browser, baseURL, AVERY);
  const problems = watchConsole(avery.page);
  const page = avery.page;
  try {
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.goto(`/audit?server=${seeded.piaServerId}&kind=mcp`);
    await expect(rows(page)).toHaveCount(1);
    // An Auditor with a Basic role cannot open someone's personal server: it is named, not linked.
    await expect(row(page, seeded.lookup)).toContainText(PIA_SERVER);
    await expect(row(page, seeded.lookup).getByRole("link")).toHaveCount(0);

    const dialog = await openDetails(page, seeded.lookup);
    await expect(dialog).toContainText("recorded in the audit log");
    expect(
      await db.value<number>(
        `SELECT count(*)::int AS value FROM "AuditEvent" WHERE action = 'audit.bodies.read' AND "targetId" = $1`,
        [seeded.lookup],
      ),
    ).toBe(0);
    await dialog.getByRole("button", { name: "Show request and response bodies" }).click();

    // The request is JSON, shown pretty-printed; the response was cut at 2 KiB, so it is shown as kept.
    const request = dialog.getByTestId("audit-request-body");
    await expect(request).toContainText(`"name": "lookup-${SUFFIX}"`);
    await expect(request).toContainText('"query": "invoices overdue in March"');
    expect(await request.textContent()).toContain(
      '{\n  "jsonrpc": "2.0",\n  "id": 7,\n  "method": "tools/call",',
    );
    const response = dialog.getByTestId("audit-response-body");
    await expect(response).toContainText('"text":"Found 3 overdue invoices.');
    await expect(dialog.getByTestId("audit-response-body-truncated")).toContainText("Kept up to 2 KiB of");
    await expect(dialog.getByTestId("audit-request-body-truncated")).toHaveCount(0);
    await expect(dialog.getByTestId("audit-metadata")).toContainText('"bodiesTruncatedToBytes": 2048');
    await page.screenshot({ path: "/tmp/audit-dialog-bodies.png" });
    await dialog.getByTestId("audit-response-body").scrollIntoViewIfNeeded();
    await page.screenshot({ path: "/tmp/audit-dialog-bodies-scrolled.png" });

    // One audit.bodies.read event names the Auditor and the event whose bodies were read.
    const averyId = await userIdOf(db, AVERY);
    await expect
      .poll(() =>
        db.query<{ actorUserId: string; targetType: string }>(
          `SELECT "actorUserId", "targetType" FROM "AuditEvent"
           WHERE action = 'audit.bodies.read' AND "targetId" = $1`,
          [seeded.lookup],
        ),
      )
      .toEqual([{ actorUserId: averyId, targetType: "audit_event" }]);

    // That reading is in the log the Auditor is looking at.
    await page.keyboard.press("Escape");
    await page.goto("/audit?q=audit.bodies.read");
    await expect(rows(page).filter({ hasText: "Avery Audit" }).first()).toBeVisible();
    expect(problems).toEqual([]);
  } finally {
    await avery.context.close();
  }
});

test("a Power user sees only the events of the servers they published, and no bodies", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const pia = await signInAs(browser, baseURL, PIA);
  const problems = watchConsole(pia.page);
  const page = pia.page;
  try {
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Audit", exact: true })
      .click();
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    await expect(page.getByTestId("audit-visibility-note")).toContainText(
      "You see only the events of servers you published",
    );
    await expect(row(page, seeded.lookup)).toBeVisible();
    await expect(row(page, seeded.piaChange)).toBeVisible();
    // The events of someone else's server stay out, even when the search matches them.
    await page.getByLabel("Search action, method, tool or reason").fill(SUFFIX);
    await expect(rows(page)).toHaveCount(1);
    await expect(row(page, seeded.lookup)).toBeVisible();
    for (const other of [seeded.denied, seeded.search, seeded.approve])
      await expect(row(page, other)).toHaveCount(0);
    await expect(row(page, seeded.lookup).getByRole("link", { name: PIA_SERVER })).toHaveAttribute(
      "href",
      `/servers/${seeded.piaServerId}`,
    );

    const dialog = await openDetails(page, seeded.lookup);
    await expect(dialog).toContainText(PIA_TOKEN);
    await expect(dialog.getByTestId("audit-bodies-auditors-only")).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Show request and response bodies" })).toHaveCount(0);
    expect(problems).toEqual([]);
  } finally {
    await pia.context.close();
  }
});

test("a Power user whose servers have no events yet is told what will appear", async ({
  browser,
  baseURL,
}) => {
  const nico = await signInAs(browser, baseURL, NICO);
  const problems = watchConsole(nico.page);
  const page = nico.page;
  try {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto("/audit");
    const empty = page.getByTestId("audit-empty");
    await expect(empty).toContainText("Nothing recorded in the last 24 hours");
    await expect(empty).toContainText("Calls people make through the servers you publish");
    await page.screenshot({ path: "/tmp/audit-empty.png", fullPage: true });
    await empty.getByRole("button", { name: "Show all time" }).click();
    await expect(page).toHaveURL(/[?&]period=all(&|$)/);
    await expect(page.getByLabel("Period")).toHaveValue("all");
    await expect(page.getByTestId("audit-empty")).toContainText("Nothing recorded");
    await expect(page.getByTestId("audit-empty").getByRole("button")).toHaveCount(0);
    expect(problems).toEqual([]);
  } finally {
    await nico.context.close();
  }
});

test("a Basic user has no audit log: no link, a not-found page, and a refused API", async ({
  browser,
  baseURL,
}) => {
  const sam = await signInAs(browser, baseURL, SAM);
  const page = sam.page;
  try {
    await expect(
      page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }),
    ).toHaveCount(0);
    // The dashboard streams (its loading skeleton goes out first), so the answer is the not-found
    // view rather than a 404 status; the API behind the page refuses outright.
    await page.goto("/audit");
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await expect(page.getByTestId("audit-log")).toHaveCount(0);
    // Inside the app's shell (its navigation), not a second page with a header of its own.
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    await expect(page.getByRole("banner")).toHaveCount(1);
    await page.screenshot({ path: "/tmp/audit-basic-not-found.png" });
    const api = await page.request.get(`/api/trpc/audit.list?input=${encodeURIComponent('{"json":{}}')}`);
    expect(api.status()).toBe(403);
  } finally {
    await sam.context.close();
  }
});
