import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer as createServerRow, uniqueSuffix } from "@/prisma/seed/factories";
import { db, disconnectDb } from "@/server/db";
import { closeQueues } from "@/server/queue/queues";
import { importServer } from "@/server/services/servers/import-server";
import { actorFromUser } from "@/server/services/servers/server-actor";
import { allowOutboundHosts } from "@/server/services/settings/outbound-policy";
import { weatherServerJson } from "../fixtures/server-json";
import { type Caller, callerFor, expectTrpcError } from "./helpers/callers";
import { signedInUser } from "./helpers/sessions";

/**
 * Importing MCP Registry server.json documents (schema 2025-12-11): preview, then a draft whose
 * stored fields are what the preview showed. By upload (text) or by URL through the SSRF guard,
 * with size, time and JSON errors reported as readable errors.
 */

let caller: Caller;
let publisher: Awaited<ReturnType<typeof signedInUser>>;
let files: HttpServer;
let filesBase: string;
const served = new Map<string, { status: number; body: string; type?: string }>();

beforeAll(async () => {
  publisher = await signedInUser(db(), "POWER_USER_PLUS");
  caller = await callerFor(publisher.sessionId);
  files = createHttpServer((req, res) => {
    const file = served.get(req.url ?? "");
    if (!file) return res.writeHead(404).end("not found");
    res.writeHead(file.status, { "content-type": file.type ?? "application/json" }).end(file.body);
  });
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
  const { port } = files.address() as AddressInfo;
  filesBase = `http://127.0.0.1:${port}`;
  // Only the document host is allowed (to every publisher); nothing else on loopback is.
  await allowOutboundHosts(db(), [`127.0.0.1:${port}`], { forEveryone: true });
});

afterAll(async () => {
  files?.close();
  await closeQueues();
  await disconnectDb();
});

/** The shared example under a fresh namespace (imports are unique by registry name), in Markdown. */
function serverJson() {
  return weatherServerJson({
    name: `io.github.acme-${uniqueSuffix()}/weather`,
    description: "MCP server providing weather data and forecasts.\n\nUse **metric** units.",
  });
}

