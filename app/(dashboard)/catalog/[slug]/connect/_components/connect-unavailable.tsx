import { LibraryBig } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

/** A server this person cannot connect: not granted to them, not approved yet, or a mistyped link. */
export function ConnectUnavailable() {
  return (
    <Card data-testid="connect-not-found" className="flex flex-col items-center gap-3 px-6 py-16 text-center">
      <div className="flex size-11 items-center justify-center rounded-full border bg-muted/60 text-muted-foreground">
        <LibraryBig className="size-5" aria-hidden="true" />
      </div>
      <div className="max-w-md space-y-1">
        <h1 className="text-base font-semibold">This server isn't available to connect</h1>
        <p className="text-sm text-muted-foreground">
          It may not be shared with you, may not be approved yet, or the link is incomplete. The catalog shows
          every server you can connect.
        </p>
      </div>
      <Button variant="outline" size="sm" className="mt-1" asChild>
        <Link href="/catalog">Browse the catalog</Link>
      </Button>
    </Card>
  );
}
