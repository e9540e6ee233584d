/**
 * Ready-to-paste client configuration for one connection (issue 4, "Connect"): Claude Code, Cursor,
 * VS Code, Windsurf, Claude Desktop (through mcp-remote) and a generic JSON. Pure: no I/O and no
 * server imports, so the connection page builds them in the browser and tests pin them exactly.
 *
 * The connection name becomes a safe key (lowercase letters, digits and '-'), so no client config,
 * shell command or link can be broken out of by a hostile name; shell arguments are quoted anyway.
 */
export const TOKEN_PLACEHOLDER = "<YOUR_GATEHOUSE_TOKEN>";

export type ClientSnippetId = "claude-code" | "cursor" | "vscode" | "windsurf" | "claude-desktop" | "json";

export type ClientSnippet = {
  id: ClientSnippetId;
  /** the client's name, for the tab */
  label: string;
  language: "shell" | "json";
  /** where the snippet goes, e.g. "~/.cursor/mcp.json"; null for a command */
  location: string | null;
  code: string;
  /** a one-click install link the client registers (cursor://, vscode:) */
  installLink: { label: string; href: string } | null;
};

const KEY_MAX_LENGTH = 64;
const FALLBACK_KEY = "gatehouse";

/** "GitHub (2)" → "github-2"; accents dropped, anything else becomes '-'. */
export function snippetServerKey(name: string): string {
  const key = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, KEY_MAX_LENGTH)
    .replace(/-+$/, "");
  return key || FALLBACK_KEY;
}

const SHELL_SAFE_RE = /^[A-Za-z0-9_./:@%+=,-]+$/;
const DOUBLE_QUOTE_UNSAFE_RE = /["$`\\!]/;

/**
 * POSIX shell quoting: bare when every character is inert, double quotes when nothing inside
 * them expands (reads naturally: "Authorization: Bearer …"), otherwise single quotes, with each
 * embedded ' written as '\''.
 */
export function shellQuote(value: string): string {
  if (value !== "" && SHELL_SAFE_RE.test(value)) return value;
  if (!DOUBLE_QUOTE_UNSAFE_RE.test(value)) return `"${value}"`;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** base64 of the UTF-8 bytes; btoa exists in browsers and Node alike (Buffer does not). */
function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** mcp-remote refuses plain http except to localhost unless told it is meant (a trusted network). */
function needsAllowHttp(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" && !["localhost", "127.0.0.1", "[::1]"].includes(parsed.hostname);
  } catch {
    return false;
  }
}

export function buildClientSnippets(options: {
  name: string;
  url: string;
  /** the bearer credential to show; a placeholder until the user pastes their token */
  token?: string;
}): ClientSnippet[] {
  const key = snippetServerKey(options.name);
  const { url } = options;
  const authorization = `Bearer ${options.token ?? TOKEN_PLACEHOLDER}`;
  const headers = { Authorization: authorization };

  const cursorServer = { url, headers };
  const vscodeServer = { type: "http", url, headers };

  return [
    {
      id: "claude-code",
      label: "Claude Code",
      language: "shell",
      location: null,
      code: [
        "claude mcp add --transport http",
        shellQuote(key),
        shellQuote(url),
        "--header",
        shellQuote(`Authorization: ${authorization}`),
      ].join(" "),
      installLink: null,
    },
    {
      id: "cursor",
      label: "Cursor",
      language: "json",
      location: "~/.cursor/mcp.json",
      code: json({ mcpServers: { [key]: cursorServer } }),
      installLink: {
        label: "Add to Cursor",
        href: `cursor://anysphere.cursor-deeplink/mcp/install?name=${encodeURIComponent(key)}&config=${encodeURIComponent(base64Utf8(JSON.stringify(cursorServer)))}`,
      },
    },
    {
      id: "vscode",
      label: "VS Code",
      language: "json",
      location: ".vscode/mcp.json",
      code: json({ servers: { [key]: vscodeServer } }),
      installLink: {
        label: "Add to VS Code",
        href: `vscode:mcp/install?${encodeURIComponent(JSON.stringify({ name: key, ...vscodeServer }))}`,
      },
    },
    {
      id: "windsurf",
      label: "Windsurf",
      language: "json",
      location: "~/.codeium/windsurf/mcp_config.json",
      code: json({ mcpServers: { [key]: { serverUrl: url, headers } } }),
      installLink: null,
    },
    {
      id: "claude-desktop",
      label: "Claude Desktop",
      language: "json",
      location: "claude_desktop_config.json",
      code: json({
        mcpServers: {
          [key]: {
            command: "npx",
            args: [
              "-y",
              "mcp-remote",
              url,
              ...(needsAllowHttp(url) ? ["--allow-http"] : []),
              "--header",
              // No space after the colon: some clients split arguments on spaces (mcp-remote's advice).
              `Authorization:\${AUTH_HEADER}`,
            ],
            env: { AUTH_HEADER: authorization },
          },
        },
      }),
      installLink: null,
    },
    {
      id: "json",
      label: "Other clients",
      language: "json",
      location: null,
      code: json({ mcpServers: { [key]: { type: "http", url, headers } } }),
      installLink: null,
    },
  ];
}
