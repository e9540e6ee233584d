"use client";

import { RotateCcw, TriangleAlert } from "lucide-react";
import Link from "next/link";
import { useEffect } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

/**
 * A page of the dashboard failed. The message stays generic (production errors from the server carry
 * no detail by design); the digest lets an operator find the full error in the server log.
 */
export default function DashboardError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest =
    error && typeof error === "object" && "digest" in error && typeof error.digest === "string"
      ? error.digest
      : undefined;

  useEffect(() => {
    console.error(error);
  }, [error]);

  return (
    <div className="flex min-h-[60vh] items-center justify-center">
      <Card role="alert" className="w-full max-w-lg p-8 text-center">
        <div className="mx-auto flex size-12 items-center justify-center rounded-full bg-destructive/10 text-destructive">
          <TriangleAlert className="size-6" aria-hidden="true" />
        </div>
        <h1 className="mt-4 text-lg font-semibold">This page couldn't be shown</h1>
        <p className="mt-2 text-sm text-muted-foreground">
          Something went wrong while loading it. Trying again often helps; if it keeps happening, give your
          administrator the reference below.
        </p>
        {digest && (
          <p className="mt-4 text-xs text-muted-foreground">
            Reference{" "}
            <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-foreground">{digest}</code>
          </p>
        )}
        <div className="mt-6 flex flex-wrap justify-center gap-2">
          <Button onClick={() => retry()}>
            <RotateCcw aria-hidden="true" />
            Try again
          </Button>
          <Button variant="outline" asChild>
            <Link href="/">Back to overview</Link>
          </Button>
        </div>
      </Card>
    </div>
  );
}
