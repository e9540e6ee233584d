import { createHash, createPublicKey, type JsonWebKey, randomBytes, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../fixtures/oidc-provider";

// Never fetched: the flow stops when a redirect points here.
const REDIRECT_URI = "http://127.0.0.1:9/callback";

type Discovery = {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  code_challenge_methods_supported: string[];
  id_token_signing_alg_values_supported: string[];
  scopes_supported: string[];
  claims_supported: string[];
};

type TokenResponse = { access_token: string; id_token: string; token_type: string; expires_in: number };

/** Enough of a browser's cookie store for one host: name -> value, ignoring paths. */
class CookieJar {
  readonly cookies = new Map<string, string>();
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const index = pair.indexOf("=");
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = "", raw = ""] = attribute.split("=");
        if (key.trim().toLowerCase() === "max-age") return Number(raw) <= 0;
        if (key.trim().toLowerCase() === "expires") return Date.parse(raw) <= Date.now();
        return false;
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

type Step = { kind: "callback"; url: URL } | { kind: "page"; url: URL; status: number; html: string };

/** Fetches like a browser would, following redirects until one targets the redirect URI. */
async function browse(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Step> {
  let current = new URL(url);
  let request: RequestInit = init;
  for (let hop = 0; hop < 20; hop++) {
    const response = await fetch(current, {
      ...request,
      redirect: "manual",
      headers: { ...(request.headers as Record<string, string> | undefined), cookie: jar.header() },
    });
    jar.store(response);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.arrayBuffer();
      const next = new URL(location, current);
      if (next.href.startsWith(REDIRECT_URI)) return { kind: "callback", url: next };
      current = next;
      request = {};
      continue;
    }
    return { kind: "page", url: current, status: response.status, html: await response.text() };
  }
  throw new Error("too many redirects");
}

function submitLogin(jar: CookieJar, step: Step, email: string, password: string): Promise<Step> {
  if (step.kind !== "page") throw new Error("expected the login page");
  const action = /<form[^>]*action="([^"]+)"/.exec(step.html)?.[1];
  if (!action) throw new Error(`no form on ${step.url.href}:\n${step.html}`);
  return browse(jar, new URL(action, step.url).href, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password }).toString(),
  });
}

function base64url(buffer: Buffer): string {
  return buffer.toString("base64url");
}

function decodeJwt(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header = "", payload = ""] = jwt.split(".");
  return {
    header: JSON.parse(Buffer.from(header, "base64url").toString("utf8")),
    payload: JSON.parse(Buffer.from(payload, "base64url").toString("utf8")),
  };
}

async function verifyJwtSignature(jwt: string, jwksUri: string): Promise<void> {
  const { header } = decodeJwt(jwt);
  const jwks = (await (await fetch(jwksUri)).json()) as { keys: (JsonWebKey & { kid?: string })[] };
  const jwk = jwks.keys.find((key) => key.kid === header.kid);
  if (!jwk) throw new Error(`no JWK with kid ${String(header.kid)}`);
  const [encodedHeader, encodedPayload, signature = ""] = jwt.split(".");
  const ok = verify(
    "RSA-SHA256",
    Buffer.from(`${encodedHeader}.${encodedPayload}`),
    createPublicKey({ key: jwk, format: "jwk" }),
    Buffer.from(signature, "base64url"),
  );
  expect(ok).toBe(true);
}

type Authorization = { authorizeUrl: string; state: string; nonce: string; verifier: string };

function authorization(discovery: Discovery, clientId: string, scope: string | null): Authorization {
  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(16));
  const nonce = base64url(randomBytes(16));
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    ...(scope === null ? {} : { scope }),
    state,
    nonce,
    code_challenge: base64url(createHash("sha256").update(verifier).digest()),
    code_challenge_method: "S256",
  }).toString();
  return { authorizeUrl: url.href, state, nonce, verifier };
}

async function redeem(
  idp: TestIdp,
  discovery: Discovery,
  auth: Authorization,
  callback: Step,
  clientAuth: "basic" | "post" = "basic",
): Promise<TokenResponse> {
  if (callback.kind !== "callback") throw new Error(`expected the callback, got a page:\n${callback.html}`);
  const params = callback.url.searchParams;
  expect(params.get("error")).toBeNull();
  expect(params.get("state")).toBe(auth.state);
  expect(params.get("iss")).toBe(idp.issuer);
  const code = params.get("code");
  expect(code).toBeTruthy();

  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code: code ?? "",
    redirect_uri: REDIRECT_URI,
    code_verifier: auth.verifier,
  });
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (clientAuth === "basic") {
    const credentials = `${encodeURIComponent(idp.clientId)}:${encodeURIComponent(idp.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString("base64")}`;
  } else {
    body.set("client_id", idp.clientId);
    body.set("client_secret", idp.clientSecret);
  }
  const response = await fetch(discovery.token_endpoint, { method: "POST", headers, body: body.toString() });
  const json = (await response.json()) as TokenResponse;
  expect(response.status, JSON.stringify(json)).toBe(200);
  expect(json.token_type).toBe("Bearer");
  return json;
}

