/** How one user reaches one server: which registry, and as which of its subjects. */
export type ReachSubject = "everyone" | "direct" | { teamId: string; teamName: string };

export type ReachVia = {
  registryId: string;
  registryName: string;
  subject: ReachSubject;
  /** null = every tool; otherwise this grant's allow-list */
  allowedTools: string[] | null;
};

export type ReachUser = {
  id: string;
  name: string | null;
  email: string;
  role: "OWNER" | "ADMIN" | "POWER_USER_PLUS" | "POWER_USER" | "BASIC_USER";
  status: "ACTIVE" | "DEACTIVATED";
};

/** The union of allow-lists: null (every tool) as soon as one grant is unrestricted. */
export function unionTools(lists: readonly (readonly string[] | null)[]): string[] | null {
  const tools = new Set<string>();
  for (const list of lists) {
    if (list === null) return null;
    for (const tool of list) tools.add(tool);
  }
  return [...tools].sort();
}

export function subjectOrder(subject: ReachSubject): string {
  if (subject === "everyone") return "0";
  if (subject === "direct") return "2";
  return `1${subject.teamName}`;
}
