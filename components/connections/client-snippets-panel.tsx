"use client";

import { ExternalLink, FileCode2, Info } from "lucide-react";
import Link from "next/link";
import { type KeyboardEvent, useId, useMemo, useRef, useState } from "react";
import { cn } from "@/components/lib/utils";
import { Button } from "@/components/ui/button";
import {
  buildClientSnippets,
  type ClientSnippetId,
  TOKEN_PLACEHOLDER,
} from "@/server/services/connections/client-snippets";
import { CopyButton } from "./copy-button";

/**
 * One tab per client with its ready-to-paste configuration for this connection, a copy button,
 * and the client's install link where it has one. Tabs follow the WAI-ARIA pattern: arrow keys
 * move between them, Home/End jump to the ends.
 */
export function ClientSnippetsPanel({ name, url }: { name: string; url: string }) {
  const snippets = useMemo(() => buildClientSnippets({ name, url }), [name, url]);
  const [selected, setSelected] = useState<ClientSnippetId>("claude-code");
  const baseId = useId();
  const tabRefs = useRef<Map<ClientSnippetId, HTMLButtonElement>>(new Map());
  const current = snippets.find((snippet) => snippet.id === selected) ?? snippets[0];
  if (!current) return null;

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = snippets.findIndex((snippet) => snippet.id === selected);
    let next: number | null = null;
    if (event.key === "ArrowRight") next = (index + 1) % snippets.length;
    else if (event.key === "ArrowLeft") next = (index - 1 + snippets.length) % snippets.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = snippets.length - 1;
    const target = next === null ? undefined : snippets[next];
    if (!target) return;
    event.preventDefault();
    setSelected(target.id);
    tabRefs.current.get(target.id)?.focus();
  }

  return (
    <div className="space-y-4" data-testid="client-snippets">
      <div
        role="tablist"
        aria-label="MCP clients"
        className="-mx-1 flex gap-1 overflow-x-auto px-1 pb-1"
        onKeyDown={onKeyDown}
      >
        {snippets.map((snippet) => {
          const isSelected = snippet.id === current.id;
          return (
            <button
              key={snippet.id}
              ref={(element) => {
                if (element) tabRefs.current.set(snippet.id, element);
                else tabRefs.current.delete(snippet.id);
              }}
              type="button"
              role="tab"
              id={`${baseId}-tab-${snippet.id}`}
              aria-selected={isSelected}
              aria-controls={`${baseId}-panel`}
              tabIndex={isSelected ? 0 : -1}
              data-testid={`snippet-tab-${snippet.id}`}
              onClick={() => setSelected(snippet.id)}
              className={cn(
                "shrink-0 whitespace-nowrap rounded-md px-3 py-1.5 text-sm font-medium outline-none transition-colors focus-visible:ring-[3px] focus-visible:ring-ring/50",
                isSelected
                  ? "bg-primary text-primary-foreground shadow-xs"
                  : "text-muted-foreground hover:bg-accent hover:text-accent-foreground",
              )}
            >
              {snippet.label}
            </button>
          );
        })}
      </div>

      <div
        role="tabpanel"
        id={`${baseId}-panel`}
        aria-labelledby={`${baseId}-tab-${current.id}`}
        className="space-y-3"
        data-testid="snippet-panel"
        data-client={current.id}
      >
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="flex min-w-0 items-center gap-1.5 text-sm text-muted-foreground">
            {current.location ? (
              <>
                <FileCode2 className="size-4 shrink-0" aria-hidden="true" />
                <span className="min-w-0 truncate">
                  Add to <code className="font-mono text-xs text-foreground">{current.location}</code>
                </span>
              </>
            ) : current.language === "shell" ? (
              "Run in a terminal"
            ) : (
              "For clients that read an mcpServers configuration"
            )}
          </p>
          <div className="flex items-center gap-2">
            {current.installLink && (
              <Button variant="outline" size="sm" asChild>
                {/* A link to an app the client registered (cursor:, vscode:); built by us, not from input. */}
                <a href={current.installLink.href} data-testid={`install-link-${current.id}`}>
                  <ExternalLink aria-hidden="true" />
                  {current.installLink.label}
                </a>
              </Button>
            )}
            <CopyButton value={current.code} label={`${current.label} snippet`} testId="copy-snippet" />
          </div>
        </div>
        <pre
          className={cn(
            "max-h-96 overflow-auto rounded-lg border bg-muted/50 p-4 font-mono text-xs leading-relaxed",
            // A command is one line to copy but wraps on screen; JSON keeps its indentation.
            current.language === "shell" && "whitespace-pre-wrap wrap-anywhere",
          )}
          data-testid="snippet-code"
        >
          <code>{current.code}</code>
        </pre>
        <p className="flex gap-2 text-xs text-muted-foreground">
          <Info className="mt-0.5 size-3.5 shrink-0" aria-hidden="true" />
          <span>
            Replace <code className="font-mono text-foreground">{TOKEN_PLACEHOLDER}</code> with a personal API
            token.{" "}
            <Link href="/tokens" className="font-medium text-primary underline-offset-4 hover:underline">
              Create a token on the Tokens page
            </Link>
            {current.installLink ? "; after installing, paste it into the header the link adds." : "."}
          </span>
        </p>
      </div>
    </div>
  );
}
