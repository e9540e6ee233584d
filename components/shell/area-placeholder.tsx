import { Construction, type LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";

/** An area whose screens are not built yet: what it will be for, and an honest "coming" card. */
export function AreaPlaceholder({
  title,
  description,
  icon = Construction,
  comingTitle,
  comingDescription,
}: {
  title: string;
  description: ReactNode;
  icon?: LucideIcon;
  comingTitle: string;
  comingDescription: ReactNode;
}) {
  return (
    <div className="space-y-8">
      <PageHeader title={title} description={description} />
      <Card data-testid="area-placeholder" className="border-dashed">
        <EmptyState icon={icon} title={comingTitle} description={comingDescription} className="py-16" />
      </Card>
    </div>
  );
}
