import { ArrowLeft } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { ImportFlow } from "@/components/servers/import-flow";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";

export const metadata: Metadata = { title: "Import server.json" };

export default async function ImportServerPage() {
  const { user } = await requirePermission("server.publish_personal");
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <Button variant="ghost" size="sm" className="-ml-2 text-muted-foreground" asChild>
        <Link href="/servers">
          <ArrowLeft aria-hidden="true" />
          My servers
        </Link>
      </Button>
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
