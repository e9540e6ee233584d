import { AlertTriangle, Cable, Server, Unplug } from "lucide-react";
import Link from "next/link";
import { cn } from "@/components/lib/utils";
import { Badge } from "@/components/ui/badge";

export type TokenScopeView = {
  kind: "connection" | "server";
  id: string;
  name: string | null;
  serverName: string | null;
  serverSlug: string | null;
  tools: string[] | null;
  state: "ok" | "gone" | "unavailable";
};

function toolsText(tools: string[] | null): string | null {
  if (tools === null) return null;
  const shown = tools.slice(0, 3).join(", ");
  return tools.length > 3 ? `${shown} +${tools.length - 3}` : shown;
}

function ScopeChip({ scope, isLinked }: { scope: TokenScopeView; isLinked: boolean }) {
  const tools = toolsText(scope.tools);
  const toolsTitle = scope.tools ? `Only these tools: ${scope.tools.join(", ")}` : "Every tool you may call";

  if (scope.state !== "ok") {
    const what = scope.kind === "connection" ? "connection" : "server";
    const label =
      scope.state === "gone"
        ? `Deleted ${what}`
        : scope.kind === "connection"
          ? `${scope.name ?? "Connection"}: no longer shared`
          : "Server no longer shared with you";
    return (
      <Badge
        variant={scope.state === "gone" ? "outline" : "warning"}
        className={cn(
          "max-w-full font-normal",
          scope.state === "gone" && "text-muted-foreground line-through",
        )}
        title={`This part of the scope reaches nothing now: the ${what} ${scope.state === "gone" ? "was deleted" : "is no longer shared with you"}.`}
        data-testid="token-scope"
        data-state={scope.state}
      >
        <Unplug aria-hidden="true" />
        <span className="min-w-0 break-words">{label}</span>
      </Badge>
    );
  }

  const Icon = scope.kind === "connection" ? Cable : Server;
  // The chip's text wraps instead of being cut: on a phone a name is worth a second line.
  const content = (
    <>
      <Icon aria-hidden="true" />
      <span className="min-w-0 break-words">
        {scope.name}
        {scope.kind === "connection" && scope.serverName && scope.serverName !== scope.name && (
          <span className="text-muted-foreground"> · {scope.serverName}</span>
        )}
        {scope.kind === "server" && <span className="text-muted-foreground"> (all connections)</span>}
        {tools && <span className="font-mono text-[11px] text-muted-foreground"> [{tools}]</span>}
      </span>
    </>
  );
  const href = isLinked
    ? scope.kind === "connection"
      ? `/connections/${scope.id}`
      : scope.serverSlug
        ? `/catalog/${scope.serverSlug}`
        : null
    : null;
  const shared = {
    variant: "outline" as const,
    title: toolsTitle,
    "data-testid": "token-scope",
    "data-state": "ok",
  };
  if (href === null) {
    return (
      <Badge {...shared} className="max-w-full whitespace-normal font-normal">
        {content}
      </Badge>
    );
  }
  return (
    <Badge {...shared} className="max-w-full whitespace-normal font-normal hover:bg-accent" asChild>
      <Link href={href}>{content}</Link>
    </Badge>
  );
}

/** What a token may reach, one chip per scope entry; an empty scope is called out, it reaches nothing. */
export function TokenScopeChips({
  scopes,
  isLinked = true,
  className,
}: {
  scopes: TokenScopeView[];
  /** links to the connection and catalog pages (only for the owner's own tokens) */
  isLinked?: boolean;
  className?: string;
}) {
  if (scopes.length === 0) {
    return (
      <Badge variant="warning" className={cn("font-normal", className)} data-testid="token-scope-empty">
        <AlertTriangle aria-hidden="true" />
        Empty scope: reaches nothing
      </Badge>
    );
  }
  return (
    <ul className={cn("flex min-w-0 flex-wrap gap-1.5", className)} aria-label="Scope">
      {scopes.map((scope) => (
        <li key={`${scope.kind}:${scope.id}`} className="min-w-0 max-w-full">
          <ScopeChip scope={scope} isLinked={isLinked} />
        </li>
      ))}
    </ul>
  );
}
