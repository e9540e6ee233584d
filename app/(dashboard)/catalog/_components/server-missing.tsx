import { ArrowLeft, LibraryBig } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

/**
 * A server that is not in this user's catalog. Deliberately the same whether it does not exist or
 * exists but is not granted to them: the page must not confirm that a server exists.
 */
export function ServerMissing() {
  return (
    <div className="space-y-6">
      <Button variant="ghost" size="sm" className="-ml-2 text-muted-foreground" asChild>
        <Link href="/catalog">
          <ArrowLeft aria-hidden="true" />
          Catalog
        </Link>
      </Button>
      <Card
        data-testid="catalog-server-not-found"
        className="flex flex-col items-center gap-3 px-6 py-16 text-center"
      >
        <div className="flex size-11 items-center justify-center rounded-full border bg-muted/60 text-muted-foreground">
          <LibraryBig className="size-5" aria-hidden="true" />
        </div>
        <div className="max-w-md space-y-1">
          <h1 className="text-base font-semibold">This server isn't in your catalog</h1>
          <p className="text-sm text-muted-foreground">
            It may have been retired, the link may be mistyped, or no registry grants it to you. Ask your
            administrator if you think you should have access.
          </p>
        </div>
        <Button variant="outline" size="sm" className="mt-1" asChild>
          <Link href="/catalog">Back to the catalog</Link>
        </Button>
      </Card>
    </div>
  );
}
