import { KeyRound } from "lucide-react";
import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";

export const metadata: Metadata = { title: "API tokens" };

export default function TokensPage() {
  return (
    <AreaPlaceholder
      title="API tokens"
      icon={KeyRound}
      description="Personal API tokens let an agent reach your connections without an OAuth sign-in. A token is shown once, scoped to the servers and tools you choose, can expire or be limited to IP ranges, and can be revoked at any time."
      comingTitle="Tokens are being built"
      comingDescription="You will create and revoke tokens here and see when each was last used. A token with an empty scope reaches nothing."
    />
  );
}