async function userinfo(discovery: Discovery, accessToken: string): Promise<Record<string, unknown>> {
  const response = await fetch(discovery.userinfo_endpoint, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe("test OIDC identity provider fixture", () => {
  let idp: TestIdp;
  let discovery: Discovery;
  const jar = new CookieJar();

  beforeAll(async () => {
    idp = await startTestIdp({
      redirectUris: [REDIRECT_URI],
      users: [
        {
          email: "ada@example.test",
          name: "Ada Lovelace",
          groups: ["engineering"],
          password: "correct horse",
        },
        { email: "bob@example.test", name: "Bob", groups: [], password: "hunter2" },
      ],
    });
  });

  afterAll(async () => {
    await idp?.stop();
  });

  it("serves discovery for its exact issuer", async () => {
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    discovery = (await response.json()) as Discovery;
    expect(discovery.issuer).toBe(idp.issuer);
    expect(discovery.code_challenge_methods_supported).toContain("S256");
    expect(discovery.id_token_signing_alg_values_supported).toContain("RS256");
    expect(discovery.scopes_supported).toEqual(
      expect.arrayContaining(["openid", "email", "profile", "groups"]),
    );
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(["email", "name", "groups"]));
  });

  it("signs in with authorization code + PKCE and releases email, name and groups", async () => {
    const auth = authorization(discovery, idp.clientId, "openid email profile");
    const loginPage = await browse(jar, auth.authorizeUrl);
    expect(loginPage.kind).toBe("page");
    if (loginPage.kind !== "page") return;
    expect(loginPage.url.pathname).toMatch(/^\/interaction\//);
    expect(loginPage.html).toContain('name="email"');
    expect(loginPage.html).toContain('name="password"');
    expect(loginPage.html).toContain(">Sign in</button>");

    const wrong = await submitLogin(jar, loginPage, "ada@example.test", "wrong");
    expect(wrong.kind).toBe("page");
    if (wrong.kind !== "page") return;
    expect(wrong.html).toContain("Invalid email or password.");
    expect(wrong.html).toContain('name="password"');

    const callback = await submitLogin(jar, wrong, "ada@example.test", "correct horse");
    const tokens = await redeem(idp, discovery, auth, callback);

    const { header, payload } = decodeJwt(tokens.id_token);
    expect(header.alg).toBe("RS256");
    await verifyJwtSignature(tokens.id_token, discovery.jwks_uri);
    expect(payload).toMatchObject({
      iss: idp.issuer,
      aud: idp.clientId,
      nonce: auth.nonce,
      sub: idp.users.get("ada@example.test")?.sub,
      email: "ada@example.test",
      email_verified: true,
      name: "Ada Lovelace",
      groups: ["engineering"],
    });

    expect(await userinfo(discovery, tokens.access_token)).toMatchObject({
      sub: idp.users.get("ada@example.test")?.sub,
      email: "ada@example.test",
      name: "Ada Lovelace",
      groups: ["engineering"],
    });
  });

  it("releases the new groups after setGroups, reusing the IdP session", async () => {
    idp.setGroups("ada@example.test", ["admins", "engineering"]);
    const auth = authorization(discovery, idp.clientId, "openid email profile");
    // Same browser: the IdP session is still there, so no login form this time.
    const callback = await browse(jar, auth.authorizeUrl);
    const tokens = await redeem(idp, discovery, auth, callback);
    expect(decodeJwt(tokens.id_token).payload.groups).toEqual(["admins", "engineering"]);
    expect((await userinfo(discovery, tokens.access_token)).groups).toEqual(["admins", "engineering"]);
  });

  it("signs in afresh with a default scope, client_secret_post and the groups scope alone", async () => {
    idp.setGroups("bob@example.test", ["viewers"]);
    const freshJar = new CookieJar();
    const auth = authorization(discovery, idp.clientId, null);
    const loginPage = await browse(freshJar, auth.authorizeUrl);
    const callback = await submitLogin(freshJar, loginPage, "bob@example.test", "hunter2");
    const tokens = await redeem(idp, discovery, auth, callback, "post");
    expect(decodeJwt(tokens.id_token).payload).toMatchObject({
      email: "bob@example.test",
      name: "Bob",
      groups: ["viewers"],
    });

    const groupsOnly = authorization(discovery, idp.clientId, "openid groups");
    const again = await browse(freshJar, groupsOnly.authorizeUrl);
    const payload = decodeJwt((await redeem(idp, discovery, groupsOnly, again)).id_token).payload;
    expect(payload.groups).toEqual(["viewers"]);
    expect(payload.email).toBeUndefined();
  });

  it("consents automatically to prompt=consent and issues a refresh token for offline_access", async () => {
    const auth = authorization(discovery, idp.clientId, "openid email offline_access");
    const url = new URL(auth.authorizeUrl);
    url.searchParams.set("prompt", "consent");
    const callback = await browse(jar, url.href);
    const tokens = await redeem(idp, discovery, auth, callback);
    const payload = decodeJwt(tokens.id_token).payload;
    expect(payload.email).toBe("ada@example.test");
    expect(payload.groups).toBeUndefined();

    const { refresh_token: refreshToken } = tokens as TokenResponse & { refresh_token?: string };
    expect(refreshToken).toBeTruthy();
    const refreshed = await fetch(discovery.token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: refreshToken ?? "",
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
      }).toString(),
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(((await refreshed.json()) as TokenResponse).id_token).payload.sub).toBe(payload.sub);
  });

  it("rejects a token request without the PKCE verifier", async () => {
    const auth = authorization(discovery, idp.clientId, "openid");
    const callback = await browse(jar, auth.authorizeUrl);
    if (callback.kind !== "callback") throw new Error("expected the callback");
    const response = await fetch(discovery.token_endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: callback.url.searchParams.get("code") ?? "",
        redirect_uri: REDIRECT_URI,
      }).toString(),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("invalid_grant");
  });
});
