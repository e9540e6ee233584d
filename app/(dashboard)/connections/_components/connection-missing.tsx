import { ArrowLeft, Cable } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

/** A connection that does not exist for this person (disconnected, someone else's, a mistyped link). */
export function ConnectionMissing() {
  return (
    <div className="space-y-6">
      <Button variant="ghost" size="sm" className="-ml-2 text-muted-foreground" asChild>
        <Link href="/connections">
          <ArrowLeft aria-hidden="true" />
          All connections
        </Link>
      </Button>
      <Card
        data-testid="connection-not-found"
        className="flex flex-col items-center gap-3 px-6 py-16 text-center"
      >
        <div className="flex size-11 items-center justify-center rounded-full border bg-muted/60 text-muted-foreground">
          <Cable className="size-5" aria-hidden="true" />
        </div>
        <div className="max-w-md space-y-1">
          <h1 className="text-base font-semibold">This connection doesn't exist</h1>
          <p className="text-sm text-muted-foreground">
            It may have been disconnected, or the link is incomplete. Your connections are listed on the
            Connections page.
          </p>
        </div>
        <Button variant="outline" size="sm" className="mt-1" asChild>
          <Link href="/connections">Back to connections</Link>
        </Button>
      </Card>
    </div>
  );
}
