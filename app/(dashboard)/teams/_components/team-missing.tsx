import { UsersRound } from "lucide-react";
import { NotFoundCard } from "@/components/ui/not-found-card";

/** A team that does not exist (deleted, or a mistyped link), with the way back to the list. */
export function TeamMissing() {
  return (
    <NotFoundCard
      data-testid="team-not-found"
      icon={UsersRound}
      title="This team doesn't exist"
      description="It may have been deleted, or the link is incomplete. Pick a team from the list."
      href="/teams"
      backLabel="All teams"
      actionLabel="Back to teams"
    />
  );
}
