import { ArrowLeft, BookMarked } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

/** A registry that does not exist or that this person does not manage, with the way back to the list. */
export function RegistryMissing() {
  return (
    <div className="space-y-6">
      <Button variant="ghost" size="sm" className="-ml-2 text-muted-foreground" asChild>
        <Link href="/registries">
          <ArrowLeft aria-hidden="true" />
          All registries
        </Link>
      </Button>
      <Card
        data-testid="registry-not-found"
        className="flex flex-col items-center gap-3 px-6 py-16 text-center"
      >
        <div className="flex size-11 items-center justify-center rounded-full border bg-muted/60 text-muted-foreground">
          <BookMarked className="size-5" aria-hidden="true" />
        </div>
        <div className="max-w-md space-y-1">
          <h1 className="text-base font-semibold">This registry doesn't exist</h1>
          <p className="text-sm text-muted-foreground">
            It may have been deleted, the link is incomplete, or it belongs to someone else. Pick a registry
            from the list.
          </p>
        </div>
        <Button variant="outline" size="sm" className="mt-1" asChild>
          <Link href="/registries">Back to registries</Link>
        </Button>
      </Card>
    </div>
  );
}
