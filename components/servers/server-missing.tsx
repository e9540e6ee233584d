import { ArrowLeft, ServerCog } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

/** A server that does not exist or that this person may not manage; the same words for both (X6). */
export function ServerMissing() {
  return (
    <div className="space-y-6">
      <Button variant="ghost" size="sm" className="-ml-2 text-muted-foreground" asChild>
        <Link href="/servers">
          <ArrowLeft aria-hidden="true" />
          My servers
        </Link>
      </Button>
      <Card
        data-testid="server-not-found"
        className="flex flex-col items-center gap-3 px-6 py-16 text-center"
      >
        <div className="flex size-11 items-center justify-center rounded-full border bg-muted/60 text-muted-foreground">
          <ServerCog className="size-5" aria-hidden="true" />
        </div>
        <div className="max-w-md space-y-1">
          <h1 className="text-base font-semibold">This server doesn't exist</h1>
          <p className="text-sm text-muted-foreground">
            It may have been removed, the link is incomplete, or it belongs to someone else. Pick a server
            from your list.
          </p>
        </div>
        <Button variant="outline" size="sm" className="mt-1" asChild>
          <Link href="/servers">Back to my servers</Link>
        </Button>
      </Card>
    </div>
  );
}
