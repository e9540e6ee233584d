import { describe, expect, it } from "vitest";
import {
  type ImportedServer,
  parseServerJson,
  slugFromServerName,
} from "@/server/services/catalog/parse-server-json";
import { weatherServerJson } from "../fixtures/server-json";

const example = () => weatherServerJson();

function ok(input: unknown): ImportedServer {
  const result = parseServerJson(input);
  if (!result.ok) throw new Error(`expected success, got: ${result.errors.join("; ")}`);
  return result.server;
}

function errors(input: unknown): string[] {
  const result = parseServerJson(input);
  if (result.ok) throw new Error("expected failure");
  return result.errors;
}

function withChanges(change: (doc: ReturnType<typeof example>) => void): unknown {
  const doc = example();
  change(doc);
  return doc;
}

describe("parseServerJson: realistic example", () => {
  it("imports metadata, remotes and the npm package", () => {
    const server = ok(example());
    expect(server).toMatchObject({
      slug: "acme-weather",
      name: "Acme Weather",
      description: "MCP server providing weather data and forecasts.",
      version: "2.1.0",
      websiteUrl: "https://acme.example/weather",
      repositoryUrl: "https://github.com/acme/weather-mcp",
      iconUrl: "https://acme.example/icon.png",
    });
    expect(server.versions).toHaveLength(3);
    const [http, sse, stdio] = server.versions;

    expect(http).toEqual({
      transport: "STREAMABLE_HTTP",
      url: "https://{region}.api.acme.example/mcp",
      command: null,
      args: [],
      configSchema: [
        {
          name: "region",
          label: "region",
          description: "API region",
          secret: false,
          required: true,
          default: "eu",
          choices: ["eu", "us"],
          target: "url-variable",
          perUser: true,
        },
        {
          name: "Authorization",
          label: "Authorization",
          description: "Bearer token",
          secret: true,
          required: true,
          default: null,
          choices: null,
          target: "header",
          perUser: true,
        },
        {
          name: "X-Client",
          label: "X-Client",
          description: "",
          secret: false,
          required: false,
          default: "gatehouse",
          choices: null,
          target: "header",
          // a value fixed by the document is the publisher's, not asked of each user
          perUser: false,
        },
      ],
    });
    expect(sse).toEqual({
      transport: "SSE",
      url: "https://api.acme.example/sse",
      command: null,
      args: [],
      configSchema: [],
    });
    expect(stdio?.transport).toBe("STDIO");
    expect(stdio?.url).toBeNull();
    expect(stdio?.command).toBe("npx");
    expect(stdio?.args).toEqual(["-y", "@acme/weather-mcp@2.1.0", "--units", "metric", "serve"]);
    expect(stdio?.configSchema).toEqual([
      expect.objectContaining({ name: "WEATHER_API_KEY", target: "env", secret: true, required: true }),
      expect.objectContaining({
        name: "LOG_LEVEL",
        target: "env",
        default: "info",
        choices: ["debug", "info"],
      }),
    ]);

    expect(server.warnings).toContain("packages[1]: pypi packages are not supported yet; skipped");
    expect(server.warnings).toContain(
      "packages[0].packageArguments[0]: arguments that need user input are not supported yet; skipped",
    );
  });

  it("falls back to the cleaned name when there is no title, and tolerates unknown fields", () => {
    const server = ok(
      withChanges((d) => {
        (d as { title?: string }).title = undefined;
        (d as Record<string, unknown>).status = "active";
      }),
    );
    expect(server.name).toBe("io.github.acme/weather");
  });

  it("accepts the registry's minimal remote-only and package-only shapes", () => {
    expect(
      ok({
        name: "io.github.user/remote-weather",
        description: "Remote MCP server reachable over streamable HTTP.",
        version: "2.1.0",
        remotes: [{ type: "streamable-http", url: "https://api.example.com/mcp" }],
      }).versions,
    ).toHaveLength(1);
    expect(
      ok({
        name: "io.github.user/local-weather",
        description: "Local MCP server distributed as an npm package.",
        version: "1.0.0",
        packages: [
          {
            registryType: "npm",
            identifier: "@modelcontextprotocol/server-weather",
            version: "1.0.0",
            transport: { type: "stdio" },
          },
        ],
      }).versions[0]?.args,
    ).toEqual(["-y", "@modelcontextprotocol/server-weather@1.0.0"]);
  });

  it("keeps a secret header with a fixed value secret", () => {
    const server = ok(
      withChanges((d) => {
        d.remotes[0] = {
          type: "streamable-http",
          url: "https://api.acme.example/mcp",
          headers: [{ name: "X-Api-Key", value: "shared-demo-key", isSecret: true } as never],
          variables: {} as never,
        };
      }),
    );
    expect(server.versions[0]?.configSchema).toEqual([
      expect.objectContaining({
        name: "X-Api-Key",
        target: "header",
        secret: true,
        default: "shared-demo-key",
      }),
    ]);
  });

  it("asks for a templated header value as a whole, secret if any part is", () => {
    const server = ok(
      withChanges((d) => {
        d.remotes[0] = {
          type: "streamable-http",
          url: "https://api.acme.example/mcp",
          headers: [
            {
              name: "Authorization",
              value: "Bearer {token}",
              variables: { token: { isSecret: true, isRequired: true } },
            } as never,
          ],
          variables: {} as never,
        };
      }),
    );
    expect(server.versions[0]?.configSchema[0]).toMatchObject({
      name: "Authorization",
      secret: true,
      required: true,
      default: null,
      description: "Expected format: Bearer {token}",
    });
  });
});

