"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Server, UserRound } from "lucide-react";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
import { useDebouncedValue } from "@/components/lib/use-debounced-value";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { type PageTab, PageTabs } from "@/components/ui/page-tabs";
import { ROLE_LABELS } from "@/server/policy/permissions";
import { SCOPE_LABELS, SERVER_STATUS_LABELS } from "./labels";
import { Picker } from "./picker";
import { WhatCanUserReachPanel } from "./what-can-user-reach-panel";
import { WhoCanReachPanel } from "./who-can-reach-panel";

type Tab = "server" | "user";

const TABS: PageTab<Tab>[] = [
  { id: "server", label: "Who can reach a server?", icon: Server },
  { id: "user", label: "What can a user reach?", icon: UserRound },
];

/**
 * Two tabs, each a picker beside its answer. The choice is kept in the address (?server=… or
 * ?user=…) so an answer can be linked to and survives a reload.
 */
export function AccessExplorer({
  initialTab,
  initialServerId,
  initialUserId,
}: {
  initialTab: Tab;
  initialServerId: string | null;
  initialUserId: string | null;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const [tab, setTab] = useState<Tab>(initialTab);
  const [serverId, setServerId] = useState(initialServerId);
  const [userId, setUserId] = useState(initialUserId);
  const [serverSearch, setServerSearch] = useState("");
  const [userSearch, setUserSearch] = useState("");
  const debouncedServerSearch = useDebouncedValue(serverSearch.trim());
  const debouncedUserSearch = useDebouncedValue(userSearch.trim());

  const servers = useQuery({
    ...trpc.access.listServers.queryOptions({ search: debouncedServerSearch || undefined }),
    enabled: tab === "server",
    placeholderData: keepPreviousData,
  });
  const users = useQuery({
    ...trpc.access.searchUsers.queryOptions({ search: debouncedUserSearch || undefined }),
    enabled: tab === "user",
    placeholderData: keepPreviousData,
  });

  function show(next: { tab: Tab; serverId?: string | null; userId?: string | null }) {
    const nextServer = next.serverId === undefined ? serverId : next.serverId;
    const nextUser = next.userId === undefined ? userId : next.userId;
    setTab(next.tab);
    setServerId(nextServer);
    setUserId(nextUser);
    const query =
      next.tab === "server"
        ? nextServer
          ? `?server=${nextServer}`
          : ""
        : nextUser
          ? `?user=${nextUser}`
          : "?tab=user";
    router.replace(`${pathname}${query}`, { scroll: false });
  }

  return (
    <div className="space-y-6">
      <PageTabs
        idPrefix="access"
        label="Question"
        tabs={TABS}
        selected={tab}
        onSelect={(id) => show({ tab: id })}
        className="flex-wrap"
      />

      {tab === "server" ? (
        <div
          role="tabpanel"
          id="access-panel-server"
          aria-labelledby="access-tab-server"
          className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[20rem_minmax(0,1fr)]"
        >
          <Picker
            label="Servers"
            placeholder="Search servers"
            search={serverSearch}
            onSearch={setServerSearch}
            items={servers.data}
            isPending={servers.isPending}
            error={servers.error}
            onRetry={() => void servers.refetch()}
            selectedId={serverId}
            onSelect={(server) => show({ tab: "server", serverId: server.id })}
            emptyText={
              debouncedServerSearch ? `No server matches "${debouncedServerSearch}".` : "No servers yet."
            }
            testId="server-picker"
            renderItem={(server) => (
              <span className="block min-w-0">
                <span className="block truncate text-sm font-medium">{server.name}</span>
                <span className="flex items-center gap-1.5 text-xs text-muted-foreground">
                  <span className="truncate font-mono">{server.slug}</span>
                  {server.scope === "PERSONAL" && (
                    <Badge variant="outline" className="px-1.5 py-0 font-normal">
                      {SCOPE_LABELS.PERSONAL}
                    </Badge>
                  )}
                  {server.status !== "APPROVED" && (
                    <Badge variant="secondary" className="px-1.5 py-0 font-normal">
                      {SERVER_STATUS_LABELS[server.status]}
                    </Badge>
                  )}
                </span>
              </span>
            )}
          />
          <WhoCanReachPanel
            // A fresh panel (and filter) per server: no answer about one is shown under another.
            key={serverId ?? "none"}
            serverId={serverId}
            onShowUser={(id) => show({ tab: "user", userId: id })}
          />
        </div>
      ) : (
        <div
          role="tabpanel"
          id="access-panel-user"
          aria-labelledby="access-tab-user"
          className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[20rem_minmax(0,1fr)]"
        >
          <Picker
            label="People"
            placeholder="Search by name or email"
            search={userSearch}
            onSearch={setUserSearch}
            items={users.data}
            isPending={users.isPending}
            error={users.error}
            onRetry={() => void users.refetch()}
            selectedId={userId}
            onSelect={(user) => show({ tab: "user", userId: user.id })}
            emptyText={debouncedUserSearch ? `Nobody matches "${debouncedUserSearch}".` : "No users yet."}
            testId="user-picker"
            renderItem={(user) => (
              <span className="block min-w-0">
                <span className="block truncate text-sm font-medium">{user.name ?? user.email}</span>
                <span className="flex items-center gap-1.5 text-xs text-muted-foreground">
                  <span className="truncate">{user.name ? user.email : ROLE_LABELS[user.role]}</span>
                  {user.status !== "ACTIVE" && (
                    <Badge variant="destructive" className="px-1.5 py-0 font-normal">
                      Deactivated
                    </Badge>
                  )}
                </span>
              </span>
            )}
          />
          <WhatCanUserReachPanel
            userId={userId}
            onShowServer={(id) => show({ tab: "server", serverId: id })}
          />
        </div>
      )}
    </div>
  );
}
