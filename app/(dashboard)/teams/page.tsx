import { UsersRound } from "lucide-react";
import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";

export const metadata: Metadata = { title: "Teams" };

export default function TeamsPage() {
  return (
    <AreaPlaceholder
      title="Teams"
      icon={UsersRound}
      description="Teams group users so a registry can grant access to many people at once. Teams can be synced from your identity provider's groups, and everyone belongs to the built-in Everyone team."
      comingTitle="Teams are being built"
      comingDescription="You will create teams and manage their members here, and see which ones are kept in sync with your identity provider."
    />
  );
}
