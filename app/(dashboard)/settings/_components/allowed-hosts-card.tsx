"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus, X } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { ErrorState } from "@/components/ui/error-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { Switch } from "@/components/ui/switch";

/**
 * The SSRF guard's exceptions: internal hosts Gatehouse may connect to although they are not
 * public (a company MCP server on the private network, the demo's local upstreams). Each serves the
 * servers an admin approved; a switch opens it to every publisher's personal servers too.
 */
export function AllowedHostsCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hosts = useQuery(trpc.settings.getAllowedHosts.queryOptions());
  const [entry, setEntry] = useState("");
  // The host stays set while its dialog animates closed, so the dialog's text does not go blank.
  const [removing, setRemoving] = useState<string | null>(null);
  const [isConfirmingRemoval, setIsConfirmingRemoval] = useState(false);

  const save = useMutation(
    trpc.settings.setAllowedHosts.mutationOptions({
      onSuccess: (result) => {
        queryClient.setQueryData(trpc.settings.getAllowedHosts.queryKey(), result);
        setEntry("");
        setIsConfirmingRemoval(false);
        toast.success("Allowed hosts saved");
      },
      onError: (error) => toast.error("Couldn't save the allowed hosts", { description: error.message }),
    }),
  );
  const current = hosts.data?.hosts ?? [];
  const forEveryone = hosts.data?.forEveryone ?? [];

  return (
    <Card data-testid="allowed-hosts">
      <CardHeader className="pb-4">
        <CardTitle as="h2">Allowed internal hosts</CardTitle>
        <CardDescription>
          Gatehouse refuses to connect to private, loopback, link-local and other non-public addresses, so
          neither a server URL nor a stdio server's outbound connections can reach your internal network. List
          the internal hosts it may reach anyway, as <code className="font-mono text-xs">host</code> or{" "}
          <code className="font-mono text-xs">host:port</code>. A host serves the servers an admin approved
          (or published); turn on "Personal servers too" to let every publisher's personal servers reach it as
          well, which bypasses registry grants for whatever runs there.
        </CardDescription>
      </CardHeader>
      <div className="space-y-4 border-t px-5 py-5">
        {hosts.isPending ? (
          <Skeleton className="h-16 w-full" />
        ) : hosts.isError && !hosts.data ? (
          <ErrorState
            title="Couldn't load the allowed hosts"
            message={hosts.error.message}
            onRetry={() => void hosts.refetch()}
            isRetrying={hosts.isFetching}
          />
        ) : current.length === 0 ? (
          <p className="text-sm text-muted-foreground">No exceptions: only public addresses are reachable.</p>
        ) : (
          <ul className="divide-y rounded-lg border">
            {current.map((host) => (
              <li
                key={host}
                data-testid="allowed-host"
                className="flex items-center justify-between px-3 py-2"
              >
                <span className="font-mono text-sm">{host}</span>
                <span className="ml-auto flex items-center gap-2 pr-2 text-xs text-muted-foreground">
                  Personal servers too
                  <Switch
                    checked={forEveryone.includes(host)}
                    aria-label={`Let personal servers reach ${host}`}
                    data-testid="allowed-host-for-everyone"
                    disabled={save.isPending}
                    onCheckedChange={(checked) =>
                      save.mutate({
                        hosts: current,
                        forEveryone: checked
                          ? [...forEveryone, host]
                          : forEveryone.filter((candidate) => candidate !== host),
                      })
                    }
                  />
                </span>
                <Button
                  variant="ghost"
                  size="icon-sm"
                  aria-label={`Remove ${host}`}
                  disabled={save.isPending}
                  onClick={() => {
                    setRemoving(host);
                    setIsConfirmingRemoval(true);
                  }}
                >
                  <X aria-hidden="true" />
                </Button>
              </li>
            ))}
          </ul>
        )}
        <form
          className="flex items-end gap-2"
          onSubmit={(event) => {
            event.preventDefault();
            if (entry.trim()) save.mutate({ hosts: [...current, entry.trim()] });
          }}
        >
          <div className="flex-1 space-y-2">
            <Label htmlFor="allowed-host-entry">Add a host</Label>
            <Input
              id="allowed-host-entry"
              placeholder="mcp.corp.internal or 10.0.4.12:8080"
              value={entry}
              onChange={(event) => setEntry(event.target.value)}
              disabled={save.isPending || hosts.isPending}
            />
          </div>
          <Button type="submit" variant="outline" disabled={save.isPending || !entry.trim()}>
            <Plus aria-hidden="true" />
            Add
          </Button>
        </form>
      </div>
      <ConfirmDialog
        open={isConfirmingRemoval}
        onOpenChange={setIsConfirmingRemoval}
        title={`Remove ${removing ?? "this host"} from the allowed hosts?`}
        description={
          <>
            Servers reached through <code className="font-mono text-xs text-foreground">{removing}</code> stop
            connecting: Gatehouse refuses their connections, tool discovery and health checks until the host
            is allowed again.
          </>
        }
        confirmLabel="Remove host"
        pendingLabel="Removing…"
        isDestructive
        isPending={save.isPending}
        onConfirm={() =>
          removing && save.mutate({ hosts: current.filter((candidate) => candidate !== removing) })
        }
      />
    </Card>
  );
}
