import { expect, test } from "./fixtures";

test.describe("security headers and request hygiene", () => {
  test("pages carry a nonce CSP and every script on the page uses that nonce", async ({
    page,
    consoleProblems,
  }) => {
    const response = await page.goto("/");
    const headers = response?.headers() ?? {};
    const csp = headers["content-security-policy"] ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-eval");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(headers["strict-transport-security"]).toBeUndefined(); // plain HTTP on localhost
    expect(headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);

    // Every script the server wrote into the page carries the nonce. (Chunks the runtime loads
    // later are trusted through 'strict-dynamic', so they are checked by the absence of CSP errors.)
    const html = (await response?.text()) ?? "";
    const scriptTags = [...html.matchAll(/<script\b[^>]*>/g)]
      .map((match) => match[0])
      .filter((tag) => !/type="application\/(ld\+)?json"/.test(tag));
    expect(scriptTags.length).toBeGreaterThan(0);
    for (const tag of scriptTags) expect(tag).toContain(`nonce="${nonce}"`);
    expect(consoleProblems).toEqual([]);
  });

  test("a client cannot choose its own nonce or CSP", async ({ request }) => {
    const response = await request.get("/", {
      headers: { "content-security-policy": "script-src *", "x-nonce": "attacker" },
    });
    const csp = response.headers()["content-security-policy"] ?? "";
    expect(csp).not.toContain("script-src *");
    expect(csp).not.toContain("nonce-attacker");
    expect(await response.text()).not.toContain('nonce="attacker"');
  });

  test("a form on another site that posts to Gatehouse with the victim's cookies gets 403", async ({
    page,
    baseURL,
  }) => {
    // The attacker's page lives on another origin (127.0.0.1 vs localhost) and auto-submits a form.
    const evilOrigin = (baseURL ?? "").replace("localhost", "127.0.0.1");
    await page.route(`${evilOrigin}/evil`, (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<form method="post" action="${baseURL}/api/trpc/system.checkUpstreams"><input name="json" value="null"></form>`,
      }),
    );
    await page.goto(`${evilOrigin}/evil`);
    const [response] = await Promise.all([
      page.waitForResponse((candidate) => candidate.url().includes("/api/trpc/system.checkUpstreams")),
      page.evaluate(() => document.querySelector("form")?.submit()),
    ]);
    expect(response.status()).toBe(403);
  });

  test("a state-changing request from another origin is refused", async ({ request }) => {
    const response = await request.post("/api/trpc/system.checkUpstreams", {
      headers: { origin: "https://evil.example", "content-type": "application/json" },
      data: { json: null },
    });
    expect(response.status()).toBe(403);
    expect(await response.json()).toEqual({
      error: { code: "FORBIDDEN", message: "Cross-origin request refused." },
    });
  });

  test("the same request from our own origin goes through", async ({ request, baseURL }) => {
    const response = await request.post("/api/trpc/system.checkUpstreams", {
      headers: { origin: new URL(baseURL ?? "").origin, "content-type": "application/json" },
      data: { json: null },
    });
    expect(response.status()).toBe(200);
  });

  test("health, readiness and metrics answer", async ({ request }) => {
    expect(await (await request.get("/api/health")).json()).toEqual({ status: "ok" });
    const ready = await request.get("/api/ready");
    expect(ready.status()).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
    // The test runner is a loopback client. Sending X-Forwarded-For makes it a relay for someone else
    // (the value itself is never trusted from it): no metrics without the token then.
    const relayed = await request.get("/api/metrics", { headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(relayed.status()).toBe(403);
    const metrics = await request.get("/api/metrics");
    expect(metrics.status()).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(
      /gatehouse_http_requests_total\{method="GET",route="\/api\/ready",status="200"\} [1-9]/,
    );
    expect(text).toMatch(/gatehouse_worker_up 1/);
  });

  test("an unknown API path answers a JSON 404", async ({ request }) => {
    const response = await request.post("/api/does-not-exist", { data: "{" });
    expect(response.status()).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: "NOT_FOUND", message: "No API endpoint at /api/does-not-exist." },
    });
  });
});
