import { Cable } from "lucide-react";
import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";

export const metadata: Metadata = { title: "Connections" };

export default function ConnectionsPage() {
  return (
    <AreaPlaceholder
      title="Connections"
      icon={Cable}
      description="Your connections to MCP servers. Each one has its own connection URL for your agents, holds your configuration and secrets for that server, and shows whether your upstream sign-in (for example GitHub) is still valid."
      comingTitle="Connections are being built"
      comingDescription="Once you connect a server from the catalog, it appears here with its connection URL, a ready-to-paste client snippet and the health of its credentials."
    />
  );
}
