import { UserRound } from "lucide-react";
import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";

export const metadata: Metadata = { title: "Users" };

export default function UsersPage() {
  return (
    <AreaPlaceholder
      title="Users"
      icon={UserRound}
      description="Everyone who can sign in to Gatehouse, with their role and status. Deactivating a user is one-step offboarding: their tokens, grants, upstream credentials and open sessions stop working on the next request."
      comingTitle="User management is being built"
      comingDescription="You will invite people, change roles, grant the Auditor flag and deactivate accounts here."
    />
  );
}