describe("import round trip", () => {
  it("previews a document, imports a remote variant as a draft, and stores what the preview showed", async () => {
    const doc = serverJson();
    const preview = await caller.servers.previewImport({ document: JSON.stringify(doc) });
    if (!preview.ok) throw new Error(preview.errors.join("; "));
    const slug = `${doc.name.split("/")[0]?.split(".").at(-1)}-weather`;
    expect(preview).toMatchObject({
      suggestedSlug: slug,
      alreadyImported: false,
      server: {
        registryName: doc.name,
        name: "Acme Weather",
        version: "2.1.0",
        websiteUrl: "https://acme.example/weather",
        repositoryUrl: "https://github.com/acme/weather-mcp",
        iconUrl: "https://acme.example/icon.png",
      },
    });
    expect(preview.server.versions.map((v) => [v.transport, v.url ?? v.args.join(" ")])).toEqual([
      ["STREAMABLE_HTTP", "https://{region}.api.acme.example/mcp"],
      ["SSE", "https://api.acme.example/sse"],
      ["STDIO", "-y @acme/weather-mcp@2.1.0 --units metric serve"],
    ]);
    expect(preview.server.warnings).toContain("packages[1]: pypi packages are not supported yet; skipped");
    expect(await db().server.count({ where: { registryName: doc.name } })).toBe(0);

    const imported = await caller.servers.import({
      document: JSON.stringify(doc),
      variantIndex: 0,
      scope: "SHARED",
    });
    const variant = preview.server.versions[0];
    expect(imported).toMatchObject({
      slug,
      registryName: doc.name,
      name: "Acme Weather",
      description: "MCP server providing weather data and forecasts.\n\nUse **metric** units.",
      websiteUrl: "https://acme.example/weather",
      repositoryUrl: "https://github.com/acme/weather-mcp",
      iconUrl: "https://acme.example/icon.png",
      tags: [],
      scope: "SHARED",
      status: "DRAFT",
      approvedVersionId: null,
      owner: { id: publisher.user.id },
    });
    expect(imported.versions).toHaveLength(1);
    expect(imported.versions[0]).toMatchObject({
      version: "2.1.0",
      status: "DRAFT",
      transport: variant?.transport,
      url: variant?.url,
      command: null,
      args: [],
      configSchema: variant?.configSchema,
      sharedConfig: {},
      sharedSecretsSet: [],
    });
    const stored = await db().serverVersion.findUniqueOrThrow({ where: { id: imported.versions[0]?.id } });
    expect(stored.configSchema).toEqual(variant?.configSchema);
    const audit = await db().auditEvent.findFirstOrThrow({
      where: { targetId: imported.id, action: "server.create" },
    });
    expect(audit.actorUserId).toBe(publisher.user.id);
    expect(audit.metadata).toMatchObject({
      source: "server.json import",
      registryName: doc.name,
      variantIndex: 0,
      after: { status: "DRAFT", registryName: doc.name },
    });

    // The same document again is a conflict, not a second entry.
    const again = await caller.servers.previewImport({ document: JSON.stringify(doc) });
    expect(again).toMatchObject({ ok: true, alreadyImported: true, suggestedSlug: `${slug}-2` });
    await expectTrpcError(
      caller.servers.import({ document: JSON.stringify(doc), variantIndex: 2, scope: "SHARED" }),
      "CONFLICT",
      `A server with the registry name "${doc.name}" is already in the catalog; add a version to it instead.`,
    );

    // Imports land as drafts; the publisher then submits for review.
    const submitted = await caller.servers.submit({ serverId: imported.id });
    expect(submitted).toMatchObject({ status: "PENDING_APPROVAL" });
  });

  it("imports the npm package variant as an allowed stdio command, suffixing a taken slug", async () => {
    const doc = serverJson();
    const slug = `${doc.name.split("/")[0]?.split(".").at(-1)}-weather`;
    await createServerRow(db(), { ownerId: publisher.user.id, slug });
    const imported = await caller.servers.import({
      document: JSON.stringify(doc),
      variantIndex: 2,
      scope: "PERSONAL",
    });
    expect(imported).toMatchObject({ slug: `${slug}-2`, status: "DRAFT", scope: "PERSONAL" });
    expect(imported.versions[0]).toMatchObject({
      transport: "STDIO",
      command: "npx",
      args: ["-y", "@acme/weather-mcp@2.1.0", "--units", "metric", "serve"],
    });
    expect(imported.versions[0]?.configSchema.map((f) => [f.name, f.target, f.secret, f.perUser])).toEqual([
      ["WEATHER_API_KEY", "env", true, true],
      ["LOG_LEVEL", "env", false, true],
    ]);
  });

  it("runs the same save rules: an SSE variant whose host resolves to loopback is refused", async () => {
    const doc = serverJson();
    const signed = publisher.user;
    const error = await importServer({
      db: db(),
      actor: actorFromUser(signed),
      context: { actorUserId: signed.id },
      source: { document: JSON.stringify(doc) },
      variantIndex: 1,
      scope: "PERSONAL",
      resolver: async () => ["127.0.0.1"],
    }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: "BAD_REQUEST",
      message:
        "This URL is refused: api.acme.example resolves to a loopback address; an admin can allow this host explicitly.",
    });
    await expectTrpcError(
      caller.servers.import({ document: JSON.stringify(doc), variantIndex: 7, scope: "SHARED" }),
      "BAD_REQUEST",
      "Choose one of the 3 importable variants (0–2).",
    );
    await expectTrpcError(
      caller.servers.import({ document: "{", variantIndex: 0, scope: "SHARED" }),
      "BAD_REQUEST",
      /^This server.json cannot be imported: The document is not valid JSON/,
    );
  });

  it("refuses a remote whose host each user enters while a header carries a secret the document fixes", async () => {
    const doc = serverJson();
    doc.remotes = [
      {
        type: "streamable-http",
        url: "https://{tenant}.acme.example/mcp",
        // The importer makes a header with a value template the publisher's: one value for everyone.
        headers: [
          {
            name: "Authorization",
            value: "Bearer {token}",
            variables: { token: { description: "Company token", isSecret: true } },
          },
        ],
        variables: { tenant: { description: "Your tenant", isRequired: true } },
      } as never,
    ];
    await expectTrpcError(
      caller.servers.import({ document: JSON.stringify(doc), variantIndex: 0, scope: "SHARED" }),
      "BAD_REQUEST",
      'The host part of the URL can\'t come from a value each user enters ({tenant}) while the server sends a shared secret ("Authorization"): a user could send that secret to a host of their choosing. Make the secret per-user, fix the host, or limit {tenant} to a list of choices.',
    );
    expect(await db().server.count({ where: { registryName: doc.name } })).toBe(0);
  });
});

