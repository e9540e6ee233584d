import type { Metadata } from "next";
import Link from "next/link";
import { PublishForm } from "@/components/servers/publish-form";
import { BackLink } from "@/components/ui/back-link";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { can } from "@/server/policy/permissions";

export const metadata: Metadata = { title: "Publish a server" };

export default async function NewServerPage() {
  const { user } = await requirePermission("server.publish_personal");
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <BackLink href="/servers">My servers</BackLink>
      <PageHeader
        title="Publish a server"
        description={
          <>
            Describe an MCP server once; Gatehouse then gives each user their own connection URL, keeps their
            secrets encrypted and audits every call. Have a{" "}
            <code className="font-mono text-xs">server.json</code>?{" "}
            <Link
              href="/servers/import"
              className="font-medium text-primary underline-offset-4 hover:underline"
            >
              Import it
            </Link>{" "}
            instead.
          </>
        }
      />
      <PublishForm
        canSubmitShared={can(user, "server.submit_shared")}
        isAdmin={can(user, "server.manage_all")}
      />
    </div>
  );
}
