"use client";

import { keepPreviousData, useMutation, useQueries } from "@tanstack/react-query";
import { KeyRound, MoreHorizontal, SearchX, UserCheck, UserX } from "lucide-react";
import Link from "next/link";
import { type ReactNode, useState } from "react";
import { toast } from "sonner";
import { formatClockTime } from "@/components/lib/dates";
import { pluralize } from "@/components/lib/format";
import { useDebouncedValue } from "@/components/lib/use-debounced-value";
import { useIsHydrated, useNow } from "@/components/lib/use-now";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { NativeSelect } from "@/components/ui/native-select";
import { RelativeTime } from "@/components/ui/relative-time";
import { SearchInput } from "@/components/ui/search-input";
import { Skeleton } from "@/components/ui/skeleton";
import { StatusDot } from "@/components/ui/status-dot";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { providerLabel } from "@/server/auth/provider-names";
import {
  can,
  canChangeAuditor,
  PLATFORM_ROLES,
  type PlatformRole,
  ROLE_LABELS,
  ROLE_PERMISSIONS,
} from "@/server/policy/permissions";
import { ResetPasswordDialog } from "./reset-password-dialog";
import { type UserRow, useUserCache } from "./use-user-cache";
import {
  assignableRoles,
  canManageAccount,
  canRestoreAccess,
  displayName,
  USERS_PAGE_SIZE,
  type Viewer,
} from "./viewer";

type StatusFilter = "" | "ACTIVE" | "DEACTIVATED";

type PendingAction =
  | { kind: "deactivate" | "reactivate" | "reset-password" | "make-owner"; user: UserRow }
  | { kind: "demote"; user: UserRow; role: PlatformRole }
  | { kind: "auditor"; user: UserRow; isAuditor: boolean };

/**
 * What each role may do beyond the role below it (PLATFORM_ROLES is highest first), as "they can no
 * longer …" clauses. Audit clauses are left out for Auditors: the add-on keeps the audit log open.
 */
const ROLE_ABILITIES: Record<PlatformRole, { text: string; isAudit?: boolean }[]> = {
  OWNER: [{ text: "assign or remove Owner and the Auditor add-on" }],
  ADMIN: [
    { text: "manage other people's servers, registries and API tokens" },
    { text: "manage users and teams" },
    { text: "change instance settings" },
    { text: "read the audit log of everything", isAudit: true },
  ],
  POWER_USER_PLUS: [{ text: "submit servers for shared use" }, { text: "create or manage registries" }],
  POWER_USER: [
    { text: "publish or manage servers of their own" },
    { text: "read the audit log of their servers", isAudit: true },
  ],
  BASIC_USER: [],
};

const rankOf = (role: PlatformRole) => PLATFORM_ROLES.indexOf(role);

function isDemotion(from: PlatformRole, to: PlatformRole): boolean {
  return rankOf(to) > rankOf(from);
}

