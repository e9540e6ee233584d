import { LibraryBig } from "lucide-react";
import { NotFoundCard } from "@/components/ui/not-found-card";

/** A server this person cannot connect: not granted to them, not approved yet, or a mistyped link. */
export function ConnectUnavailable() {
  return (
    <NotFoundCard
      data-testid="connect-not-found"
      icon={LibraryBig}
      title="This server isn't available to connect"
      description="It may not be shared with you, may not be approved yet, or the link is incomplete. The catalog shows every server you can connect."
      href="/catalog"
      actionLabel="Browse the catalog"
    />
  );
}
