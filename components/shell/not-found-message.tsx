import { ArrowLeft } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";

/** "Page not found" with the way back: the body of both not-found pages (inside and outside the dashboard). */
export function NotFoundMessage() {
  return (
    <div className="max-w-md text-center">
      <p className="font-mono text-sm font-medium text-primary">404</p>
      <h1 className="mt-2 text-3xl font-semibold tracking-tight">Page not found</h1>
      <p className="mt-3 text-sm text-muted-foreground">
        There is nothing at this address. It may have moved, or the link may be mistyped.
      </p>
      <Button asChild className="mt-8">
        <Link href="/">
          <ArrowLeft aria-hidden="true" />
          Back to overview
        </Link>
      </Button>
    </div>
  );
}