function joinWithOr(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** "Power user → Basic user: they can no longer publish or manage servers of their own. …" */
function demotionSummary(user: UserRow, to: PlatformRole): string {
  const lost = PLATFORM_ROLES.slice(rankOf(user.role), rankOf(to))
    .flatMap((role) => ROLE_ABILITIES[role])
    .filter((ability) => !(ability.isAudit && user.isAuditor))
    .map((ability) => ability.text);
  return `${ROLE_LABELS[user.role]} → ${ROLE_LABELS[to]}: they can no longer ${joinWithOr(lost)}. Nothing they made is deleted.`;
}

/** Admins and Owners read every audit event's metadata anyway; the add-on adds it for other roles. */
const readsAllAuditMetadata = (user: UserRow) => ROLE_PERMISSIONS[user.role].has("audit.read_metadata");

function isLocked(user: UserRow, now: number): boolean {
  return user.status === "ACTIVE" && user.lockedUntil !== null && new Date(user.lockedUntil).getTime() > now;
}

function TableSkeleton() {
  return (
    <div className="space-y-4 border-t px-5 py-5">
      {["a", "b", "c", "d", "e"].map((key) => (
        <div key={key} className="flex items-center gap-4">
          <div className="w-56 space-y-1.5">
            <Skeleton className="h-4 w-32" />
            <Skeleton className="h-3 w-44" />
          </div>
          <Skeleton className="h-8 w-32" />
          <Skeleton className="h-4 w-16" />
          <Skeleton className="hidden h-4 w-24 md:block" />
          <Skeleton className="ml-auto h-4 w-16" />
        </div>
      ))}
    </div>
  );
}

function StatusCell({
  user,
  mayUnlock,
  isUnlocking,
  onUnlock,
}: {
  user: UserRow;
  mayUnlock: boolean;
  isUnlocking: boolean;
  onUnlock: () => void;
}) {
  const now = useNow();
  const isHydrated = useIsHydrated();
  if (user.status === "DEACTIVATED") {
    return (
      <div className="space-y-0.5">
        <span className="inline-flex items-center gap-2 font-medium text-muted-foreground">
          <StatusDot status="unknown" />
          Deactivated
        </span>
        {user.deactivatedAt && (
          <p className="text-xs text-muted-foreground">
            <RelativeTime date={user.deactivatedAt} />
          </p>
        )}
      </div>
    );
  }
  if (user.lockedUntil && isLocked(user, now)) {
    const until = new Date(user.lockedUntil);
    return (
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <span className="inline-flex items-center gap-2 font-medium text-warning-foreground dark:text-warning">
          <StatusDot status="warn" />
          {/* The browser's time zone decides the clock time, so it appears after hydration. */}
          {isHydrated ? `Locked until ${formatClockTime(until, new Date(now))}` : "Locked"}
        </span>
        {mayUnlock && (
          <Button variant="outline" size="sm" className="h-7 px-2" onClick={onUnlock} disabled={isUnlocking}>
            {isUnlocking ? "Unlocking…" : "Unlock"}
          </Button>
        )}
      </div>
    );
  }
  return (
    <span className="inline-flex items-center gap-2 font-medium">
      <StatusDot status="ok" />
      Active
    </span>
  );
}

function TeamsCell({ teams, isLinked }: { teams: UserRow["teams"]; isLinked: boolean }) {
  if (teams.length === 0) return <span className="text-muted-foreground">—</span>;
  const shown = teams.slice(0, 2);
  const rest = teams.length - shown.length;
  return (
    <div className="flex flex-wrap items-center gap-1">
      {shown.map((team) =>
        isLinked ? (
          <Badge key={team.id} variant="outline" className="max-w-36 font-normal hover:bg-accent" asChild>
            <Link href={`/teams/${team.id}`}>
              <span className="truncate">{team.name}</span>
            </Link>
          </Badge>
        ) : (
          <Badge key={team.id} variant="outline" className="max-w-36 font-normal">
            <span className="truncate">{team.name}</span>
          </Badge>
        ),
      )}
      {rest > 0 && (
        <span className="text-xs text-muted-foreground" title={teams.map((team) => team.name).join(", ")}>
          +{rest} more
        </span>
      )}
    </div>
  );
}

function SignInMethods({ user, providerNames }: { user: UserRow; providerNames: Record<string, string> }) {
  const methods = [
    ...(user.hasPassword ? ["Password"] : []),
    ...user.identityProviders.map((id) => providerLabel(id, providerNames)),
  ];
  if (methods.length === 0) return <span className="text-muted-foreground">None yet</span>;
  return (
    <div className="flex flex-wrap gap-1">
      {methods.map((method) => (
        <Badge key={method} variant="secondary" className="font-normal">
          {method}
        </Badge>
      ))}
    </div>
  );
}

/** The users table: search and filters, role and Auditor changes in place, account actions per row. */
export function UsersSection({
  viewer,
  providerNames,
}: {
  viewer: Viewer;
  providerNames: Record<string, string>;
}) {
  const trpc = useTRPC();
  const updateUserCache = useUserCache();
  const [search, setSearch] = useState("");
  const [role, setRole] = useState<"" | PlatformRole>("");
  const [status, setStatus] = useState<StatusFilter>("");
  // The action stays set while its dialog animates closed, so the dialog's text does not go blank.
  const [action, setAction] = useState<PendingAction | null>(null);
  const [isDialogOpen, setIsDialogOpen] = useState(false);
  const openAction = (next: PendingAction) => {
    setAction(next);
    setIsDialogOpen(true);
  };
  const closeAction = () => setIsDialogOpen(false);
  const debouncedSearch = useDebouncedValue(search.trim());
  const isFiltered = debouncedSearch !== "" || role !== "" || status !== "";

  // Pages are fetched one cursor at a time ("Load more"); changing a filter starts again at page one.
  const filters = {
    search: debouncedSearch || undefined,
    role: role || undefined,
    status: status || undefined,
  };
  const filterKey = JSON.stringify(filters);
  const [more, setMore] = useState<{ filterKey: string; cursors: string[] }>({ filterKey, cursors: [] });
  const cursors = more.filterKey === filterKey ? more.cursors : [];
  const pages = useQueries({
    queries: [undefined, ...cursors].map((cursor) => ({
      ...trpc.users.list.queryOptions({ ...filters, cursor, limit: USERS_PAGE_SIZE }),
      // Page one keeps showing the previous results while a new search loads (no flash of skeleton).
      placeholderData: cursor === undefined ? keepPreviousData : undefined,
    })),
  });
  const users = pages[0] as (typeof pages)[number];
  const lastPage = pages.at(-1) ?? users;
  const rows = pages.flatMap((page) => page.data?.items ?? []);
  const nextCursor = lastPage.data?.nextCursor ?? null;
  const isLoadingMore = pages.length > 1 && lastPage.isPending;

  const onError = (title: string) => (error: { message: string }) =>
    toast.error(title, { description: error.message });

  const setUserRole = useMutation(
    trpc.users.setRole.mutationOptions({
      onSuccess: (updated) => {
        updateUserCache(updated);
        toast.success("Role changed", {
          description: `${displayName(updated)} is now ${ROLE_LABELS[updated.role]}.`,
        });
        closeAction();
      },
      onError: onError("Couldn't change the role"),
    }),
  );
  const setAuditor = useMutation(
    trpc.users.setAuditor.mutationOptions({
      onSuccess: (updated) => {
        updateUserCache(updated);
        toast.success(updated.isAuditor ? "Auditor access granted" : "Auditor access removed", {
          description: updated.isAuditor
            ? `${displayName(updated)} can now read request and response bodies in the audit log.`
            : `${displayName(updated)} no longer sees request and response bodies in the audit log.`,
        });
        closeAction();
      },
      onError: onError("Couldn't change Auditor access"),
    }),
  );
  const unlock = useMutation(
    trpc.users.unlock.mutationOptions({
      onSuccess: (updated) => {
        updateUserCache(updated);
        toast.success(`${displayName(updated)} unlocked`, { description: "They can sign in again now." });
      },
      onError: onError("Couldn't unlock the account"),
    }),
  );
  const deactivate = useMutation(
    trpc.users.deactivate.mutationOptions({
      onSuccess: (updated) => {
        updateUserCache(updated);
        toast.success(`${displayName(updated)} deactivated`, {
          description: "Their sessions and API tokens no longer work.",
        });
        closeAction();
      },
      onError: onError("Couldn't deactivate the user"),
    }),
  );
  const reactivate = useMutation(
    trpc.users.reactivate.mutationOptions({
      onSuccess: (updated) => {
        updateUserCache(updated);
        toast.success(`${displayName(updated)} reactivated`, { description: "They can sign in again." });
        closeAction();
      },
      onError: onError("Couldn't reactivate the user"),
    }),
  );

  function changeRole(user: UserRow, to: PlatformRole) {
    if (to === user.role) return;
    // Owner is the one role that cannot be taken back by an Admin: ask first. A demotion takes
    // permissions away, so it asks too; other promotions apply at once.
    if (to === "OWNER") openAction({ kind: "make-owner", user });
    else if (isDemotion(user.role, to)) openAction({ kind: "demote", user, role: to });
    else setUserRole.mutate({ userId: user.id, role: to });
  }

  const pendingRoleFor = (user: UserRow) =>
    setUserRole.isPending && setUserRole.variables?.userId === user.id ? setUserRole.variables.role : null;

  let body: ReactNode;
  if (users.isPending) {
    body = <TableSkeleton />;
  } else if (users.isError && !users.data) {
    body = (
      <div className="border-t p-5">
        <ErrorState
          title="Couldn't load the users"
          message={users.error.message}
          onRetry={() => void users.refetch()}
          isRetrying={users.isFetching}
        />
      </div>
    );
  } else if (rows.length === 0) {
    body = (
      <EmptyState
        className="border-t"
        icon={SearchX}
        title="No users match"
        description="Try another name or email address, or clear the filters."
        action={
          isFiltered ? (
            <Button
              variant="outline"
              size="sm"
              onClick={() => {
                setSearch("");
                setRole("");
                setStatus("");
              }}
            >
              Clear filters
            </Button>
          ) : undefined
        }
      />
    );
  } else {
    body = (
      <div className={cn("border-t transition-opacity", users.isPlaceholderData && "opacity-60")}>
        <Table data-testid="users-table">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>User</TableHead>
              <TableHead>Role</TableHead>
              <TableHead>Auditor</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="hidden xl:table-cell">Teams</TableHead>
              <TableHead className="hidden lg:table-cell">Sign-in methods</TableHead>
              <TableHead className="hidden md:table-cell">Last sign-in</TableHead>
              <TableHead className="w-12">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map((user) => {
              const name = displayName(user);
              const isSelf = user.id === viewer.id;
              const roles = assignableRoles(viewer, user);
              const pendingRole = pendingRoleFor(user);
              const mayRestore = canRestoreAccess(viewer, user);
              const mayManage = canManageAccount(viewer, user) && (mayRestore || user.status === "ACTIVE");
              const mayToggleAuditor = canChangeAuditor(viewer, user);
              const isAuditorPending = setAuditor.isPending && setAuditor.variables?.userId === user.id;
              return (
                <TableRow
                  key={user.id}
                  data-testid="user-row"
                  data-email={user.email}
                  data-role={user.role}
                  data-status={user.status.toLowerCase()}
                >
                  <TableCell className="max-w-72">
                    <p className="flex items-center gap-2 font-medium">
                      <span className="truncate">{user.name ?? "—"}</span>
                      {isSelf && (
                        <Badge variant="outline" className="font-normal">
                          You
                        </Badge>
                      )}
                    </p>
                    <p className="truncate text-xs text-muted-foreground">{user.email}</p>
                  </TableCell>
                  <TableCell>
                    {roles.length > 1 ? (
                      <NativeSelect
                        size="sm"
                        wrapperClassName="w-36"
                        aria-label={`Role of ${name}`}
                        value={pendingRole ?? user.role}
                        disabled={pendingRole !== null}
                        onChange={(event) => changeRole(user, event.target.value as PlatformRole)}
                      >
                        {roles.map((option) => (
                          <option key={option} value={option}>
                            {ROLE_LABELS[option]}
                          </option>
                        ))}
                      </NativeSelect>
                    ) : (
                      <span
                        className="whitespace-nowrap"
                        title={
                          isSelf
                            ? "Nobody changes their own role; another administrator can."
                            : "Only an Owner can change this role."
                        }
                      >
                        {ROLE_LABELS[user.role]}
                      </span>
                    )}
                  </TableCell>
                  <TableCell>
                    {mayToggleAuditor ? (
                      <Switch
                        checked={isAuditorPending ? Boolean(setAuditor.variables?.isAuditor) : user.isAuditor}
                        disabled={isAuditorPending}
                        onCheckedChange={(isAuditor) => openAction({ kind: "auditor", user, isAuditor })}
                        aria-label={`Auditor access for ${name}`}
                      />
                    ) : user.isAuditor ? (
                      <Badge variant="default">Auditor</Badge>
                    ) : (
                      <span className="text-muted-foreground">—</span>
                    )}
                  </TableCell>
                  <TableCell className="min-w-32">
                    <StatusCell
                      user={user}
                      mayUnlock={mayRestore}
                      isUnlocking={unlock.isPending && unlock.variables?.userId === user.id}
                      onUnlock={() => unlock.mutate({ userId: user.id })}
                    />
                  </TableCell>
                  <TableCell className="hidden max-w-56 xl:table-cell">
                    <TeamsCell teams={user.teams} isLinked={can(viewer, "team.read")} />
                  </TableCell>
                  <TableCell className="hidden lg:table-cell">
                    <SignInMethods user={user} providerNames={providerNames} />
                  </TableCell>
                  <TableCell className="hidden whitespace-nowrap text-muted-foreground md:table-cell">
                    {user.lastLoginAt ? <RelativeTime date={user.lastLoginAt} /> : "Never"}
                  </TableCell>
                  <TableCell className="text-right">
                    {mayManage && (
                      <DropdownMenu>
                        <DropdownMenuTrigger asChild>
                          <Button variant="ghost" size="icon-sm" aria-label={`Actions for ${name}`}>
                            <MoreHorizontal aria-hidden="true" />
                          </Button>
                        </DropdownMenuTrigger>
                        <DropdownMenuContent align="end" className="w-48">
                          {mayRestore && (
                            <>
                              <DropdownMenuItem onSelect={() => openAction({ kind: "reset-password", user })}>
                                <KeyRound aria-hidden="true" />
                                Reset password
                              </DropdownMenuItem>
                              <DropdownMenuSeparator />
                            </>
                          )}
                          {user.status === "ACTIVE" ? (
                            <DropdownMenuItem
                              className="text-destructive focus:text-destructive [&_svg]:text-destructive"
                              onSelect={() => openAction({ kind: "deactivate", user })}
                            >
                              <UserX aria-hidden="true" />
                              Deactivate
                            </DropdownMenuItem>
                          ) : (
                            <DropdownMenuItem onSelect={() => openAction({ kind: "reactivate", user })}>
                              <UserCheck aria-hidden="true" />
                              Reactivate
                            </DropdownMenuItem>
                          )}
                        </DropdownMenuContent>
                      </DropdownMenu>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
        <div className="flex items-center justify-between gap-3 border-t px-5 py-3 text-sm text-muted-foreground">
          <span>
            {pluralize(rows.length, "user")} shown{isFiltered ? " (filtered)" : ""}
          </span>
          {(nextCursor || isLoadingMore) && (
            <Button
              variant="outline"
              size="sm"
              onClick={() => nextCursor && setMore({ filterKey, cursors: [...cursors, nextCursor] })}
              disabled={isLoadingMore}
            >
              {isLoadingMore ? "Loading…" : "Load more"}
            </Button>
          )}
        </div>
      </div>
    );
  }

  const target = action?.user;
  const targetName = target ? displayName(target) : "";
  const isGrantingAuditor = action?.kind === "auditor" && action.isAuditor;

  return (
    <Card data-testid="users">
      <div className="flex flex-col gap-3 p-4 sm:flex-row sm:items-center">
        <SearchInput
          wrapperClassName="flex-1"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          placeholder="Search by name or email"
          aria-label="Search users"
        />
        <div className="flex gap-3">
          <NativeSelect
            wrapperClassName="sm:w-40"
            aria-label="Filter by role"
            value={role}
            onChange={(event) => setRole(event.target.value as "" | PlatformRole)}
          >
            <option value="">All roles</option>
            {PLATFORM_ROLES.map((option) => (
              <option key={option} value={option}>
                {ROLE_LABELS[option]}
              </option>
            ))}
          </NativeSelect>
          <NativeSelect
            wrapperClassName="sm:w-40"
            aria-label="Filter by status"
            value={status}
            onChange={(event) => setStatus(event.target.value as StatusFilter)}
          >
            <option value="">All statuses</option>
            <option value="ACTIVE">Active</option>
            <option value="DEACTIVATED">Deactivated</option>
          </NativeSelect>
        </div>
      </div>
      {users.isError && users.data && (
        <div className="border-t px-5 py-4">
          <ErrorState
            title="Couldn't refresh the users; showing the last list"
            message={users.error.message}
            onRetry={() => void users.refetch()}
            isRetrying={users.isFetching}
          />
        </div>
      )}
      {body}

      <ConfirmDialog
        open={isDialogOpen && action?.kind === "deactivate"}
        onOpenChange={(open) => !open && closeAction()}
        title={`Deactivate ${targetName}?`}
        description={`${targetName} will be signed out everywhere, their API tokens will be revoked, and they will not be able to sign in until reactivated.`}
        confirmLabel="Deactivate"
        pendingLabel="Deactivating…"
        isDestructive
        isPending={deactivate.isPending}
        onConfirm={() => target && deactivate.mutate({ userId: target.id })}
      />
      <ConfirmDialog
        open={isDialogOpen && action?.kind === "reactivate"}
        onOpenChange={(open) => !open && closeAction()}
        title={`Reactivate ${targetName}?`}
        description={`${targetName} will be able to sign in again as ${target ? ROLE_LABELS[target.role] : ""}. API tokens revoked when they were deactivated stay revoked; they can issue new ones.`}
        confirmLabel="Reactivate"
        pendingLabel="Reactivating…"
        isPending={reactivate.isPending}
        onConfirm={() => target && reactivate.mutate({ userId: target.id })}
      />
      <ConfirmDialog
        open={isDialogOpen && action?.kind === "make-owner"}
        onOpenChange={(open) => !open && closeAction()}
        title={`Make ${targetName} an Owner?`}
        description="Owners can do everything Admins can, and they also assign Owner and the Auditor add-on. Only another Owner can change this back."
        confirmLabel="Make Owner"
        pendingLabel="Saving…"
        isPending={setUserRole.isPending}
        onConfirm={() => target && setUserRole.mutate({ userId: target.id, role: "OWNER" })}
      />
      <ConfirmDialog
        open={isDialogOpen && action?.kind === "demote"}
        onOpenChange={(open) => !open && closeAction()}
        title={`Change ${targetName}'s role to ${action?.kind === "demote" ? ROLE_LABELS[action.role] : ""}?`}
        description={target && action?.kind === "demote" ? demotionSummary(target, action.role) : ""}
        confirmLabel="Change role"
        pendingLabel="Changing…"
        isDestructive
        isPending={setUserRole.isPending}
        onConfirm={() =>
          target && action?.kind === "demote" && setUserRole.mutate({ userId: target.id, role: action.role })
        }
      />
      <ConfirmDialog
        open={isDialogOpen && action?.kind === "auditor"}
        onOpenChange={(open) => !open && closeAction()}
        title={
          isGrantingAuditor ? `Give ${targetName} Auditor access?` : `Remove ${targetName}'s Auditor access?`
        }
        description={
          isGrantingAuditor
            ? `${targetName} will be able to read request and response bodies in the audit log (what agents sent to tools and what the tools answered)${
                target && !readsAllAuditMetadata(target) ? ", and the audit log of everything" : ""
              }.`
            : `${targetName} will no longer be able to read request and response bodies in the audit log${
                target && !readsAllAuditMetadata(target) ? " or the audit log of everything" : ""
              }.`
        }
        confirmLabel={isGrantingAuditor ? "Grant Auditor access" : "Remove Auditor access"}
        pendingLabel="Saving…"
        isDestructive={!isGrantingAuditor}
        isPending={setAuditor.isPending}
        onConfirm={() =>
          target &&
          action?.kind === "auditor" &&
          setAuditor.mutate({ userId: target.id, isAuditor: action.isAuditor })
        }
      />
      <ResetPasswordDialog
        user={action?.kind === "reset-password" ? action.user : null}
        open={isDialogOpen && action?.kind === "reset-password"}
        onClose={closeAction}
      />
    </Card>
  );
}
