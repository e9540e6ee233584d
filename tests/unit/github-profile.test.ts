import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubProfile } from "@/server/auth/github-profile";

/**
 * GitHub sign-in trusts one address: the account's primary one, once GitHub verified it. A stand-in
 * for GitHub's API answers /user and /user/emails by access token.
 */

type Email = { email: string; primary: boolean; verified: boolean };
const ACCOUNTS: Record<string, { user: Record<string, unknown>; emails: Email[] | null }> = {
  verified: {
    user: { id: 1, login: "ada", email: "public@example.test" },
    emails: [
      { email: "other@example.test", primary: false, verified: true },
      { email: "ada@example.test", primary: true, verified: true },
    ],
  },
  unverified: {
    // A new account that claims someone else's address, verified or not elsewhere.
    user: { id: 2, login: "mallory", email: "victim@example.test" },
    emails: [
      { email: "victim@example.test", primary: true, verified: false },
      { email: "mallory@example.test", primary: false, verified: true },
    ],
  },
  "no-scope": { user: { id: 3, login: "eve", email: null }, emails: null },
};

let api: Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  api = createServer((req, res) => {
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    seen.push(`${req.url} ${req.headers["user-agent"]}`);
    const account = ACCOUNTS[token];
    const body = req.url === "/user" ? account?.user : account?.emails;
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(body ?? { message: "Not Found" }));
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

afterAll(() => {
  api.close();
});

describe("githubProfile", () => {
  it("takes the primary address when GitHub verified it, not the public profile address", async () => {
    expect(await githubProfile("verified", base)).toMatchObject({
      id: 1,
      login: "ada",
      email: "ada@example.test",
      email_verified: true,
    });
    expect(seen).toContain("/user/emails gatehouse");
  });

  it("has no address when the primary one is not verified, so sign-in is refused", async () => {
    expect(await githubProfile("unverified", base)).toMatchObject({ email: null, email_verified: false });
  });

  it("has no address when the emails cannot be read (the token lacks user:email)", async () => {
    expect(await githubProfile("no-scope", base)).toMatchObject({
      id: 3,
      email: null,
      email_verified: false,
    });
  });

  it("fails when GitHub does not give the profile", async () => {
    await expect(githubProfile("unknown-token", base)).rejects.toThrow(/GitHub answered 404/);
  });
});
