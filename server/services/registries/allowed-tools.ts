import { AppError } from "../../errors";
import { byName } from "../teams/team-row";
import { knownToolsOf, TOOL_NAME_PATTERN } from "./registry-row";

/** More than any real server offers; bounds the row and the audit event. */
export const MAX_ALLOWED_TOOLS = 200;

/**
 * Checks a tool allow-list against the server's approved version and returns it deduplicated and
 * sorted. When the tools were discovered, each name must be one of them (a typo would silently
 * grant nothing); before discovery, any well-formed tool name is accepted. Empty = every tool.
 */
export function checkAllowedTools(
  server: { name: string; approvedVersion: { capabilities: unknown } | null },
  tools: readonly string[],
): string[] {
  const names = [...new Set(tools.map((tool) => tool.trim()))].sort(byName);
  if (names.length > MAX_ALLOWED_TOOLS) {
    throw new AppError("BAD_REQUEST", `An allow-list holds at most ${MAX_ALLOWED_TOOLS} tools.`, {
      details: { field: "allowedTools" },
    });
  }
  const known = knownToolsOf(server.approvedVersion?.capabilities);
  if (known) {
    const offered = new Set(known.map((tool) => tool.name));
    const unknown = names.filter((name) => !offered.has(name));
    if (unknown.length > 0) {
      const list = unknown.map((name) => `"${name}"`).join(", ");
      throw new AppError(
        "BAD_REQUEST",
        `${server.name} offers no tool named ${list}. Pick from the tools it offers: ${known
          .map((tool) => tool.name)
          .slice(0, 20)
          .join(", ")}${known.length > 20 ? ", …" : ""}.`,
        { details: { field: "allowedTools", unknownTools: unknown } },
      );
    }
    return names;
  }
  const malformed = names.filter((name) => !TOOL_NAME_PATTERN.test(name));
  if (malformed.length > 0) {
    throw new AppError(
      "BAD_REQUEST",
      `"${malformed[0]}" is not a tool name: use 1 to 128 letters, digits, and _ . / - only.`,
      { details: { field: "allowedTools" } },
    );
  }
  return names;
}
