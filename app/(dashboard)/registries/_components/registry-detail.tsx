"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  ChevronDown,
  Globe,
  ListFilter,
  Plus,
  Server,
  ShieldCheck,
  Trash2,
  TriangleAlert,
  UserRound,
  UsersRound,
} from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type ReactNode, useState } from "react";
import { toast } from "sonner";
import { isNotFound } from "@/components/lib/errors";
import { pluralize } from "@/components/lib/format";
import type { RouterOutputs } from "@/components/lib/router-types";
import { useTRPC } from "@/components/providers/trpc-provider";
import { BackLink } from "@/components/ui/back-link";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { AddServerDialog } from "./add-server-dialog";
import { AddSubjectDialog } from "./add-subject-dialog";
import { EditRegistryDialog } from "./edit-registry-dialog";
import { EditToolsDialog } from "./edit-tools-dialog";
import { RegistryMissing } from "./registry-missing";

export type RegistryDetail = RouterOutputs["registries"]["get"];
export type RegistrySubject = RegistryDetail["subjects"][number];
export type RegistryServer = RegistryDetail["servers"][number];

const STATUS_LABELS: Record<RegistryServer["status"], string> = {
  DRAFT: "Draft",
  PENDING_APPROVAL: "Pending approval",
  APPROVED: "Approved",
  REJECTED: "Rejected",
  RETIRED: "Retired",
};
const TOOL_PREVIEW = 6;

function subjectName(subject: RegistrySubject): string {
  if (subject.kind === "EVERYONE") return "Everyone";
  if (subject.kind === "TEAM") return subject.team.name;
  return subject.user.name?.trim() || subject.user.email;
}

function DetailSkeleton() {
  return (
    <div className="space-y-8" aria-busy="true">
      <span className="sr-only" role="status">
        Loading the registry…
      </span>
      <div className="space-y-2">
        <Skeleton className="h-7 w-48" />
        <Skeleton className="h-4 w-full max-w-lg" />
      </div>
      {["subjects", "servers"].map((section) => (
        <Card key={section} className="space-y-4 p-5">
          <Skeleton className="h-4 w-24" />
          {["a", "b"].map((key) => (
            <div key={key} className="flex items-center gap-4">
              <Skeleton className="size-8 rounded-full" />
              <Skeleton className="h-4 w-48" />
              <Skeleton className="ml-auto h-8 w-20" />
            </div>
          ))}
        </Card>
      ))}
    </div>
  );
}

function SubjectIcon({ subject }: { subject: RegistrySubject }) {
  const Icon = subject.kind === "EVERYONE" ? Globe : subject.kind === "TEAM" ? UsersRound : UserRound;
  return (
    <div
      className={
        subject.kind === "EVERYONE"
          ? "flex size-8 shrink-0 items-center justify-center rounded-full border border-warning/30 bg-warning/15 text-warning-foreground dark:text-warning"
          : "flex size-8 shrink-0 items-center justify-center rounded-full border bg-muted/60 text-muted-foreground"
      }
    >
      <Icon className="size-4" aria-hidden="true" />
    </div>
  );
}

function ToolsSummary({ server }: { server: RegistryServer }) {
  if (server.allowedTools.length === 0) {
    return (
      <div className="flex flex-wrap items-center gap-1.5">
        <Badge variant="outline" className="font-normal">
          All tools
        </Badge>
        {server.knownTools && (
          <span className="text-xs text-muted-foreground">{pluralize(server.knownTools.length, "tool")}</span>
        )}
      </div>
    );
  }
  const shown = server.allowedTools.slice(0, TOOL_PREVIEW);
  return (
    <div className="space-y-1.5">
      <p className="text-xs text-muted-foreground">
        {server.knownTools
          ? `${server.allowedTools.length} of ${pluralize(server.knownTools.length, "tool")}`
          : pluralize(server.allowedTools.length, "tool")}
      </p>
      <div className="flex flex-wrap gap-1">
        {shown.map((tool) => (
          <Badge key={tool} variant="secondary" className="max-w-56 font-mono font-normal">
            <span className="truncate">{tool}</span>
          </Badge>
        ))}
        {server.allowedTools.length > shown.length && (
          <span className="text-xs leading-5 text-muted-foreground">
            +{server.allowedTools.length - shown.length} more
          </span>
        )}
      </div>
    </div>
  );
}

