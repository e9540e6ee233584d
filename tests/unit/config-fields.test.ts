import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { HIDDEN_ARGUMENT, stdioLaunchOf } from "@/server/mcp/upstream/target";
import {
  CONFIG_SCHEMA,
  type ConfigField,
  checkConfigValues,
  envDenialReason,
  fieldNameDenialReason,
  headerDenialReason,
  missingRequired,
  readConfigSchema,
  sharedSecretFieldNames,
  userChosenHostVariables,
} from "@/server/services/servers/config-fields";

/** A server's declared configuration: which names a catalog entry may set, and which values a form may send. */
function field(overrides: Partial<ConfigField> & Pick<ConfigField, "name" | "target">): ConfigField {
  return {
    label: overrides.name,
    description: "",
    secret: false,
    required: false,
    default: null,
    choices: null,
    perUser: true,
    ...overrides,
  };
}

function fieldErrorsOf(call: () => unknown): Record<string, string[]> {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("BAD_REQUEST");
    return (error as AppError).details?.fieldErrors as Record<string, string[]>;
  }
  throw new Error("expected BAD_REQUEST");
}

describe("environment variable names a stdio entry may set", () => {
  it.each([
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "LD_AUDIT",
    "LD_BIND_NOW",
    "NODE_OPTIONS",
    "NODE_PATH",
    "PATH",
    "HOME",
    "SHELL",
    "DYLD_INSERT_LIBRARIES",
    "NODE_TLS_REJECT_UNAUTHORIZED",
    "NODE_EXTRA_CA_CERTS",
    "NPM_CONFIG_REGISTRY",
    "GATEHOUSE_ENCRYPTION_KEY",
    "GATEHOUSE_ANYTHING",
    // what `uvx` installs and from where
    "UV_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_EXTRA_INDEX_URL",
    "UV_PYTHON",
    "PIP_INDEX_URL",
    "PIP_TRUSTED_HOST",
    // how the Python interpreter starts
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "PYTHON_HISTORY",
    // which CA bundle TLS trusts
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    // which proxy the traffic goes through
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    // the other JavaScript runtimes
    "BUN_CONFIG_REGISTRY",
    "DENO_CERT",
  ])("%s is refused", (name) => {
    expect(envDenialReason(name)).toBe(`"${name}" cannot be set by a catalog entry`);
  });

  // Names are compared case-sensitively, so the lower-case forms tools also read must not slip past.
  it.each(["npm_config_registry", "http_proxy", "https_proxy", "all_proxy", "no_proxy", "uv_index_url"])(
    "%s (lower case) is refused",
    (name) => {
      expect(envDenialReason(name)).not.toBeNull();
    },
  );

  it.each(["path", "Api_Key", "1ST", "A-B", "A B", "", "LD PRELOAD", "ÄPI_KEY"])(
    "%j is not an env name",
    (name) => {
      expect(envDenialReason(name)).toBe("must be an upper-case environment variable name (A-Z, 0-9, _)");
    },
  );

  it.each([
    "API_KEY",
    "WEATHER_API_KEY",
    "_PRIVATE",
    "LOG_LEVEL",
    "OLD_PATH",
    "XLD_PRELOAD",
    "MY_HTTP_PROXY_URL",
  ])("%s is allowed", (name) => {
    expect(envDenialReason(name)).toBeNull();
  });
});

describe("header names a remote entry may set", () => {
  it.each([
    "Host",
    "host",
    "Content-Length",
    "Transfer-Encoding",
    "Connection",
    "Cookie",
    "Proxy-Authorization",
    "Mcp-Session-Id",
    "MCP-Protocol-Version",
    "X-Forwarded-For",
    "X-Real-IP",
    "Forwarded",
  ])("%s is managed by the gateway", (name) => {
    expect(headerDenialReason(name)).toBe(`"${name}" is managed by the gateway and cannot be configured`);
  });

  it.each(["X Bad", "X-Bad:", "Bad\r\nInjected", "", "Ünicode"])("%j is not a header name", (name) => {
    expect(headerDenialReason(name)).toBe("must be a valid HTTP header name");
  });

  it.each(["Authorization", "X-Api-Key", "X-Client"])("%s is allowed", (name) => {
    expect(headerDenialReason(name)).toBeNull();
  });

  it("names of URL variables and arguments follow their own shapes", () => {
    expect(fieldNameDenialReason("url-variable", "region")).toBeNull();
    expect(fieldNameDenialReason("url-variable", "re/gion")).toMatch(/letters, digits/);
    expect(fieldNameDenialReason("argument", "--port")).toBeNull();
    expect(fieldNameDenialReason("argument", "root")).toBeNull();
    expect(fieldNameDenialReason("argument", "--x;rm")).toMatch(/flag such as/);
  });
});

