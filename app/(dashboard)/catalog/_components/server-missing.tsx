import { LibraryBig } from "lucide-react";
import { NotFoundCard } from "@/components/ui/not-found-card";

/**
 * A server that is not in this user's catalog. Deliberately the same whether it does not exist or
 * exists but is not granted to them: the page must not confirm that a server exists.
 */
export function ServerMissing() {
  return (
    <NotFoundCard
      data-testid="catalog-server-not-found"
      icon={LibraryBig}
      title="This server isn't in your catalog"
      description="It may have been retired, the link may be mistyped, or no registry grants it to you. Ask your administrator if you think you should have access."
      href="/catalog"
      backLabel="Catalog"
      actionLabel="Back to the catalog"
    />
  );
}
