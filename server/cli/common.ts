import { type AuditContext, CLI_USER_AGENT } from "../audit/record";
import { AppError } from "../errors";

/** What every CLI change is audited with: no actor user, the user agent "gatehouse-cli". */
export const CLI_CONTEXT: AuditContext = { actorUserId: null, userAgent: CLI_USER_AGENT, clientIp: null };

/** commander's collector for a repeatable option (`--arg a --arg b`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--tools echo,add`: the tool names, or undefined when the option was not given. */
export function parseTools(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const tools = value
    .split(",")
    .map((tool) => tool.trim())
    .filter(Boolean);
  if (tools.length === 0) throw new AppError("BAD_REQUEST", "--tools needs at least one tool name");
  return tools;
}
