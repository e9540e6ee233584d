"use client";

import Image from "next/image";
import { useState } from "react";
import { cn } from "@/components/lib/utils";
import { safeUrl } from "./safe-link";

/**
 * A catalog server's icon. The URL comes from the publisher, so it is loaded only when it is an
 * https address (the CSP's img-src allows no plain-http images anyway), without a referrer (the
 * icon host learns nothing about this Gatehouse or the page). Otherwise, and when the image fails to
 * load, a coloured tile with the name's first letter stands in.
 */

const HTTPS_ONLY: ReadonlySet<string> = new Set(["https:"]);

const PALETTE = [
  "bg-sky-500/15 text-sky-700 dark:text-sky-300",
  "bg-violet-500/15 text-violet-700 dark:text-violet-300",
  "bg-emerald-500/15 text-emerald-700 dark:text-emerald-300",
  "bg-amber-500/20 text-amber-800 dark:text-amber-300",
  "bg-rose-500/15 text-rose-700 dark:text-rose-300",
  "bg-teal-500/15 text-teal-700 dark:text-teal-300",
  "bg-indigo-500/15 text-indigo-700 dark:text-indigo-300",
  "bg-orange-500/15 text-orange-700 dark:text-orange-300",
];

const SIZES = {
  sm: "size-8 rounded-md text-sm",
  md: "size-10 rounded-lg text-base",
  lg: "size-14 rounded-xl text-xl",
} as const;
const SIZE_PX: Record<keyof typeof SIZES, number> = { sm: 32, md: 40, lg: 56 };

/** The first letter or digit of the name ("<script>…" gives "S"), or "?". */
export function initialOf(name: string): string {
  const match = /[\p{L}\p{N}]/u.exec(name);
  return match ? match[0].toLocaleUpperCase() : "?";
}

/** A stable colour per name, so a server keeps its colour across pages. */
export function paletteIndex(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % PALETTE.length;
}

type ServerIconProps = {
  name: string;
  iconUrl: string | null | undefined;
  size?: keyof typeof SIZES;
  className?: string;
};

export function ServerIcon({ name, iconUrl, size = "md", className }: ServerIconProps) {
  const url = safeUrl(iconUrl, HTTPS_ONLY);
  // Remember which URL failed, so a new URL (after an edit) gets its own try.
  const [failedUrl, setFailedUrl] = useState<string | null>(null);
  const box = cn("flex shrink-0 items-center justify-center overflow-hidden border", SIZES[size], className);

  if (url !== null && failedUrl !== url) {
    return (
      <span className={cn(box, "bg-background")} data-slot="server-icon">
        {/* unoptimized: the browser loads the icon itself; the app never fetches publisher URLs. */}
        <Image
          src={url}
          alt=""
          width={SIZE_PX[size]}
          height={SIZE_PX[size]}
          unoptimized
          referrerPolicy="no-referrer"
          className="size-full object-contain"
          onError={() => setFailedUrl(url)}
        />
      </span>
    );
  }
  return (
    <span
      className={cn(box, "border-transparent font-semibold select-none", PALETTE[paletteIndex(name)])}
      data-slot="server-icon"
      aria-hidden="true"
    >
      {initialOf(name)}
    </span>
  );
}