describe("documents that cannot be imported", () => {
  it("reports JSON syntax, schema and safety problems as errors", async () => {
    expect(await caller.servers.previewImport({ document: '{"name": ' })).toEqual({
      ok: false,
      errors: [expect.stringMatching(/^The document is not valid JSON \(.+\)\.$/)],
    });
    const noName = await caller.servers.previewImport({
      document: JSON.stringify({ description: "x", version: "1" }),
    });
    expect(noName).toEqual({ ok: false, errors: ["name: is required"] });
    const hostile = serverJson();
    hostile.packages[0]?.environmentVariables?.push({
      name: "LD_PRELOAD",
      description: "",
      isSecret: false,
      isRequired: false,
    } as never);
    const refused = await caller.servers.previewImport({ document: JSON.stringify(hostile) });
    expect(refused).toEqual({
      ok: false,
      errors: ['packages[0].environmentVariables[2].name: "LD_PRELOAD" cannot be set by a catalog entry'],
    });
  });

  it("refuses a document over 256 KiB", async () => {
    const big = serverJson();
    big.description = "x".repeat(257 * 1024);
    expect(await caller.servers.previewImport({ document: JSON.stringify(big) })).toEqual({
      ok: false,
      errors: ["The document is larger than 256 KiB."],
    });
  });
});

describe("import by URL", () => {
  it("fetches through the SSRF guard and imports what it read", async () => {
    const doc = serverJson();
    served.set("/server.json", { status: 200, body: JSON.stringify(doc) });
    const preview = await caller.servers.previewImport({ url: `${filesBase}/server.json` });
    expect(preview).toMatchObject({ ok: true, server: { registryName: doc.name } });
    const imported = await caller.servers.import({
      url: `${filesBase}/server.json`,
      variantIndex: 0,
      scope: "SHARED",
    });
    expect(imported).toMatchObject({ registryName: doc.name, status: "DRAFT" });
    const audit = await db().auditEvent.findFirstOrThrow({
      where: { targetId: imported.id, action: "server.create" },
    });
    expect(audit.metadata).toMatchObject({ sourceUrl: `${filesBase}/server.json` });
  });

  it("says why a URL cannot be read", async () => {
    served.set("/broken.json", { status: 200, body: "<html>not json</html>", type: "text/html" });
    served.set("/huge.json", { status: 200, body: `{"description":"${"x".repeat(300 * 1024)}"}` });
    served.set("/gone.json", { status: 410, body: "" });
    const cases: [string, string | RegExp][] = [
      [`${filesBase}/broken.json`, /^The document is not valid JSON \(.+\)\.$/],
      [`${filesBase}/huge.json`, "The document is larger than 256 KiB."],
      [`${filesBase}/gone.json`, "The URL answered HTTP 410; expected a server.json document."],
      [`${filesBase}/missing.json`, "The URL answered HTTP 404; expected a server.json document."],
      [
        "http://127.0.0.1:9/server.json",
        "The URL is refused: 127.0.0.1, a loopback address; an admin can allow this host explicitly.",
      ],
      [
        "http://169.254.169.254/latest/meta-data",
        "The URL is refused: 169.254.169.254, a link-local address (this includes cloud metadata endpoints); an admin can allow this host explicitly.",
      ],
      ["file:///etc/passwd", "The URL is refused: only http and https URLs are allowed, not file."],
    ];
    for (const [url, expected] of cases) {
      const preview = await caller.servers.previewImport({ url });
      expect(preview.ok, url).toBe(false);
      const [error] = preview.ok ? [] : preview.errors;
      if (typeof expected === "string") expect(error, url).toBe(expected);
      else expect(error, url).toMatch(expected);
    }
  });

  it("reaches a host allowed for admins only when an admin imports, not for anyone else", async () => {
    const internal = createHttpServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(serverJson()));
    });
    await new Promise<void>((resolve) => internal.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = internal.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/server.json`;
      await allowOutboundHosts(db(), [`127.0.0.1:${port}`]);
      expect(await caller.servers.previewImport({ url })).toEqual({
        ok: false,
        errors: [
          "The URL is refused: 127.0.0.1, a loopback address; an admin allowed this host for admins only; ask an admin to import from it.",
        ],
      });
      await expectTrpcError(
        caller.servers.import({ url, variantIndex: 0, scope: "PERSONAL" }),
        "BAD_REQUEST",
        /an admin allowed this host for admins only/,
      );
      const admin = await callerFor((await signedInUser(db(), "ADMIN")).sessionId);
      expect(await admin.servers.previewImport({ url })).toMatchObject({ ok: true });
    } finally {
      internal.close();
    }
  });

  it("re-checks redirects: an allowed host cannot bounce the fetch to the metadata service", async () => {
    const redirector = createHttpServer((_req, res) => {
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = redirector.address() as AddressInfo;
      await allowOutboundHosts(db(), [`127.0.0.1:${port}`], { forEveryone: true });
      const preview = await caller.servers.previewImport({ url: `http://127.0.0.1:${port}/server.json` });
      expect(preview).toEqual({
        ok: false,
        errors: [
          "The URL is refused: 169.254.169.254, a link-local address (this includes cloud metadata endpoints); an admin can allow this host explicitly.",
        ],
      });
    } finally {
      redirector.close();
    }
  });
});