describe("parseServerJson: errors name the JSON path", () => {
  it("rejects non-objects", () => {
    expect(errors(null)).toEqual(["server.json: must be an object"]);
    expect(errors("server.json")).toEqual(["server.json: must be an object"]);
  });

  it("reports missing required fields and wrong types", () => {
    const errs = errors({ name: "io.github.acme/weather", version: 3, websiteUrl: false });
    expect(errs).toContain("description: is required");
    expect(errs).toContain("version: must be a string");
    expect(errs).toContain("websiteUrl: must be a string");
  });

  it("rejects a name that is not reverse-DNS", () => {
    expect(
      errors(
        withChanges((d) => {
          d.name = "weather";
        }),
      ),
    ).toEqual(['name: must be a reverse-DNS name such as "io.github.user/server"']);
  });

  it("rejects an unknown package transport type", () => {
    const errs = errors(
      withChanges((d) => {
        (d.packages[0] as { transport: { type: string } }).transport = { type: "websocket" };
      }),
    );
    expect(errs).toEqual(["packages[0].transport.type: must be one of stdio, streamable-http, sse"]);
  });

  it("rejects an unknown remote type", () => {
    const errs = errors(
      withChanges((d) => {
        (d.remotes[1] as { type: string }).type = "stdio";
      }),
    );
    expect(errs).toEqual(["remotes[1].type: must be one of streamable-http, sse"]);
  });

  it("rejects a remote URL that is not http(s)", () => {
    expect(
      errors(
        withChanges((d) => {
          d.remotes[1] = { type: "sse", url: "ftp://x.example/sse" };
        }),
      ),
    ).toEqual(["remotes[1].url: must be an http(s) URL"]);
    expect(
      errors(
        withChanges((d) => {
          d.remotes[1] = { type: "sse", url: "{scheme}://x.example/sse" };
        }),
      ),
    ).toEqual(["remotes[1].url: must be an http(s) URL"]);
  });

  it("rejects invalid environment variable names", () => {
    const errs = errors(
      withChanges((d) => {
        d.packages[0]?.environmentVariables?.push({ name: "lower_case" } as never);
      }),
    );
    expect(errs).toEqual([
      "packages[0].environmentVariables[2].name: must be an upper-case environment variable name (A-Z, 0-9, _)",
    ]);
  });

  it.each(["PATH", "NODE_OPTIONS", "HOME", "DYLD_INSERT_LIBRARIES", "PYTHONPATH", "NPM_CONFIG_REGISTRY"])(
    "rejects the denied environment variable %s",
    (name) => {
      const errs = errors(
        withChanges((d) => void d.packages[0]?.environmentVariables?.push({ name } as never)),
      );
      expect(errs).toEqual([
        `packages[0].environmentVariables[2].name: "${name}" cannot be set by a catalog entry`,
      ]);
    },
  );

  it("rejects a server.json with neither a usable remote nor a usable package", () => {
    const errs = errors({
      name: "io.github.acme/weather",
      description: "Python only",
      version: "1.0.0",
      packages: [
        { registryType: "pypi", identifier: "acme-weather", version: "1.0.0", transport: { type: "stdio" } },
      ],
    });
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^server\.json: has neither a usable remote nor a usable package/);
    expect(errors({ name: "io.github.acme/weather", description: "Nothing", version: "1.0.0" })[0]).toMatch(
      /neither a usable remote nor a usable package/,
    );
  });

  it("rejects npm identifiers and versions that could smuggle arguments", () => {
    const errs = errors(
      withChanges((d) => {
        const pkg = d.packages[0];
        if (pkg) {
          pkg.identifier = "--foo evil";
          pkg.version = "latest";
        }
      }),
    );
    expect(errs).toEqual([
      "packages[0].identifier: must be a valid npm package name",
      "packages[0].version: must be an exact package version",
    ]);
  });

  it("rejects headers the gateway owns", () => {
    const errs = errors(
      withChanges((d) => void d.remotes[0]?.headers?.push({ name: "Host", value: "internal" } as never)),
    );
    expect(errs).toEqual([
      'remotes[0].headers[2].name: "Host" is managed by the gateway and cannot be configured',
    ]);
  });

  it("skips npm packages that are not stdio with a warning", () => {
    const server = ok(
      withChanges((d) => {
        (d.packages[0] as { transport: unknown }).transport = {
          type: "streamable-http",
          url: "http://localhost:{port}",
        };
      }),
    );
    expect(server.versions).toHaveLength(2);
    expect(server.warnings).toContain(
      "packages[0]: npm packages with streamable-http transport are not supported yet; skipped",
    );
  });
});

