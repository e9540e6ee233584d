import { BookMarked } from "lucide-react";
import { NotFoundCard } from "@/components/ui/not-found-card";

/** A registry that does not exist or that this person does not manage, with the way back to the list. */
export function RegistryMissing() {
  return (
    <NotFoundCard
      data-testid="registry-not-found"
      icon={BookMarked}
      title="This registry doesn't exist"
      description="It may have been deleted, the link is incomplete, or it belongs to someone else. Pick a registry from the list."
      href="/registries"
      backLabel="All registries"
      actionLabel="Back to registries"
    />
  );
}
