import { z } from "zod";
import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db, Tx } from "../../db";
import { AppError } from "../../errors";
import { bumpGlobalAccessEpoch } from "../access/access-epochs";

/**
 * The admin-managed allow-list of commands a stdio catalog entry may run (PROTOCOL X2). A template
 * is an executable name plus an argument array in which `{package}` and `{version}` stand for the
 * entry's package and exact version, e.g. `npx -y {package}@{version}`. A stdio server version is
 * saved only when its command and leading arguments are one template with both placeholders filled
 * by valid values; whatever follows are further arguments, passed as separate argv entries (there
 * is never a shell).
 */
export const COMMAND_TEMPLATES_SETTING = "stdio.commandTemplates";

export type CommandTemplate = { id: string; label: string; command: string; args: string[] };

export const DEFAULT_COMMAND_TEMPLATES: readonly CommandTemplate[] = [
  { id: "npx", label: "npm package (npx)", command: "npx", args: ["-y", "{package}@{version}"] },
  { id: "uvx", label: "Python package (uvx)", command: "uvx", args: ["{package}=={version}"] },
];

/** npm (optionally scoped) and PyPI package names. */
const PACKAGE_RE = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[A-Za-z0-9][A-Za-z0-9-._~]*$/;
/** An exact version: no ranges, tags such as "latest", or shell metacharacters. */
const VERSION_RE = /^[0-9][A-Za-z0-9.+_-]*$/;
const COMMAND_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const CONTROL_RE = /\p{Cc}/u;
export const MAX_EXTRA_ARGS = 50;

const TEMPLATE_SCHEMA = z
  .object({
    id: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "lowercase letters, digits and '-' (at most 32)"),
    label: z.string().trim().min(1).max(100),
    command: z
      .string()
      .trim()
      .regex(COMMAND_RE, "a bare executable name such as npx (no paths, spaces or shell syntax)"),
    args: z
      .array(z.string().min(1).max(200))
      .max(20)
      .refine((args) => args.some((arg) => arg.includes("{package}")), "must use {package}")
      .refine((args) => args.every((arg) => !CONTROL_RE.test(arg)), "must not contain control characters"),
  })
  .strict();

const TEMPLATES_SCHEMA = z
  .array(TEMPLATE_SCHEMA)
  .max(20)
  .refine((list) => new Set(list.map((t) => t.id)).size === list.length, "template ids must be unique");

export async function getCommandTemplates(db: Db | Tx): Promise<CommandTemplate[]> {
  const row = await db.setting.findUnique({ where: { key: COMMAND_TEMPLATES_SETTING } });
  if (!row) return DEFAULT_COMMAND_TEMPLATES.map((t) => ({ ...t, args: [...t.args] }));
  const parsed = TEMPLATES_SCHEMA.safeParse(row.value);
  // A stored value that no longer parses allows nothing rather than something unintended.
  return parsed.success ? parsed.data : [];
}

/** Replaces the allow-list (admin action), audited with before/after in the same transaction. */
export async function setCommandTemplates(options: {
  db: Db;
  templates: unknown;
  context: AuditContext;
}): Promise<CommandTemplate[]> {
  const parsed = TEMPLATES_SCHEMA.safeParse(options.templates);
  if (!parsed.success) {
    throw new AppError(
      "BAD_REQUEST",
      parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    );
  }
  const templates = parsed.data;
  const committed = await options.db.$transaction(async (tx) => {
    const before = await getCommandTemplates(tx);
    await tx.setting.upsert({
      where: { key: COMMAND_TEMPLATES_SETTING },
      create: { key: COMMAND_TEMPLATES_SETTING, value: templates },
      update: { value: templates },
    });
    await recordAudit(tx, options.context, {
      action: "settings.command_templates.change",
      targetType: "setting",
      targetId: COMMAND_TEMPLATES_SETTING,
      metadata: { before, after: templates },
    });
    return templates;
  });
  // After the commit: cached MCP policy decisions are recomputed on their next request.
  await bumpGlobalAccessEpoch();
  return committed;
}

export type TemplateMatch = {
  template: CommandTemplate;
  packageName: string;
  version: string | null;
  extraArgs: string[];
};

/** The full argv of a template for a package and version. */
export function expandCommandTemplate(
  template: CommandTemplate,
  packageName: string,
  version: string,
): { command: string; args: string[] } {
  return {
    command: template.command,
    args: template.args.map((arg) =>
      arg.replaceAll("{package}", packageName).replaceAll("{version}", version),
    ),
  };
}

/**
 * Which allowed template `command args…` instantiates, or a reason it is refused. Each template
 * argument is matched as a pattern in which the placeholders accept only package names and exact
 * versions; the remaining arguments must be plain text without control characters.
 */
export function matchCommandTemplate(
  templates: readonly CommandTemplate[],
  command: string,
  args: readonly string[],
): { ok: true; match: TemplateMatch } | { ok: false; reason: string } {
  const candidates = templates.filter((template) => template.command === command);
  if (candidates.length === 0) {
    const allowed = templates.map((t) => t.command).join(", ") || "none";
    return { ok: false, reason: `"${command}" is not an allowed command (allowed: ${allowed})` };
  }
  for (const template of candidates) {
    if (args.length < template.args.length) continue;
    let packageName: string | null = null;
    let version: string | null = null;
    let matched = true;
    template.args.forEach((pattern, index) => {
      if (!matched) return;
      const found = matchArgument(pattern, args[index] ?? "");
      if (found === null) {
        matched = false;
        return;
      }
      packageName = found.package ?? packageName;
      version = found.version ?? version;
    });
    if (!matched || packageName === null) continue;
    const extraArgs = args.slice(template.args.length);
    if (extraArgs.length > MAX_EXTRA_ARGS)
      return { ok: false, reason: `at most ${MAX_EXTRA_ARGS} further arguments are allowed` };
    if (extraArgs.some((arg) => CONTROL_RE.test(arg) || arg.length > 1000))
      return { ok: false, reason: "arguments must not contain control characters or exceed 1000 characters" };
    return { ok: true, match: { template, packageName, version, extraArgs: [...extraArgs] } };
  }
  const shapes = candidates.map((t) => [t.command, ...t.args].join(" ")).join(" or ");
  return {
    ok: false,
    reason: `arguments must follow the allowed template ${shapes}, with a package name and an exact version`,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function matchArgument(pattern: string, value: string): { package?: string; version?: string } | null {
  if (!pattern.includes("{")) return pattern === value ? {} : null;
  const names: string[] = [];
  const source = pattern
    .split(/(\{package\}|\{version\})/)
    .map((part) => {
      if (part === "{package}") {
        names.push("package");
        return "(.+?)";
      }
      if (part === "{version}") {
        names.push("version");
        return "(.+?)";
      }
      return escapeRegExp(part);
    })
    .join("");
  const found = new RegExp(`^${source}$`).exec(value);
  if (!found) return null;
  const out: { package?: string; version?: string } = {};
  for (const [index, name] of names.entries()) {
    const part = found[index + 1] ?? "";
    if (name === "package") {
      if (!PACKAGE_RE.test(part)) return null;
      out.package = part;
    } else {
      if (!VERSION_RE.test(part)) return null;
      out.version = part;
    }
  }
  return out;
}
