import { randomBytes, randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import { openDb, UTC_NOW } from "./db";
import { expect, test } from "./fixtures";
import { readState } from "./state";

/**
 * What an end user browses: the catalog and a server's page, as the signed-in demo owner. The
 * servers below are written straight into the e2e database and granted to everyone through a
 * registry of their own. Names carry a per-worker suffix, so parallel workers (and other spec
 * files sharing the database) never see each other's rows in the assertions.
 */

const SUFFIX = randomBytes(3).toString("hex");
const RLO = "\u202E";
const ZWSP = "\u200B";
const WORD_JOINER = "\u2060";

const SCRIPT = "<script>alert(1)</script>";
const IMG = "<img src=x onerror=alert(1)>";
const MD_LINK = "[click](javascript:alert(1))";
const RAW_JS = "javascript:alert(1)";

const HOSTILE_SLUG = `hostile-${SUFFIX}`;
const HOSTILE = {
  slug: HOSTILE_SLUG,
  name: `Hostile ${SUFFIX} ${SCRIPT}${RLO}gpj.exe`,
  description: [
    `Hostile ${SUFFIX} description ${SCRIPT}`,
    "",
    `${IMG} and ${MD_LINK} and <${RAW_JS}> and ${RAW_JS}`,
    "",
    `Reversed ${RLO}txt.exe and zero${ZWSP}width${WORD_JOINER}joined`,
    "",
    "![tracking pixel](https://tracker.invalid/pixel.png)",
  ].join("\n"),
  tags: [IMG, RAW_JS, `hostile-tag-${SUFFIX}`, `zero${ZWSP}width`],
  iconUrl: RAW_JS,
  websiteUrl: RAW_JS,
  repositoryUrl: `data:text/html,${SCRIPT}`,
  healthError: `upstream said ${SCRIPT}`,
  capabilities: {
    tools: [
      {
        name: "evil_tool",
        title: `Evil ${IMG}`,
        description: `Tool ${SCRIPT} ${MD_LINK} ${IMG} ${RAW_JS} ${RLO}fdp.exe ${ZWSP}end`,
        inputSchema: {
          type: "object",
          properties: {
            "<b>param</b>": { type: "string", description: `Param ${SCRIPT}` },
          },
          required: ["<b>param</b>"],
        },
      },
    ],
    prompts: [{ name: "evil_prompt", description: `Prompt ${IMG}` }],
    resources: [{ uri: RAW_JS, name: `Resource ${SCRIPT}`, mimeType: "text/html" }],
  },
  configSchema: [
    {
      name: "API_KEY",
      label: `Key ${SCRIPT}`,
      description: `Paste ${MD_LINK}`,
      secret: true,
      required: true,
      default: null,
      choices: null,
      target: "env",
      perUser: true,
    },
  ],
};

type SeedServer = {
  slug: string;
  name: string;
  description: string;
  tags: string[];
  iconUrl?: string;
  websiteUrl?: string;
  repositoryUrl?: string;
  healthStatus: "HEALTHY" | "UNHEALTHY";
  healthLatencyMs?: number;
  healthError?: string;
  capabilities: unknown;
  configSchema?: unknown;
};

const SEARCHABLE: SeedServer[] = [
  {
    slug: `alpha-${SUFFIX}`,
    name: `Searchable Alpha ${SUFFIX}`,
    description: "Forecasts and **alerts** for any city.",
    tags: [`alpha-${SUFFIX}`, `shared-${SUFFIX}`],
    healthStatus: "HEALTHY",
    healthLatencyMs: 38,
    capabilities: { tools: [{ name: "forecast" }, { name: "alerts" }], prompts: [], resources: [] },
  },
  {
    slug: `beta-${SUFFIX}`,
    name: `Searchable Beta ${SUFFIX}`,
    description: "Team notes.",
    tags: [`beta-${SUFFIX}`, `shared-${SUFFIX}`],
    healthStatus: "HEALTHY",
    healthLatencyMs: 120,
    capabilities: { tools: [{ name: "write_note" }], prompts: [], resources: [] },
  },
];

test.beforeAll(async () => {
  const db = openDb(readState());
  try {
    const ownerId = await db.value<string>(`SELECT id AS value FROM "User" WHERE email = $1`, [
      readState().ownerEmail,
    ]);
    if (!ownerId) throw new Error("demo owner not found");
    // With fully parallel tests a worker runs this hook again for each test it picks up from this
    // file; the servers are seeded once per worker (SUFFIX is per worker).
    const seeded = await db.value<number>(`SELECT 1 AS value FROM "Registry" WHERE slug = $1`, [
      `catalog-e2e-${SUFFIX}`,
    ]);
    if (seeded) return;
    const registryId = randomUUID();
    await db.query(
      `INSERT INTO "Registry" (id, slug, name, description, "ownerId", "updatedAt")
       VALUES ($1, $2, $3, 'Catalog e2e servers', $4, ${UTC_NOW})`,
      [registryId, `catalog-e2e-${SUFFIX}`, `Catalog e2e ${SUFFIX}`, ownerId],
    );
    await db.query(`INSERT INTO "RegistrySubject" (id, "registryId", kind) VALUES ($1, $2, 'EVERYONE')`, [
      randomUUID(),
      registryId,
    ]);
    const servers: SeedServer[] = [
      {
        ...HOSTILE,
        healthStatus: "UNHEALTHY",
      },
      ...SEARCHABLE,
    ];
    for (const server of servers) {
      const serverId = randomUUID();
      const versionId = randomUUID();
      await db.query(
        `INSERT INTO "Server" (id, slug, name, description, "iconUrl", tags, "websiteUrl", "repositoryUrl",
           "ownerId", scope, status, "healthStatus", "healthLatencyMs", "healthCheckedAt", "healthError", "updatedAt")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'SHARED', 'APPROVED', $10, $11, ${UTC_NOW}, $12, ${UTC_NOW})`,
        [
          serverId,
          server.slug,
          server.name,
          server.description,
          server.iconUrl ?? null,
          server.tags,
          server.websiteUrl ?? null,
          server.repositoryUrl ?? null,
          ownerId,
          server.healthStatus,
          server.healthLatencyMs ?? null,
          server.healthError ?? null,
        ],
      );
      // stdio entries: the worker's health checks skip them, so what is seeded here stays as it is.
      await db.query(
        `INSERT INTO "ServerVersion" (id, "serverId", version, transport, command, args, "configSchema", status,
           capabilities, "discoveredAt", "submittedAt", "reviewedAt")
         VALUES ($1, $2, '1.0.0', 'STDIO', 'npx', $3, $4::jsonb, 'APPROVED',
           $5::jsonb, ${UTC_NOW}, ${UTC_NOW}, ${UTC_NOW})`,
        [
          versionId,
          serverId,
          ["-y", `@example/${server.slug}@1.0.0`],
          JSON.stringify(server.configSchema ?? []),
          JSON.stringify(server.capabilities),
        ],
      );
      await db.query(`UPDATE "Server" SET "approvedVersionId" = $1 WHERE id = $2`, [versionId, serverId]);
      await db.query(`INSERT INTO "RegistryServer" ("registryId", "serverId") VALUES ($1, $2)`, [
        registryId,
        serverId,
      ]);
    }
  } finally {
    await db.end();
  }
});

/** Fails the test if anything opens a dialog (alert, confirm, prompt): injected script would. */
function watchDialogs(page: Page): string[] {
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return dialogs;
}

/** The filter chip for `tag`, expanding the collapsed tag list first when needed. */
async function chip(page: Page, tag: string) {
  const locator = page.getByTestId("tag-chip").and(page.locator(`[data-tag="${tag}"]`));
  const showAll = page.getByRole("button", { name: /^Show all \d+ tags$/ });
  if ((await locator.count()) === 0 && (await showAll.count()) > 0) await showAll.click();
  return locator;
}

async function expectInert(page: Page) {
  await expect(page.locator('a[href^="javascript:" i], a[href*="script:" i]')).toHaveCount(0);
  await expect(page.locator('[href^="data:" i], [src^="javascript:" i], img[src="x"]')).toHaveCount(0);
  await expect(page.locator("[onerror], [onload], [onclick]")).toHaveCount(0);
  // Nothing in the data became an element inside the page's content.
  await expect(page.locator("main script, main iframe, main object, main embed, main img")).toHaveCount(0);
  const text = await page.evaluate(() => document.querySelector("main")?.textContent ?? "");
  for (const invisible of [RLO, ZWSP, WORD_JOINER]) expect(text).not.toContain(invisible);
}

test("hostile metadata is inert text on the catalog and the server page", async ({
  page,
  consoleProblems,
}) => {
  const dialogs = watchDialogs(page);

  await page.goto(`/catalog?q=${HOSTILE_SLUG}`);
  const card = page.getByTestId("catalog-card").and(page.locator(`[data-slug="${HOSTILE_SLUG}"]`));
  await expect(card).toBeVisible();
  await expect(card.getByRole("link")).toContainText(`Hostile ${SUFFIX} ${SCRIPT} gpj.exe`);
  await expect(card).toContainText(`Hostile ${SUFFIX} description`);
  await expect(card).toContainText(IMG);
  await expect(card).toContainText(RAW_JS);
  await expect(card.locator('[data-slot="server-icon"]')).toHaveText("H");
  await expectInert(page);

  await card.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/catalog/${HOSTILE_SLUG}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Hostile ${SUFFIX} ${SCRIPT} gpj.exe`);
  // The description's raw HTML is dropped; its refused links stay as their text.
  const about = page.getByTestId("about");
  await expect(about).toContainText(`Hostile ${SUFFIX} description`);
  await expect(about).toContainText("click");
  await expect(about).toContainText(RAW_JS);
  await expect(about).toContainText("Reversed txt.exe and zerowidthjoined");
  await expect(about).toContainText("tracking pixel");
  await expect(about.locator("a")).toHaveCount(0);
  await expect(page.getByTestId("health-problem")).toContainText(`upstream said ${SCRIPT}`);
  // A javascript: website and a data: repository are not offered at all.
  const details = page.getByTestId("details");
  await expect(details).toContainText("Publisher");
  await expect(details).not.toContainText("Website");
  await expect(details).not.toContainText("Repository");
  await expect(details.locator("a")).toHaveCount(0);

  const tool = page.getByTestId("tool").first();
  await expect(tool).toContainText(`Evil ${IMG}`);
  await expect(tool).toContainText(`Tool ${SCRIPT} ${MD_LINK} ${IMG} ${RAW_JS}`);
  await expect(tool).toContainText("<b>param</b>");
  await expect(tool).toContainText(`Param ${SCRIPT}`);
  await tool.getByText("Input schema (JSON)").click();
  await expect(tool.locator("pre")).toContainText('"<b>param</b>"');

  await page.getByRole("tab", { name: /Prompts/ }).click();
  await expect(page.getByTestId("prompt")).toContainText(`Prompt ${IMG}`);
  await page.getByRole("tab", { name: /Resources/ }).click();
  await expect(page.getByTestId("resource")).toContainText(`Resource ${SCRIPT}`);
  await expect(page.getByTestId("resource")).toContainText(RAW_JS);
  await page.getByRole("tab", { name: /Configuration/ }).click();
  await expect(page.getByTestId("config-field")).toContainText(`Key ${SCRIPT}`);
  await expect(page.getByTestId("config-field")).toContainText("Secret");

  await expectInert(page);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: "tests/e2e/screenshots/catalog-server-hostile.png", fullPage: true });
  expect(dialogs).toEqual([]);
  expect(consoleProblems).toEqual([]);
});

test("search and tag filters narrow the catalog and survive a reload", async ({ page, consoleProblems }) => {
  const dialogs = watchDialogs(page);
  const cards = page.getByTestId("catalog-card");
  const slugs = () => cards.evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-slug")));

  await page.goto("/catalog");
  await expect(page.getByRole("heading", { level: 1, name: "Catalog" })).toBeVisible();
  await expect(cards.and(page.locator(`[data-slug="alpha-${SUFFIX}"]`))).toBeVisible();

  await page.getByTestId("catalog-search").fill(`searchable ${SUFFIX}`);
  await expect(page).toHaveURL(new RegExp(`\\?q=searchable\\+${SUFFIX}$`));
  await expect(cards).toHaveCount(2);
  expect(await slugs()).toEqual([`alpha-${SUFFIX}`, `beta-${SUFFIX}`]);
  await expect(page.getByTestId("catalog-count")).toContainText("2 of");

  await (await chip(page, `beta-${SUFFIX}`)).click();
  await expect(page).toHaveURL(new RegExp(`tags=beta-${SUFFIX}`));
  await expect(cards).toHaveCount(1);
  expect(await slugs()).toEqual([`beta-${SUFFIX}`]);

  // The filters live in the address: a reload shows the same result.
  await page.reload();
  await expect(page.getByTestId("catalog-search")).toHaveValue(`searchable ${SUFFIX}`);
  await expect(await chip(page, `beta-${SUFFIX}`)).toHaveAttribute("aria-pressed", "true");
  await expect(cards).toHaveCount(1);

  // Tags alone: every selected tag must be present.
  await page.goto(`/catalog?tags=shared-${SUFFIX}`);
  await expect(cards).toHaveCount(2);
  await (await chip(page, `alpha-${SUFFIX}`)).click();
  await expect(cards).toHaveCount(1);
  expect(await slugs()).toEqual([`alpha-${SUFFIX}`]);
  await expect(cards.first()).toContainText("2 tools");
  await expect(cards.first()).toContainText("Healthy");
  await expect(cards.first()).toContainText("38 ms");

  await page.getByTestId("catalog-search").fill(`nothing-here-${SUFFIX}`);
  await expect(page.getByTestId("catalog-no-results")).toBeVisible();
  await page.getByTestId("catalog-no-results").getByRole("button", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/catalog$/);
  await expect(cards.and(page.locator(`[data-slug="alpha-${SUFFIX}"]`))).toBeVisible();
  await expect(cards.and(page.locator(`[data-slug="${HOSTILE_SLUG}"]`))).toBeVisible();

  expect(dialogs).toEqual([]);
  expect(consoleProblems).toEqual([]);
});

test("a slug outside the catalog is not found, a canonical form redirects", async ({
  page,
  consoleProblems,
}) => {
  // The page streams (its loading skeleton goes out first), so the answer is the not-found view;
  // the API behind it answers 404.
  const cases: [path: string, slug: string][] = [
    [`/catalog/${HOSTILE_SLUG}.`, `${HOSTILE_SLUG}.`],
    [`/catalog/${HOSTILE_SLUG.replace("o", "%D0%BE")}`, HOSTILE_SLUG.replace("o", "\u043e")], // Cyrillic о
    [`/catalog/..%2F${HOSTILE_SLUG}`, `../${HOSTILE_SLUG}`],
    [`/catalog/%E2%80%8B${HOSTILE_SLUG}`, `\u200b${HOSTILE_SLUG}`],
    ["/catalog/no-such-server", "no-such-server"],
  ];
  for (const [path, slug] of cases) {
    await page.goto(path);
    await expect(page.getByTestId("catalog-server-not-found"), path).toBeVisible();
    await expect(page.getByTestId("catalog-server")).toHaveCount(0);
    const api = await page.request.get(
      `/api/trpc/catalog.get?input=${encodeURIComponent(JSON.stringify({ json: { slug } }))}`,
    );
    expect(api.status(), slug).toBe(404);
  }
  await page.goto(`/catalog/${HOSTILE_SLUG.toUpperCase()}`);
  await expect(page).toHaveURL(new RegExp(`/catalog/${HOSTILE_SLUG}$`));
  await expect(page.getByTestId("catalog-server")).toBeVisible();
  expect(consoleProblems).toEqual([]);
});

test("captures the catalog and a server page", async ({ page, consoleProblems }) => {
  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.goto("/catalog");
  await expect(page.getByTestId("catalog-card").first()).toBeVisible();
  await page.screenshot({ path: "tests/e2e/screenshots/catalog.png", fullPage: true });

  // The demo server's tools come from the worker's first health check; wait for it.
  await expect(async () => {
    await page.goto("/catalog/everything");
    await expect(page.getByTestId("tool").first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByTestId("connect-button")).toHaveAttribute("href", "/catalog/everything/connect");
  await page.screenshot({ path: "tests/e2e/screenshots/catalog-server.png", fullPage: true });

  // The same pages in the dark theme and on a phone.
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: "tests/e2e/screenshots/catalog-server-dark.png" });
  await page.goto("/catalog");
  await expect(page.getByTestId("catalog-card").first()).toBeVisible();
  await page.screenshot({ path: "tests/e2e/screenshots/catalog-dark.png" });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "tests/e2e/screenshots/catalog-mobile.png" });
  await page.goto("/catalog/everything");
  await expect(page.getByTestId("catalog-server")).toBeVisible();
  await page.screenshot({ path: "tests/e2e/screenshots/catalog-server-mobile.png" });
  expect(consoleProblems).toEqual([]);
});
