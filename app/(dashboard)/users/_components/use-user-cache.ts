"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import type { RouterOutputs } from "@/components/lib/router-types";
import { useTRPC } from "@/components/providers/trpc-provider";

export type UserRow = RouterOutputs["users"]["list"]["items"][number];
type UsersPage = RouterOutputs["users"]["list"];

function replaceIn(page: UsersPage, updated: UserRow): UsersPage {
  return { ...page, items: page.items.map((item) => (item.id === updated.id ? updated : item)) };
}

/**
 * After a change to one user: show the server's new row at once in every cached users list (paged or
 * not), then refetch, since a changed role or status may move the row out of a filtered list.
 */
export function useUserCache() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    (updated?: UserRow) => {
      const queryKey = trpc.users.list.pathKey();
      if (updated) {
        queryClient.setQueriesData({ queryKey }, (data: unknown) => {
          if (!data || typeof data !== "object") return data;
          if ("pages" in data && Array.isArray(data.pages)) {
            return { ...data, pages: (data.pages as UsersPage[]).map((page) => replaceIn(page, updated)) };
          }
          if ("items" in data) return replaceIn(data as UsersPage, updated);
          return data;
        });
      }
      void queryClient.invalidateQueries({ queryKey });
      // Team pages list members with their roles.
      void queryClient.invalidateQueries({ queryKey: trpc.teams.pathKey() });
    },
    [trpc, queryClient],
  );
}