/** One registry: whom it grants, which servers and tools, and (for its managers) changing all three. */
export function RegistryDetailView({
  registryId,
  canExplore,
  managesAll,
}: {
  registryId: string;
  canExplore: boolean;
  managesAll: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const registry = useQuery(trpc.registries.get.queryOptions({ registryId }));
  const [addingKind, setAddingKind] = useState<"USER" | "TEAM" | null>(null);
  const [isEveryoneOpen, setIsEveryoneOpen] = useState(false);
  const [removingSubject, setRemovingSubject] = useState<RegistrySubject | null>(null);
  const [isAddServerOpen, setIsAddServerOpen] = useState(false);
  const [editingServer, setEditingServer] = useState<RegistryServer | null>(null);
  const [editOpening, setEditOpening] = useState(0);
  const [revokingServer, setRevokingServer] = useState<RegistryServer | null>(null);
  const [isDeleteOpen, setIsDeleteOpen] = useState(false);

  /** The registry changed: its page shows the server's answer; the list refetches. */
  const showRegistry = (detail: RegistryDetail) => {
    queryClient.setQueryData(trpc.registries.get.queryKey({ registryId }), detail);
    void queryClient.invalidateQueries({ queryKey: trpc.registries.list.pathKey() });
  };

  const addEveryone = useMutation(
    trpc.registries.addSubject.mutationOptions({
      onSuccess: (detail) => {
        showRegistry(detail);
        setIsEveryoneOpen(false);
        toast.success(`${detail.name} granted to everyone`);
      },
      onError: (error) => toast.error("Couldn't grant to everyone", { description: error.message }),
    }),
  );
  const removeSubject = useMutation(
    trpc.registries.removeSubject.mutationOptions({
      onSuccess: (detail) => {
        showRegistry(detail);
        if (removingSubject)
          toast.success(`${subjectName(removingSubject)} no longer granted ${detail.name}`);
        setRemovingSubject(null);
      },
      onError: (error) => toast.error("Couldn't remove the subject", { description: error.message }),
    }),
  );
  const revokeServer = useMutation(
    trpc.registries.revokeServer.mutationOptions({
      onSuccess: (detail) => {
        showRegistry(detail);
        if (revokingServer) toast.success(`${revokingServer.name} removed from ${detail.name}`);
        setRevokingServer(null);
      },
      onError: (error) => toast.error("Couldn't remove the server", { description: error.message }),
    }),
  );
  const deleteRegistry = useMutation(
    trpc.registries.delete.mutationOptions({
      onSuccess: () => {
        toast.success("Registry deleted", {
          description: `${registry.data?.name ?? "The registry"} no longer grants anything.`,
        });
        setIsDeleteOpen(false);
        // Only the list: refetching this registry now would just answer 404 while the page is leaving.
        void queryClient.invalidateQueries({ queryKey: trpc.registries.list.pathKey() });
        router.push("/registries");
      },
      onError: (error) => toast.error("Couldn't delete the registry", { description: error.message }),
    }),
  );

  if (registry.isPending) return <DetailSkeleton />;
  if (registry.isError && !registry.data) {
    // A malformed id is refused as bad input; to the person it is the same missing registry.
    if (isNotFound(registry.error) || registry.error.data?.code === "BAD_REQUEST") return <RegistryMissing />;
    return (
      <div className="space-y-6">
        <BackLink href="/registries">All registries</BackLink>
        <ErrorState
          title="Couldn't load the registry"
          message={registry.error.message}
          onRetry={() => void registry.refetch()}
          isRetrying={registry.isFetching}
        />
      </div>
    );
  }

  const detail = registry.data;
  const hasEveryone = detail.subjects.some((subject) => subject.kind === "EVERYONE");
  const isGranting = detail.subjects.length > 0 && detail.servers.length > 0;

  const addSubjectMenu = (variant: "default" | "outline") => (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button size="sm" variant={variant} data-testid="add-subject-button">
          <Plus aria-hidden="true" />
          Grant access
          <ChevronDown aria-hidden="true" />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuItem onSelect={() => setAddingKind("USER")}>
          <UserRound aria-hidden="true" />
          To a person…
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => setAddingKind("TEAM")}>
          <UsersRound aria-hidden="true" />
          To a team…
        </DropdownMenuItem>
        <DropdownMenuItem disabled={hasEveryone} onSelect={() => setIsEveryoneOpen(true)}>
          <Globe aria-hidden="true" />
          To everyone
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
  const addServerButton = (variant: "default" | "outline") => (
    <Button
      size="sm"
      variant={variant}
      data-testid="add-server-button"
      onClick={() => setIsAddServerOpen(true)}
    >
      <Plus aria-hidden="true" />
      Add server
    </Button>
  );

  let subjects: ReactNode;
  if (detail.subjects.length === 0) {
    subjects = (
      <EmptyState
        className="border-t"
        icon={UsersRound}
        title="Not granted to anyone yet"
        description="Grant the registry to people, teams or everyone. They reach its servers from their next request."
        action={addSubjectMenu("outline")}
      />
    );
  } else {
    subjects = (
      <ul className="divide-y border-t" data-testid="registry-subjects">
        {detail.subjects.map((subject) => (
          <li
            key={subject.id}
            className="flex items-center gap-3 px-5 py-3"
            data-testid="registry-subject"
            data-kind={subject.kind}
            data-name={subjectName(subject)}
          >
            <SubjectIcon subject={subject} />
            <div className="min-w-0 flex-1">
              <p className="truncate text-sm font-medium">
                {subjectName(subject)}
                {subject.kind === "TEAM" && (
                  <span className="ml-2 font-normal text-muted-foreground">team</span>
                )}
              </p>
              <p className="truncate text-xs text-muted-foreground">
                {subject.kind === "EVERYONE"
                  ? "Every active user, including people who join later"
                  : subject.kind === "TEAM"
                    ? `${pluralize(subject.team.memberCount, "member")} now, and whoever joins later`
                    : subject.user.name
                      ? subject.user.email
                      : "Granted directly"}
              </p>
            </div>
            {subject.kind === "USER" && subject.user.status !== "ACTIVE" && (
              <Badge variant="destructive" className="hidden sm:inline-flex">
                Deactivated: reaches nothing
              </Badge>
            )}
            <span className="hidden text-xs text-muted-foreground md:inline">
              <RelativeTime date={subject.addedAt} />
            </span>
            <Button
              variant="ghost"
              size="icon-sm"
              className="text-muted-foreground hover:text-destructive"
              aria-label={`Remove ${subjectName(subject)}`}
              onClick={() => setRemovingSubject(subject)}
            >
              <Trash2 aria-hidden="true" />
            </Button>
          </li>
        ))}
      </ul>
    );
  }

  let servers: ReactNode;
  if (detail.servers.length === 0) {
    servers = (
      <EmptyState
        className="border-t"
        icon={Server}
        title="No servers yet"
        description="Add approved shared servers, with all their tools or only some of them."
        action={addServerButton("outline")}
      />
    );
  } else {
    servers = (
      <ul className="divide-y border-t" data-testid="registry-servers">
        {detail.servers.map((server) => (
          <li
            key={server.serverId}
            className="flex flex-col gap-3 px-5 py-4 sm:flex-row sm:items-start"
            data-testid="registry-server"
            data-slug={server.slug}
          >
            <div className="flex min-w-0 flex-1 gap-3">
              <div className="flex size-8 shrink-0 items-center justify-center rounded-md border bg-muted/60 text-muted-foreground">
                <Server className="size-4" aria-hidden="true" />
              </div>
              <div className="min-w-0 flex-1 space-y-2">
                <div className="min-w-0">
                  <div className="flex flex-wrap items-center gap-2">
                    <p className="truncate text-sm font-medium">{server.name}</p>
                    {!server.isEffective && (
                      <Badge variant="warning">
                        <TriangleAlert aria-hidden="true" />
                        {server.scope === "PERSONAL" ? "Personal" : STATUS_LABELS[server.status]}: grants
                        nothing
                      </Badge>
                    )}
                  </div>
                  <p className="truncate font-mono text-xs text-muted-foreground">{server.slug}</p>
                </div>
                <ToolsSummary server={server} />
              </div>
            </div>
            <div className="flex shrink-0 items-center gap-1 pl-11 sm:pl-0">
              {canExplore && (
                <Button variant="ghost" size="sm" asChild>
                  <Link href={`/access?server=${server.serverId}`}>
                    <ShieldCheck aria-hidden="true" />
                    Who can reach it
                  </Link>
                </Button>
              )}
              <Button
                variant="outline"
                size="sm"
                aria-label={`Edit the tools of ${server.name}`}
                onClick={() => {
                  setEditingServer(server);
                  setEditOpening((count) => count + 1);
                }}
              >
                <ListFilter aria-hidden="true" />
                Tools
              </Button>
              <Button
                variant="ghost"
                size="icon-sm"
                className="text-muted-foreground hover:text-destructive"
                aria-label={`Remove ${server.name}`}
                onClick={() => setRevokingServer(server)}
              >
                <Trash2 aria-hidden="true" />
              </Button>
            </div>
          </li>
        ))}
      </ul>
    );
  }

  return (
    <div className="space-y-6" data-testid="registry-detail">
      <BackLink href="/registries">All registries</BackLink>
      <PageHeader
        title={detail.name}
        description={detail.description || undefined}
        actions={
          <>
            <EditRegistryDialog registry={detail} onSaved={showRegistry} />
            <Button
              variant="outline"
              onClick={() => setIsDeleteOpen(true)}
              data-testid="delete-registry-button"
            >
              <Trash2 aria-hidden="true" />
              Delete
            </Button>
          </>
        }
      />
      <dl className="flex flex-wrap items-center gap-x-6 gap-y-2 text-sm">
        <div className="flex items-center gap-1.5 text-muted-foreground">
          <dt>Slug</dt>
          <dd className="font-mono text-xs text-foreground">{detail.slug}</dd>
        </div>
        <div className="flex min-w-0 items-center gap-1.5 text-muted-foreground">
          <dt>Owner</dt>
          <dd className="truncate text-foreground">{detail.owner.name ?? detail.owner.email}</dd>
        </div>
        <div className="flex items-center gap-1.5 text-muted-foreground">
          <dt>Created</dt>
          <dd className="text-foreground">
            <RelativeTime date={detail.createdAt} />
          </dd>
        </div>
        <div className="flex items-center gap-1.5">
          <dt className="sr-only">State</dt>
          <dd>
            {isGranting ? (
              <Badge variant="success">Granting {pluralize(detail.servers.length, "server")}</Badge>
            ) : (
              <Badge variant="secondary">
                Grants nothing yet: needs {detail.subjects.length === 0 ? "a subject" : "a server"}
              </Badge>
            )}
          </dd>
        </div>
      </dl>

      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-5">
        <Card data-testid="registry-subjects-card" className="lg:col-span-2">
          <CardHeader className="pb-4">
            <div className="min-w-0 flex-1 space-y-1">
              <CardTitle as="h2">Granted to</CardTitle>
              <CardDescription>People, teams or everyone. Each reaches every server listed.</CardDescription>
            </div>
            {detail.subjects.length > 0 && <CardAction>{addSubjectMenu("default")}</CardAction>}
          </CardHeader>
          {subjects}
        </Card>

        <Card data-testid="registry-servers-card" className="lg:col-span-3">
          <CardHeader className="pb-4">
            <div className="min-w-0 flex-1 space-y-1">
              <CardTitle as="h2">Servers</CardTitle>
              <CardDescription>
                What this registry grants, and which tools. People get the union of all their registries.
              </CardDescription>
            </div>
            {detail.servers.length > 0 && <CardAction>{addServerButton("default")}</CardAction>}
          </CardHeader>
          {servers}
        </Card>
      </div>

      {addingKind && (
        <AddSubjectDialog
          kind={addingKind}
          registry={detail}
          open={addingKind !== null}
          onOpenChange={(open) => !open && setAddingKind(null)}
          onChanged={showRegistry}
        />
      )}
      <AddServerDialog
        registry={detail}
        open={isAddServerOpen}
        onOpenChange={setIsAddServerOpen}
        onChanged={showRegistry}
        managesAll={managesAll}
      />
      <EditToolsDialog
        key={editOpening}
        registry={detail}
        server={editingServer}
        open={editingServer !== null}
        onOpenChange={(open) => !open && setEditingServer(null)}
        onChanged={showRegistry}
      />
      <ConfirmDialog
        open={isEveryoneOpen}
        onOpenChange={setIsEveryoneOpen}
        title={`Grant ${detail.name} to everyone?`}
        description="Every active user, including everyone who joins later, can reach this registry's servers (with the tools allowed here) from their next request."
        confirmLabel="Grant to everyone"
        pendingLabel="Granting…"
        isPending={addEveryone.isPending}
        onConfirm={() => addEveryone.mutate({ registryId, subject: { kind: "EVERYONE" } })}
      />
      <ConfirmDialog
        open={removingSubject !== null}
        onOpenChange={(open) => !open && setRemovingSubject(null)}
        title={`Remove ${removingSubject ? subjectName(removingSubject) : ""} from ${detail.name}?`}
        description={
          removingSubject?.kind === "EVERYONE"
            ? "People lose the servers they reach only through this grant to everyone, on their next request."
            : removingSubject?.kind === "TEAM"
              ? "Members of the team lose what they reach only through this registry, on their next request."
              : "They lose what they reach only through this registry, on their next request."
        }
        confirmLabel="Remove"
        pendingLabel="Removing…"
        isDestructive
        isPending={removeSubject.isPending}
        onConfirm={() =>
          removingSubject && removeSubject.mutate({ registryId, subjectId: removingSubject.id })
        }
      />
      <ConfirmDialog
        open={revokingServer !== null}
        onOpenChange={(open) => !open && setRevokingServer(null)}
        title={`Remove ${revokingServer?.name ?? ""} from ${detail.name}?`}
        description="Subjects of this registry lose the server on their next request, unless another registry grants it to them."
        confirmLabel="Remove server"
        pendingLabel="Removing…"
        isDestructive
        isPending={revokeServer.isPending}
        onConfirm={() =>
          revokingServer && revokeServer.mutate({ registryId, serverId: revokingServer.serverId })
        }
      />
      <ConfirmDialog
        open={isDeleteOpen}
        onOpenChange={setIsDeleteOpen}
        title={`Delete ${detail.name}?`}
        description={`The registry and its ${pluralize(detail.subjects.length, "subject")} and ${pluralize(detail.servers.length, "server grant")} are deleted. People lose what they reach only through it, on their next request. This cannot be undone.`}
        confirmLabel="Delete registry"
        pendingLabel="Deleting…"
        isDestructive
        isPending={deleteRegistry.isPending}
        onConfirm={() => deleteRegistry.mutate({ registryId })}
      />
    </div>
  );
}
