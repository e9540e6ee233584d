import { describe, expect, it } from "vitest";
import { localPath, signInPathFor } from "@/server/auth/local-path";
import { loggedPath } from "@/server/http/server";

describe("localPath (where sign-in sends the browser back to)", () => {
  it("keeps paths on this site, with their query and fragment", () => {
    expect(localPath("/catalog")).toBe("/catalog");
    expect(localPath("/servers/x?tab=tools#top")).toBe("/servers/x?tab=tools#top");
  });

  it("turns anything that would leave the site into /", () => {
    for (const away of [
      "//evil.example",
      "/\\evil.example",
      "/\\/evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "/.//evil.example",
      "/a/..//evil.example",
      "https://evil.example/",
      "javascript:alert(1)",
      "evil.example",
      "",
      undefined,
      ["/catalog"],
    ])
      expect(localPath(away)).toBe("/");
  });
});

describe("loggedPath (the access log)", () => {
  it("hides the token of a password-reset or invitation link, and nothing else", () => {
    expect(loggedPath("/reset-password/fQaeOHMKujbD4")).toBe("/reset-password/[token]");
    expect(loggedPath("/invite/abc123")).toBe("/invite/[token]");
    expect(loggedPath("/reset-password")).toBe("/reset-password");
    expect(loggedPath("/catalog/servers")).toBe("/catalog/servers");
  });
});

describe("signInPathFor (where a signed-out visitor of a page is sent)", () => {
  it("names the page to come back to, without Next's navigation marker", () => {
    expect(signInPathFor("/settings")).toBe("/signin?callbackUrl=%2Fsettings");
    expect(signInPathFor("/catalog/x?tab=tools&_rsc=1a2b")).toBe(
      "/signin?callbackUrl=%2Fcatalog%2Fx%3Ftab%3Dtools",
    );
  });

  it("names nothing for the start page, the sign-in page itself, no page, or a path off the site", () => {
    for (const page of ["/", "/signin", "/signin?callbackUrl=%2Fx", null, undefined, "//evil.example/x"])
      expect(signInPathFor(page), String(page)).toBe("/signin");
  });
});
