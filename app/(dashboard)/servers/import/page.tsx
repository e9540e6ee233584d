import type { Metadata } from "next";
import { ImportFlow } from "@/components/servers/import-flow";
import { BackLink } from "@/components/ui/back-link";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";

export const metadata: Metadata = { title: "Import server.json" };

export default async function ImportServerPage() {
  const { user } = await requirePermission("server.publish_personal");
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <BackLink href="/servers">My servers</BackLink>
      <PageHeader
        title="Import server.json"
        description="Bring in a server described in the official MCP Registry format. The import lands as a draft: you review it, then publish it (shared servers go to an admin for approval)."
      />
      <ImportFlow
        canSubmitShared={can(user, "server.submit_shared")}
        isAdmin={can(user, "server.manage_all")}
      />
    </div>
  );
}