describe("parseServerJson: hostile inputs", () => {
  it("drops a javascript: website with a warning", () => {
    const server = ok(
      withChanges((d) => {
        d.websiteUrl = "javascript:alert(document.cookie)";
      }),
    );
    expect(server.websiteUrl).toBeNull();
    expect(server.warnings).toContain("websiteUrl: only http(s) links are kept; ignored");
  });

  it("drops non-http repository and icon links", () => {
    const server = ok(
      withChanges((d) => {
        d.repository.url = "file:///etc/passwd";
        d.icons = [{ src: "data:image/svg+xml,<svg onload=alert(1)>", mimeType: "image/svg+xml", sizes: [] }];
      }),
    );
    expect(server.repositoryUrl).toBeNull();
    expect(server.iconUrl).toBeNull();
    expect(server.warnings).toContain("repository.url: only http(s) links are kept; ignored");
    expect(server.warnings).toContain("icons[0].src: only http(s) links are kept; ignored");
  });

  it("keeps <script> as plain text but removes bidi and zero-width characters", () => {
    const server = ok(
      withChanges((d) => {
        d.description = "Weather <script>alert(1)</script>\u202Etxt.exe\u202C\u200B\uFEFF\u2066x\u2069\u0007";
        d.title = "Acme\u200F \u202AWeather\u0000";
      }),
    );
    expect(server.description).toBe("Weather <script>alert(1)</script>txt.exex");
    expect(server.name).toBe("Acme Weather");
  });

  it("caps long descriptions and names", () => {
    const server = ok(
      withChanges((d) => {
        d.description = "a".repeat(5000);
        d.title = "t".repeat(500);
      }),
    );
    expect(server.description).toHaveLength(2000);
    expect(server.name).toHaveLength(200);
  });

  it("rejects LD_PRELOAD", () => {
    const errs = errors(
      withChanges(
        (d) =>
          void d.packages[0]?.environmentVariables?.push({ name: "LD_PRELOAD", value: "/tmp/x.so" } as never),
      ),
    );
    expect(errs).toEqual([
      'packages[0].environmentVariables[2].name: "LD_PRELOAD" cannot be set by a catalog entry',
    ]);
  });

  it("does not let wrong types through nested objects", () => {
    const errs = errors(
      withChanges((d) => {
        (d.remotes[0]?.headers?.[0] as { isSecret: unknown }).isSecret = "yes";
      }),
    );
    expect(errs).toEqual(["remotes[0].headers[0].isSecret: must be a boolean"]);
  });
});

describe("slug derivation", () => {
  it.each([
    ["io.github.acme/weather", "acme-weather"],
    ["io.github.Acme-Corp/Weather_API.v2", "acme-corp-weather-api-v2"],
    ["com.example/server", "example-server"],
    ["ai.smithery/..--", "smithery"],
    [`io.github.acme/${"x".repeat(100)}`, `acme-${"x".repeat(58)}`],
    [`io.github.acme/${"x".repeat(57)}-yz`, `acme-${"x".repeat(57)}`],
  ])("%s → %s", (name, slug) => {
    expect(slugFromServerName(name)).toBe(slug);
    expect(slug).toMatch(/^[a-z0-9-]{1,63}$/);
  });

  it("is what parseServerJson returns", () => {
    expect(
      ok(
        withChanges((d) => {
          d.name = "io.github.Jane.Doe/My.Server";
        }),
      ).slug,
    ).toBe("doe-my-server");
  });
});