describe("which URL variables let each user choose the host", () => {
  const host = field({ name: "host", target: "url-variable" });
  it.each([
    ["the whole host", "https://{host}/mcp", [host], ["host"]],
    ["a subdomain", "https://{host}.example.com/mcp", [host], ["host"]],
    ["the port", "https://api.example.com:{host}/mcp", [host], ["host"]],
    ["glued to the host without a slash", "https://api.example.com{host}", [host], ["host"]],
    ["only the path", "https://api.example.com/{host}/mcp", [host], []],
    ["only the query", "https://api.example.com/mcp?tenant={host}", [host], []],
    [
      "a shared variable",
      "https://{host}/mcp",
      [field({ name: "host", target: "url-variable", perUser: false })],
      [],
    ],
    [
      "a variable limited to choices",
      "https://{host}.example.com/mcp",
      [field({ name: "host", target: "url-variable", choices: ["eu", "us"] })],
      [],
    ],
  ])("%s", (_label, url, fields, expected) => {
    expect(userChosenHostVariables(url, fields)).toEqual(expected);
  });

  it("names the shared secret fields only", () => {
    expect(
      sharedSecretFieldNames([
        field({ name: "X-Api-Key", target: "header", secret: true, perUser: false }),
        field({ name: "X-Team", target: "header", perUser: false }),
        field({ name: "X-User-Key", target: "header", secret: true }),
        field({ name: "token", target: "url-variable", secret: true, perUser: false }),
      ]),
    ).toEqual(["X-Api-Key", "token"]);
  });
});

describe("CONFIG_SCHEMA", () => {
  it("accepts a realistic schema and fills defaults", () => {
    const parsed = CONFIG_SCHEMA.parse([
      { name: "WEATHER_API_KEY", label: "API key", secret: true, required: true, target: "env" },
      {
        name: "LOG_LEVEL",
        label: "Log level",
        default: "info",
        choices: ["debug", "info"],
        target: "env",
        perUser: false,
      },
    ]);
    expect(parsed).toEqual([
      {
        name: "WEATHER_API_KEY",
        label: "API key",
        description: "",
        secret: true,
        required: true,
        default: null,
        choices: null,
        target: "env",
        perUser: true,
      },
      {
        name: "LOG_LEVEL",
        label: "Log level",
        description: "",
        secret: false,
        required: false,
        default: "info",
        choices: ["debug", "info"],
        target: "env",
        perUser: false,
      },
    ]);
  });

  it.each([
    [
      "a denied env name",
      [{ name: "LD_PRELOAD", label: "x", target: "env" }],
      [0, "name"],
      '"LD_PRELOAD" cannot be set by a catalog entry',
    ],
    [
      "a denied header",
      [{ name: "Cookie", label: "x", target: "header" }],
      [0, "name"],
      '"Cookie" is managed by the gateway and cannot be configured',
    ],
    [
      "a secret with a default",
      [{ name: "TOKEN", label: "x", target: "env", secret: true, default: "abc" }],
      [0, "default"],
      "a secret field cannot have a default",
    ],
    [
      "a default outside the choices",
      [{ name: "MODE", label: "x", target: "env", choices: ["a", "b"], default: "c" }],
      [0, "default"],
      "must be one of the choices",
    ],
    [
      "duplicate names (any case)",
      [
        { name: "KEY", label: "x", target: "env" },
        { name: "key", label: "y", target: "url-variable" },
      ],
      [1, "name"],
      'duplicate field "key"',
    ],
    [
      "an unknown property",
      [{ name: "KEY", label: "x", target: "env", evil: true }],
      [0],
      'Unrecognized key: "evil"',
    ],
    ["an unknown target", [{ name: "KEY", label: "x", target: "file" }], [0, "target"], undefined],
    [
      "a control character in a label",
      [{ name: "KEY", label: "x\u0007", target: "env" }],
      [0, "label"],
      "must not contain control characters",
    ],
  ])("refuses %s", (_label, input, path, message) => {
    const result = CONFIG_SCHEMA.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((i) => JSON.stringify(i.path) === JSON.stringify(path));
    expect(issue, JSON.stringify(result.error?.issues)).toBeDefined();
    if (message !== undefined) expect(issue?.message).toBe(message);
  });

  it("refuses more than 50 fields, and reads a malformed stored schema as none", () => {
    const many = Array.from({ length: 51 }, (_, i) => ({ name: `K${i}`, label: "x", target: "env" }));
    expect(CONFIG_SCHEMA.safeParse(many).success).toBe(false);
    expect(readConfigSchema([{ name: "LD_PRELOAD", label: "x", target: "env" }])).toEqual([]);
    expect(readConfigSchema("nonsense")).toEqual([]);
  });
});

