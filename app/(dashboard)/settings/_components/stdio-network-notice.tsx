"use client";

import { useQuery } from "@tanstack/react-query";
import { Globe, ShieldCheck, ShieldOff, TriangleAlert } from "lucide-react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Badge } from "@/components/ui/badge";
import { Skeleton } from "@/components/ui/skeleton";

const MODES = {
  guarded: {
    label: "Guarded",
    icon: ShieldCheck,
    variant: "success",
    text: "stdio servers have a network of their own. They reach nothing on this host or your internal network directly; their only way out is Gatehouse's egress proxy, which allows public addresses and the allowed internal hosts, and audits what it refuses.",
  },
  none: {
    label: "No network",
    icon: ShieldOff,
    variant: "secondary",
    text: "stdio servers have a network of their own with nothing in it: they cannot connect anywhere, so packages must already be installed.",
  },
  host: {
    label: "Host network",
    icon: Globe,
    variant: "warning",
    text: "stdio servers share this host's network: they reach whatever it reaches (local databases, internal hosts, cloud metadata), and the outbound guard does not see their connections.",
  },
} as const;

/** What network stdio servers get on this instance, or why they cannot start on it. */
export function StdioNetworkNotice() {
  const trpc = useTRPC();
  const network = useQuery(trpc.settings.getStdioNetwork.queryOptions());
  if (network.isPending) return <Skeleton className="h-10 w-full" />;
  // The templates card stays usable without it; the setting is also in the README.
  if (network.isError) return null;
  const { configured, effective } = network.data;
  if (effective === null)
    return (
      <div
        className="flex gap-2 rounded-md border border-warning/30 bg-warning/10 px-3 py-2.5 text-sm"
        data-testid="stdio-network"
        role="status"
      >
        <TriangleAlert
          aria-hidden="true"
          className="mt-0.5 size-4 shrink-0 text-warning-foreground dark:text-warning"
        />
        <div className="space-y-1">
          <p className="font-medium">stdio servers cannot start on this host</p>
          <p className="text-muted-foreground">
            <code className="font-mono text-xs">GATEHOUSE_STDIO_NETWORK={configured}</code> gives each stdio
            server a network of its own, and this host cannot make one (it needs unshare permitted to make
            network namespaces, setpriv, mount and ip). Run Gatehouse as root or with user namespaces allowed,
            or set <code className="font-mono text-xs">GATEHOUSE_STDIO_NETWORK=host</code> to run them on the
            host's network.
          </p>
        </div>
      </div>
    );
  const mode = MODES[effective];
  const Icon = mode.icon;
  return (
    <div className="space-y-2 rounded-md border bg-muted/30 px-3 py-2.5 text-sm" data-testid="stdio-network">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">Network</span>
        <Badge variant={mode.variant}>
          <Icon aria-hidden="true" />
          {mode.label}
        </Badge>
        <code className="font-mono text-xs text-muted-foreground">GATEHOUSE_STDIO_NETWORK={configured}</code>
      </div>
      <p className="text-muted-foreground">{mode.text}</p>
    </div>
  );
}
