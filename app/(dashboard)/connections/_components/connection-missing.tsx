import { Cable } from "lucide-react";
import { NotFoundCard } from "@/components/ui/not-found-card";

/** A connection that does not exist for this person (disconnected, someone else's, a mistyped link). */
export function ConnectionMissing() {
  return (
    <NotFoundCard
      data-testid="connection-not-found"
      icon={Cable}
      title="This connection doesn't exist"
      description="It may have been disconnected, or the link is incomplete. Your connections are listed on the Connections page."
      href="/connections"
      backLabel="All connections"
      actionLabel="Back to connections"
    />
  );
}