describe("checkConfigValues", () => {
  const fields: ConfigField[] = [
    field({ name: "API_KEY", label: "API key", target: "env", secret: true, required: true }),
    field({ name: "MODE", label: "Mode", target: "env", choices: ["fast", "safe"], default: "safe" }),
    field({ name: "REGION", label: "Region", target: "env", required: true }),
    field({ name: "X-Team", label: "Team header", target: "header", perUser: false, required: true }),
    field({ name: "X-Shared-Key", label: "Shared key", target: "header", perUser: false, secret: true }),
  ];

  it("splits a user's values into plain and secret", () => {
    expect(
      checkConfigValues(fields, { API_KEY: "k-123", MODE: "fast", REGION: "eu" }, { perUser: true }),
    ).toEqual({
      plain: { MODE: "fast", REGION: "eu" },
      secret: { API_KEY: "k-123" },
    });
  });

  it("names every problem: required, choices, unknown names, other side's fields, non-text, control characters", () => {
    const errors = fieldErrorsOf(() =>
      checkConfigValues(
        fields,
        { MODE: "turbo", REGION: "eu\u0000", LD_PRELOAD: "/tmp/x.so", "X-Team": "ops", API_KEY: 42 },
        { perUser: true },
      ),
    );
    expect(errors).toEqual({
      LD_PRELOAD: ["is not a configuration field of this server"],
      "X-Team": ["is not a configuration field of this server"],
      API_KEY: ["must be text"],
      MODE: ["must be one of fast, safe"],
      REGION: ["must not contain control characters"],
    });
    expect(fieldErrorsOf(() => checkConfigValues(fields, {}, { perUser: true }))).toEqual({
      API_KEY: ["API key is required"],
      REGION: ["Region is required"],
    });
  });

  it("lets an edit keep a stored secret, but not a stored plain value", () => {
    expect(
      checkConfigValues(
        fields,
        { API_KEY: "", REGION: "us" },
        { perUser: true, keepSecrets: new Set(["API_KEY"]) },
      ),
    ).toEqual({ plain: { REGION: "us" }, secret: {} });
    expect(
      fieldErrorsOf(() =>
        checkConfigValues(fields, { API_KEY: "k" }, { perUser: true, keepSecrets: new Set(["REGION"]) }),
      ),
    ).toEqual({ REGION: ["Region is required"] });
  });

  it("checks the publisher's shared values separately", () => {
    expect(
      checkConfigValues(fields, { "X-Team": "ops", "X-Shared-Key": "s3cr3t" }, { perUser: false }),
    ).toEqual({
      plain: { "X-Team": "ops" },
      secret: { "X-Shared-Key": "s3cr3t" },
    });
    expect(missingRequired(fields, false, new Set())).toEqual(["X-Team"]);
    expect(missingRequired(fields, true, new Set(["API_KEY"]))).toEqual(["REGION"]);
  });

  it("refuses values over the length limit", () => {
    expect(
      fieldErrorsOf(() =>
        checkConfigValues(fields, { API_KEY: "k".repeat(8193), REGION: "eu" }, { perUser: true }),
      ),
    ).toEqual({
      API_KEY: ["is too long"],
    });
  });
});

describe("stdioLaunchOf", () => {
  it("appends argument fields to argv and sets env fields, showing secret argument values as hidden", () => {
    const fields = [
      field({ name: "--api-key", target: "argument", secret: true }),
      field({ name: "--region", target: "argument" }),
      field({ name: "positional-secret", target: "argument", secret: true }),
      field({ name: "API_TOKEN", target: "env", secret: true }),
      field({ name: "PATH", target: "env" }),
      field({ name: "UV_INDEX_URL", target: "env" }),
      field({ name: "--unset", target: "argument" }),
    ];
    const values: Record<string, string> = {
      "--api-key": "sk-live-1",
      "--region": "eu",
      "positional-secret": "hunter2",
      API_TOKEN: "t-1",
      PATH: "/evil",
      UV_INDEX_URL: "https://evil.example/simple",
    };
    const launch = stdioLaunchOf(fields, (f) => values[f.name]);
    expect(launch.args).toEqual(["--api-key", "sk-live-1", "--region", "eu", "hunter2"]);
    expect(launch.shownArgs).toEqual(["--api-key", HIDDEN_ARGUMENT, "--region", "eu", HIDDEN_ARGUMENT]);
    expect(launch.env).toEqual({ API_TOKEN: "t-1" });
  });
});
