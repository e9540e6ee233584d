import { Building2, UsersRound } from "lucide-react";
import { Badge } from "@/components/ui/badge";

/** "Local" or "Synced from IdP group engineering". */
export function TeamSourceBadge({
  source,
  externalId,
}: {
  source: "LOCAL" | "IDP";
  externalId: string | null;
}) {
  if (source === "IDP") {
    return (
      <Badge variant="outline" className="max-w-full font-normal" data-testid="team-source">
        <Building2 aria-hidden="true" />
        <span className="truncate">
          Synced from IdP group <span className="font-mono font-medium">{externalId}</span>
        </span>
      </Badge>
    );
  }
  return (
    <Badge variant="secondary" className="font-normal" data-testid="team-source">
      <UsersRound aria-hidden="true" />
      Local
    </Badge>
  );
}
