"use client";

import { useEffect, useState } from "react";
import "./globals.css";

/**
 * Last resort when the root layout itself fails: it replaces the whole document, so it brings its own
 * <html>, styles and theme (the theme provider is gone too, so it reads the stored choice itself).
 */
function prefersDark(): boolean {
  const stored = window.localStorage.getItem("theme");
  if (stored === "dark" || stored === "light") return stored === "dark";
  return window.matchMedia("(prefers-color-scheme: dark)").matches;
}

export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest =
    error && typeof error === "object" && "digest" in error && typeof error.digest === "string"
      ? error.digest
      : undefined;

  const [isDark, setIsDark] = useState(false);

  useEffect(() => {
    console.error(error);
  }, [error]);

  useEffect(() => {
    try {
      setIsDark(prefersDark());
    } catch {
      // storage can be blocked; the light theme is a fine fallback
    }
  }, []);

  return (
    <html lang="en" className={isDark ? "dark" : undefined}>
      <head>
        <title>Something went wrong · Gatehouse</title>
      </head>
      <body className="flex min-h-dvh items-center justify-center bg-background p-6 text-foreground">
        <main className="w-full max-w-md rounded-xl border bg-card p-8 text-center shadow-xs">
          <h1 className="text-lg font-semibold">Gatehouse couldn't load</h1>
          <p className="mt-2 text-sm text-muted-foreground">
            Something went wrong on our side. Try again in a moment; if it keeps happening, give your
            administrator the reference below.
          </p>
          {digest && (
            <p className="mt-4 text-xs text-muted-foreground">
              Reference{" "}
              <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-foreground">{digest}</code>
            </p>
          )}
          <button
            type="button"
            onClick={() => retry()}
            className="mt-6 inline-flex h-9 items-center justify-center rounded-md bg-primary px-4 text-sm font-medium text-primary-foreground hover:bg-primary/90 focus-visible:outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
          >
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
