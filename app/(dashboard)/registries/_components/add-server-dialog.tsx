"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { ArrowLeft, Check, Server } from "lucide-react";
import Link from "next/link";
import { useEffect, useState } from "react";
import { toast } from "sonner";
import { pluralize } from "@/components/lib/format";
import type { RouterOutputs } from "@/components/lib/router-types";
import { useDebouncedValue } from "@/components/lib/use-debounced-value";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { ErrorState } from "@/components/ui/error-state";
import { FormError } from "@/components/ui/field-error";
import { SearchInput } from "@/components/ui/search-input";
import { Skeleton } from "@/components/ui/skeleton";
import type { RegistryDetail } from "./registry-detail";
import { isSelectionValid, ToolAllowList, type ToolSelection, toAllowedTools } from "./tool-allow-list";

type GrantableServer = RouterOutputs["registries"]["listGrantableServers"][number];

/**
 * Two steps: pick an approved shared server, then choose its tools (all by default). The servers
 * offered are the ones this person may share: every approved one for Admins, their own otherwise.
 */
export function AddServerDialog({
  registry,
  open: isOpen,
  onOpenChange,
  onChanged,
  managesAll,
}: {
  registry: RegistryDetail;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onChanged: (detail: RegistryDetail) => void;
  managesAll: boolean;
}) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [picked, setPicked] = useState<GrantableServer | null>(null);
  const [selection, setSelection] = useState<ToolSelection>({ mode: "all", tools: [] });
  const debouncedSearch = useDebouncedValue(search.trim());
  const grantedIds = new Set(registry.servers.map((server) => server.serverId));

  const servers = useQuery({
    ...trpc.registries.listGrantableServers.queryOptions({ search: debouncedSearch || undefined }),
    enabled: isOpen,
    placeholderData: keepPreviousData,
  });

  const grant = useMutation(
    trpc.registries.grantServer.mutationOptions({
      onSuccess: (detail) => {
        onChanged(detail);
        toast.success(`${picked?.name ?? "Server"} added to ${detail.name}`, {
          description:
            selection.mode === "all"
              ? "Its subjects can use every tool."
              : `Its subjects can use ${pluralize(selection.tools.length, "tool")}.`,
        });
        onOpenChange(false);
      },
    }),
  );

  // Each opening starts at the first step with nothing chosen.
  useEffect(() => {
    if (isOpen) {
      setSearch("");
      setPicked(null);
      setSelection({ mode: "all", tools: [] });
    }
  }, [isOpen]);

  function pick(server: GrantableServer) {
    grant.reset();
    setPicked(server);
    setSelection({ mode: "all", tools: [] });
  }

  return (
    <Dialog open={isOpen} onOpenChange={(open) => !grant.isPending && onOpenChange(open)}>
      <DialogContent data-testid="add-server-dialog" className="max-w-xl">
        <DialogHeader>
          <DialogTitle>{picked ? `Grant ${picked.name}` : `Add a server to ${registry.name}`}</DialogTitle>
          <DialogDescription>
            {picked
              ? "Choose which of its tools this registry's subjects may use."
              : managesAll
                ? "Approved shared servers can be granted. Personal servers and servers awaiting approval cannot."
                : "You can grant the shared servers you published, once an administrator approved them."}
          </DialogDescription>
        </DialogHeader>

        {picked ? (
          <div className="space-y-4">
            <div className="flex items-center gap-3 rounded-lg border bg-muted/30 p-3">
              <div className="flex size-9 shrink-0 items-center justify-center rounded-md border bg-background">
                <Server className="size-4 text-muted-foreground" aria-hidden="true" />
              </div>
              <div className="min-w-0 flex-1">
                <p className="truncate text-sm font-medium">{picked.name}</p>
                <p className="truncate font-mono text-xs text-muted-foreground">{picked.slug}</p>
              </div>
              <Button variant="ghost" size="sm" onClick={() => setPicked(null)} disabled={grant.isPending}>
                <ArrowLeft aria-hidden="true" />
                Change
              </Button>
            </div>
            <ToolAllowList knownTools={picked.knownTools} value={selection} onChange={setSelection} />
            {grant.error && <FormError>{grant.error.message}</FormError>}
          </div>
        ) : (
          <div className="space-y-3">
            <SearchInput
              value={search}
              onChange={(event) => setSearch(event.target.value)}
              placeholder="Search servers"
              aria-label="Search servers"
            />
            <div className="-mx-2 min-h-48">
              {servers.isPending ? (
                <div className="space-y-3 px-2 py-1">
                  {["a", "b", "c"].map((key) => (
                    <div key={key} className="flex items-center gap-3">
                      <div className="flex-1 space-y-1.5">
                        <Skeleton className="h-4 w-40" />
                        <Skeleton className="h-3 w-56" />
                      </div>
                      <Skeleton className="h-8 w-16" />
                    </div>
                  ))}
                </div>
              ) : servers.isError && !servers.data ? (
                <ErrorState
                  className="mx-2"
                  title="Couldn't load the servers"
                  message={servers.error.message}
                  onRetry={() => void servers.refetch()}
                  isRetrying={servers.isFetching}
                />
              ) : servers.data.length === 0 ? (
                <p className="px-2 py-8 text-center text-sm text-muted-foreground">
                  {debouncedSearch ? (
                    `No approved shared server matches "${debouncedSearch}".`
                  ) : managesAll ? (
                    <>
                      No server is approved for shared use yet. Servers submitted for shared use wait on the{" "}
                      <Link
                        href="/reviews"
                        className="font-medium text-primary underline-offset-4 hover:underline"
                      >
                        Reviews
                      </Link>{" "}
                      page; approve one there first.
                    </>
                  ) : (
                    "You have no approved shared servers. Submit a server for shared use; once an administrator approves it, you can grant it here."
                  )}
                </p>
              ) : (
                <ul
                  className="max-h-80 divide-y overflow-y-auto"
                  aria-label="Servers"
                  data-testid="grantable-servers"
                >
                  {servers.data.map((server) => {
                    const isGranted = grantedIds.has(server.id);
                    return (
                      <li
                        key={server.id}
                        className="flex items-center gap-3 px-2 py-2.5"
                        data-testid="grantable-server"
                        data-slug={server.slug}
                      >
                        <div className="min-w-0 flex-1">
                          <p className="truncate text-sm font-medium">{server.name}</p>
                          <p className="truncate text-xs text-muted-foreground">
                            <span className="font-mono">{server.slug}</span>
                            {" · "}
                            {server.knownTools
                              ? pluralize(server.knownTools.length, "tool")
                              : "tools not discovered yet"}
                          </p>
                        </div>
                        {isGranted ? (
                          <Badge variant="success">
                            <Check aria-hidden="true" />
                            In registry
                          </Badge>
                        ) : (
                          <Button
                            variant="outline"
                            size="sm"
                            onClick={() => pick(server)}
                            aria-label={`Select ${server.name}`}
                          >
                            Select
                          </Button>
                        )}
                      </li>
                    );
                  })}
                </ul>
              )}
            </div>
          </div>
        )}

        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)} disabled={grant.isPending}>
            Cancel
          </Button>
          {picked && (
            <Button
              onClick={() =>
                grant.mutate({
                  registryId: registry.id,
                  serverId: picked.id,
                  allowedTools: toAllowedTools(selection),
                })
              }
              disabled={grant.isPending || !isSelectionValid(selection)}
            >
              {grant.isPending ? "Granting…" : "Grant server"}
            </Button>
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
