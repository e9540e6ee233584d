import { ArrowLeft, UsersRound } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

/** A team that does not exist (deleted, or a mistyped link), with the way back to the list. */
export function TeamMissing() {
  return (
    <div className="space-y-6">
      <Button variant="ghost" size="sm" className="-ml-2 text-muted-foreground" asChild>
        <Link href="/teams">
          <ArrowLeft aria-hidden="true" />
          All teams
        </Link>
      </Button>
      <Card data-testid="team-not-found" className="flex flex-col items-center gap-3 px-6 py-16 text-center">
        <div className="flex size-11 items-center justify-center rounded-full border bg-muted/60 text-muted-foreground">
          <UsersRound className="size-5" aria-hidden="true" />
        </div>
        <div className="max-w-md space-y-1">
          <h1 className="text-base font-semibold">This team doesn't exist</h1>
          <p className="text-sm text-muted-foreground">
            It may have been deleted, or the link is incomplete. Pick a team from the list.
          </p>
        </div>
        <Button variant="outline" size="sm" className="mt-1" asChild>
          <Link href="/teams">Back to teams</Link>
        </Button>
      </Card>
    </div>
  );
}
