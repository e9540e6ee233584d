"use client";

import { useQuery } from "@tanstack/react-query";
import { Ban, Server, UserRound, UserSearch } from "lucide-react";
import { isNotFound } from "@/components/lib/errors";
import { pluralize } from "@/components/lib/format";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { ROLE_LABELS } from "@/server/policy/permissions";
import { ToolsCell, ViaList } from "./via-list";
import { PanelSkeleton } from "./who-can-reach-panel";

/** "What can this person reach?": their servers, through which registries, with which tools. */
export function WhatCanUserReachPanel({
  userId,
  onShowServer,
}: {
  userId: string | null;
  onShowServer: (serverId: string) => void;
}) {
  const trpc = useTRPC();
  const answer = useQuery({
    ...trpc.access.whatCanUserReach.queryOptions({ userId: userId ?? "" }),
    enabled: userId !== null,
  });

  if (userId === null) {
    return (
      <Card>
        <EmptyState
          className="py-16"
          icon={UserSearch}
          title="Pick a person"
          description="See every server they can reach right now: their own personal servers and everything their registries grant them, with the tools they may call."
        />
      </Card>
    );
  }
  if (answer.isPending) return <PanelSkeleton label="Working out what the person can reach…" />;
  if (answer.isError) {
    return (
      <ErrorState
        title={
          isNotFound(answer.error) ? "This user no longer exists" : "Couldn't work out what they can reach"
        }
        message={answer.error.message}
        onRetry={isNotFound(answer.error) ? undefined : () => void answer.refetch()}
        isRetrying={answer.isFetching}
      />
    );
  }

  const { user, servers } = answer.data;
  const isActive = user.status === "ACTIVE";
  return (
    <div className="min-w-0 space-y-4" data-testid="what-can-user-reach" data-email={user.email}>
      <Card>
        <CardHeader className="pb-5">
          <div className="flex min-w-0 items-start gap-3">
            <div className="flex size-9 shrink-0 items-center justify-center rounded-full border bg-muted/60 text-muted-foreground">
              <UserRound className="size-4" aria-hidden="true" />
            </div>
            <div className="min-w-0 space-y-1">
              <CardTitle as="h2" className="text-base">
                {user.name ?? user.email}
              </CardTitle>
              <div className="flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
                {user.name && <span>{user.email}</span>}
                <Badge variant="outline" className="font-normal">
                  {ROLE_LABELS[user.role]}
                </Badge>
                {!isActive && <Badge variant="destructive">Deactivated</Badge>}
                {user.teams.map((team) => (
                  <Badge key={team.id} variant="secondary" className="font-normal">
                    {team.name}
                  </Badge>
                ))}
              </div>
            </div>
          </div>
        </CardHeader>
        <div className="border-t px-5 py-4 text-sm" data-testid="reach-summary">
          {!isActive ? (
            <p className="flex items-center gap-2">
              <Ban className="size-4 text-destructive" aria-hidden="true" />
              Deactivated: they reach nothing, whatever their registries grant.
            </p>
          ) : servers.length === 0 ? (
            <p>
              <span className="font-medium">They reach nothing.</span>{" "}
              <span className="text-muted-foreground">
                No registry grants them an approved server, and they have no personal servers.
              </span>
            </p>
          ) : (
            <p>
              They can reach <span className="font-semibold">{pluralize(servers.length, "server")}</span>.
            </p>
          )}
        </div>
      </Card>

      {servers.length > 0 && (
        <Card>
          <Table data-testid="reach-servers">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead>Server</TableHead>
                <TableHead>Through</TableHead>
                <TableHead className="hidden sm:table-cell">Tools</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {servers.map((server) => (
                <TableRow key={server.serverId} data-testid="reach-server" data-slug={server.slug}>
                  <TableCell className="max-w-64 align-top">
                    <div className="flex items-start gap-2">
                      <Server className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
                      <div className="min-w-0">
                        <button
                          type="button"
                          className="block max-w-full text-left font-medium break-words hover:underline"
                          onClick={() => onShowServer(server.serverId)}
                          title="Who can reach this server?"
                        >
                          {server.name}
                        </button>
                        <p className="font-mono text-xs break-all text-muted-foreground">{server.slug}</p>
                      </div>
                    </div>
                  </TableCell>
                  <TableCell className="max-w-80 align-top">
                    {server.scope === "PERSONAL" ? (
                      <Badge variant="outline" className="font-normal">
                        Their personal server
                      </Badge>
                    ) : (
                      <ViaList via={server.via} />
                    )}
                    {/* On a phone the tools sit under the grants instead of in a column of their own. */}
                    <div className="mt-2 sm:hidden">
                      <ToolsCell tools={server.allowedTools} />
                    </div>
                  </TableCell>
                  <TableCell className="hidden align-top sm:table-cell">
                    <ToolsCell tools={server.allowedTools} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Card>
      )}
    </div>
  );
}
