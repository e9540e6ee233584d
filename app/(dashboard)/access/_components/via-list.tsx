import { Globe, UserRound, UsersRound } from "lucide-react";
import Link from "next/link";
import type { RouterOutputs } from "@/components/lib/router-types";

type Via = RouterOutputs["access"]["whoCanReach"]["users"][number]["via"][number];

function SubjectText({ subject }: { subject: Via["subject"] }) {
  if (subject === "everyone") {
    return (
      <span className="inline-flex items-center gap-1 text-warning-foreground dark:text-warning">
        <Globe className="size-3" aria-hidden="true" />
        everyone
      </span>
    );
  }
  if (subject === "direct") {
    return (
      <span className="inline-flex items-center gap-1">
        <UserRound className="size-3" aria-hidden="true" />
        directly
      </span>
    );
  }
  return (
    <span className="inline-flex min-w-0 items-center gap-1">
      <UsersRound className="size-3 shrink-0" aria-hidden="true" />
      <span className="break-words">team {subject.teamName}</span>
    </span>
  );
}

/**
 * "Data tools · team Data Science (echo, get-sum)": each registry grant a person reaches a server
 * through. A grant's own tools are shown only when there are several (one grant's tools are the
 * Tools column already).
 */
export function ViaList({ via }: { via: Via[] }) {
  const showTools = via.length > 1;
  return (
    <ul className="space-y-1" data-testid="via-list">
      {via.map((entry) => (
        <li
          key={`${entry.registryId}-${typeof entry.subject === "string" ? entry.subject : entry.subject.teamId}`}
          className="flex min-w-0 flex-wrap items-center gap-x-1.5 text-xs"
          data-testid="via"
        >
          <Link href={`/registries/${entry.registryId}`} className="font-medium hover:underline">
            {entry.registryName}
          </Link>
          <span className="inline-flex min-w-0 items-center gap-1.5 text-muted-foreground">
            <span aria-hidden="true">·</span>
            <SubjectText subject={entry.subject} />
          </span>
          {showTools && (
            <span
              className="truncate font-mono text-[0.6875rem] text-muted-foreground"
              title={entry.allowedTools?.join(", ") ?? "all tools"}
            >
              ({entry.allowedTools?.join(", ") ?? "all tools"})
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The tools a person may call on a server: every tool, or the union of their grants' allow-lists. */
export function ToolsCell({ tools }: { tools: string[] | null }) {
  if (tools === null) {
    return (
      <span className="text-xs text-muted-foreground" data-testid="tools">
        All tools
      </span>
    );
  }
  return (
    <div className="flex max-w-72 flex-wrap gap-1" data-testid="tools">
      {tools.map((tool) => (
        <span key={tool} className="rounded border bg-muted/50 px-1.5 py-0.5 font-mono text-[0.6875rem]">
          {tool}
        </span>
      ))}
    </div>
  );
}
