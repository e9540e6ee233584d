import type { LucideIcon } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";
import { BackLink } from "./back-link";
import { Button } from "./button";
import { Card } from "./card";

type NotFoundCardProps = {
  icon: LucideIcon;
  /** the page's one <h1>: what is missing */
  title: string;
  /** why it may be missing; the same words whether it does not exist or is someone else's (X6) */
  description: ReactNode;
  /** the list it would be in */
  href: string;
  /** the card's button back to `href` */
  actionLabel: string;
  /** when given, a back link to `href` above the card as well */
  backLabel?: string;
  "data-testid": string;
};

/** What a detail page shows for something that is not there for this person, with the way back. */
export function NotFoundCard({
  icon: Icon,
  title,
  description,
  href,
  actionLabel,
  backLabel,
  "data-testid": testId,
}: NotFoundCardProps) {
  const card = (
    <Card data-testid={testId} className="flex flex-col items-center gap-3 px-6 py-16 text-center">
      <div className="flex size-11 items-center justify-center rounded-full border bg-muted/60 text-muted-foreground">
        <Icon className="size-5" aria-hidden="true" />
      </div>
      <div className="max-w-md space-y-1">
        <h1 className="text-base font-semibold">{title}</h1>
        <p className="text-sm text-muted-foreground">{description}</p>
      </div>
      <Button variant="outline" size="sm" className="mt-1" asChild>
        <Link href={href}>{actionLabel}</Link>
      </Button>
    </Card>
  );
  if (!backLabel) return card;
  return (
    <div className="space-y-6">
      <BackLink href={href}>{backLabel}</BackLink>
      {card}
    </div>
  );
}
