import type { Metadata } from "next";
import { z } from "zod";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/auth/current";
import { AccessExplorer } from "./_components/access-explorer";

export const metadata: Metadata = { title: "Access explorer" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const ID = z.uuid();

function idParam(value: string | string[] | undefined): string | null {
  const parsed = ID.safeParse(Array.isArray(value) ? value[0] : value);
  return parsed.success ? parsed.data : null;
}

/** The security team's two questions on one page: who can reach server X, and what can user Y reach. */
export default async function AccessPage(props: Props) {
  await requirePermission("access.explore");
  const params = await props.searchParams;
  const serverId = idParam(params.server);
  const userId = idParam(params.user);
  const tab = userId || (params.tab === "user" && !serverId) ? "user" : "server";

  return (
    <div className="space-y-8">
      <PageHeader
        title="Access explorer"
        description="Who can reach a server, and through which registry? What can a person reach, and with which tools? Answers follow the same rules as the gateway, so they change the moment a registry does."
      />
      <AccessExplorer initialTab={tab} initialServerId={serverId} initialUserId={userId} />
    </div>
  );
}
