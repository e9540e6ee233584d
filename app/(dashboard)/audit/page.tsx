import { ScrollText } from "lucide-react";
import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";

export const metadata: Metadata = { title: "Audit log" };

export default function AuditPage() {
  return (
    <AreaPlaceholder
      title="Audit log"
      icon={ScrollText}
      description="Every MCP request and every change to access is recorded here: who acted, through which agent, on which server and tool, with what outcome and latency. Request and response bodies are visible to auditors only."
      comingTitle="The audit log is being built"
      comingDescription="You will search and filter events here and export them as JSON Lines or CSV. The Overview shows how many events were recorded in the last 24 hours."
    />
  );
}
