"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Bell, BellOff, CheckCheck } from "lucide-react";
import { useRouter } from "next/navigation";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { RelativeTime } from "@/components/ui/relative-time";

const POLL_MS = 30_000;

/** Only in-app paths are followed ("/servers/…"); anything else ("//evil", "https:") is not a link. */
function inAppPath(link: string | null): string | null {
  if (!link?.startsWith("/") || link.startsWith("//") || link.startsWith("/\\")) return null;
  return link;
}

/**
 * The bell in the top bar: how many notifications are unread, and the latest ones (a review
 * decision on your server, …). Opening one marks it read. Polled every 30 seconds.
 */
export function NotificationsBell() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const notifications = useQuery({
    ...trpc.notifications.list.queryOptions(),
    refetchInterval: POLL_MS,
  });
  const markRead = useMutation(
    trpc.notifications.markRead.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.notifications.list.queryKey() }),
    }),
  );

  const items = notifications.data?.items ?? [];
  const unread = notifications.data?.unreadCount ?? 0;
  const label = unread > 0 ? `Notifications, ${unread} unread` : "Notifications";

  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button
          variant="ghost"
          size="icon-sm"
          className="relative"
          aria-label={label}
          data-testid="notifications-bell"
        >
          <Bell aria-hidden="true" />
          {unread > 0 && (
            <span
              className="absolute -top-0.5 -right-0.5 flex h-4 min-w-4 items-center justify-center rounded-full bg-destructive px-1 text-[0.625rem] font-semibold text-white tabular-nums"
              data-testid="notifications-unread"
              aria-hidden="true"
            >
              {unread > 99 ? "99+" : unread}
            </span>
          )}
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent
        align="end"
        className="w-[min(24rem,calc(100vw-1.5rem))] p-0"
        data-testid="notifications-menu"
      >
        <div className="flex items-center justify-between gap-2 px-3 py-2">
          <DropdownMenuLabel className="p-0 text-sm font-semibold text-foreground">
            Notifications
          </DropdownMenuLabel>
          {unread > 0 && (
            <Button
              variant="ghost"
              size="sm"
              className="h-7 px-2 text-xs"
              onClick={(event) => {
                // Keep the menu open so the change shows.
                event.preventDefault();
                markRead.mutate({ all: true });
              }}
              disabled={markRead.isPending}
              data-testid="mark-all-read"
            >
              <CheckCheck aria-hidden="true" />
              Mark all read
            </Button>
          )}
        </div>
        <DropdownMenuSeparator className="mx-0 my-0" />
        {notifications.isPending ? (
          <p className="px-3 py-6 text-center text-sm text-muted-foreground">Loading…</p>
        ) : notifications.isError && !notifications.data ? (
          <p className="px-3 py-6 text-center text-sm text-muted-foreground">
            Couldn't load notifications. {notifications.error.message}
          </p>
        ) : items.length === 0 ? (
          <div className="flex flex-col items-center gap-2 px-3 py-8 text-center text-sm text-muted-foreground">
            <BellOff className="size-5" aria-hidden="true" />
            No notifications yet. Review decisions on your servers show up here.
          </div>
        ) : (
          <div className="max-h-[min(28rem,70vh)] overflow-y-auto p-1">
            {items.map((item) => {
              const path = inAppPath(item.link);
              const isUnread = item.readAt === null;
              return (
                <DropdownMenuItem
                  key={item.id}
                  className="items-start gap-2.5 px-2.5 py-2 select-text"
                  data-testid="notification"
                  data-unread={isUnread || undefined}
                  onSelect={() => {
                    if (isUnread) markRead.mutate({ ids: [item.id] });
                    if (path) router.push(path);
                  }}
                >
                  <span
                    className={cn(
                      "mt-1.5 size-2 shrink-0 rounded-full",
                      isUnread ? "bg-primary" : "bg-transparent",
                    )}
                    aria-hidden="true"
                  />
                  <span className="min-w-0 flex-1 space-y-0.5">
                    <span className={cn("block text-sm break-words", isUnread && "font-medium")}>
                      {item.title}
                      {isUnread && <span className="sr-only"> (unread)</span>}
                    </span>
                    {item.body && (
                      <span className="line-clamp-3 block text-xs whitespace-pre-line break-words text-muted-foreground">
                        {item.body}
                      </span>
                    )}
                    <span className="block text-[0.6875rem] text-muted-foreground">
                      <RelativeTime date={item.createdAt} />
                    </span>
                  </span>
                </DropdownMenuItem>
              );
            })}
          </div>
        )}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
