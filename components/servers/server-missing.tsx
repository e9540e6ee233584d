import { ServerCog } from "lucide-react";
import { NotFoundCard } from "@/components/ui/not-found-card";

/** A server that does not exist or that this person may not manage; the same words for both (X6). */
export function ServerMissing() {
  return (
    <NotFoundCard
      data-testid="server-not-found"
      icon={ServerCog}
      title="This server doesn't exist"
      description="It may have been removed, the link is incomplete, or it belongs to someone else. Pick a server from your list."
      href="/servers"
      backLabel="My servers"
      actionLabel="Back to my servers"
    />
  );
}
