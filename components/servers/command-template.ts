import type { CommandTemplate } from "./labels";

/**
 * The stdio command templates on the browser side: expanding one for a package and version (what
 * the server checks again with matchCommandTemplate), and reading an existing version's command
 * back into template, package, version and further arguments for editing.
 */

export function expandTemplate(
  template: Pick<CommandTemplate, "command" | "args">,
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function matchArgument(pattern: string, value: string): { package?: string; version?: string } | null {
  if (!pattern.includes("{")) return pattern === value ? {} : null;
  const names: ("package" | "version")[] = [];
  const source = pattern
    .split(/(\{package\}|\{version\})/)
    .map((part) => {
      if (part === "{package}" || part === "{version}") {
        names.push(part === "{package}" ? "package" : "version");
        return "(.+?)";
      }
      return escapeRegExp(part);
    })
    .join("");
  const found = new RegExp(`^${source}$`).exec(value);
  if (!found) return null;
  const out: { package?: string; version?: string } = {};
  names.forEach((name, index) => {
    out[name] = found[index + 1] ?? "";
  });
  return out;
}

export type TemplateReading = {
  templateId: string;
  packageName: string;
  version: string;
  extraArgs: string[];
};

/** Which template `command args…` was built from, or null (the allow-list changed since). */
export function readCommand(
  templates: readonly CommandTemplate[],
  command: string | null,
  args: readonly string[],
): TemplateReading | null {
  if (!command) return null;
  for (const template of templates) {
    if (template.command !== command || args.length < template.args.length) continue;
    let packageName: string | null = null;
    let version = "";
    let isMatch = true;
    template.args.forEach((pattern, index) => {
      if (!isMatch) return;
      const found = matchArgument(pattern, args[index] ?? "");
      if (found === null) {
        isMatch = false;
        return;
      }
      packageName = found.package ?? packageName;
      version = found.version ?? version;
    });
    if (isMatch && packageName !== null) {
      return { templateId: template.id, packageName, version, extraArgs: args.slice(template.args.length) };
    }
  }
  return null;
}

/** `npx -y "@scope/pkg@1.0.0" --root "/my files"`: an argv shown as one line, quoting what needs it. */
export function formatCommandLine(command: string, args: readonly string[]): string {
  return [command, ...args].map(quoteArg).join(" ");
}

function quoteArg(arg: string): string {
  if (arg === "") return '""';
  return /[\s"'\\$`]/.test(arg) ? JSON.stringify(arg) : arg;
}
