import { ScrollText } from "lucide-react";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";
import { AUDIT_PERMISSIONS } from "@/components/shell/nav-items";
import { requireSession } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage() {
  const { user } = await requireSession();
  // The same gate as the navigation entry: any one of the audit permissions.
  if (!AUDIT_PERMISSIONS.some((permission) => can(user, permission))) notFound();
  const seesOverview = can(user, "system.read");

  return (
    <AreaPlaceholder
      title="Audit log"
      icon={ScrollText}
      description="Gatehouse records every MCP request and every change to access: who acted, through which agent, on which server and tool, with what outcome and latency. Request and response bodies are for auditors only."
      comingTitle="Browsing the audit log here is not built yet"
      comingDescription={
        <>
          This page will list those events for you to search, filter and export as JSON Lines or CSV: every
          event for admins and auditors, the events of your own servers for people who publish them. Today the
          events are kept in Gatehouse's PostgreSQL database (the AuditEvent table)
          {seesOverview && ", and the Overview shows how many were recorded each hour over the last 24 hours"}
          .
        </>
      }
    />
  );
}
