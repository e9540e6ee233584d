import { ExternalLink } from "lucide-react";
import type { ReactNode } from "react";
import { cn } from "@/components/lib/utils";

const LINK_PROTOCOLS = new Set(["http:", "https:"]);

/**
 * `value` as an absolute URL whose scheme is in `protocols` (http and https by default) and that
 * carries no credentials, or null. Everything else (javascript:, data:, vbscript:, relative paths,
 * "java\tscript:" tricks, which the URL parser folds into the real scheme) is refused.
 */
export function safeUrl(value: string | null | undefined, protocols: ReadonlySet<string> = LINK_PROTOCOLS) {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  if (!protocols.has(url.protocol)) return null;
  // "https://docs.example@evil.example" reads as one host and opens another.
  if (url.username || url.password) return null;
  return url.href;
}

/** The attributes every link to somewhere outside Gatehouse gets. */
export const EXTERNAL_LINK_PROPS = { target: "_blank", rel: "noopener noreferrer nofollow" } as const;

type SafeLinkProps = {
  href: string | null | undefined;
  /** the link's text; defaults to the address without its scheme */
  children?: ReactNode;
  className?: string;
  /** show the external-link icon after the text (default true) */
  showIcon?: boolean;
};

/**
 * A link to an external http(s) address from user-supplied data (a website or repository URL).
 * Anything that is not http(s) renders as plain text, never as a link.
 */
export function SafeLink({ href, children, className, showIcon = true }: SafeLinkProps) {
  const url = safeUrl(href);
  if (url === null) {
    return <span className={cn("break-all", className)}>{children ?? href ?? ""}</span>;
  }
  return (
    <a
      href={url}
      {...EXTERNAL_LINK_PROPS}
      className={cn(
        "inline-flex max-w-full items-center gap-1 text-primary underline-offset-4 hover:underline",
        className,
      )}
    >
      <span className="min-w-0 break-all">{children ?? displayAddress(url)}</span>
      {showIcon && <ExternalLink className="size-3.5 shrink-0" aria-hidden="true" />}
      <span className="sr-only"> (opens in a new tab)</span>
    </a>
  );
}

/** "github.com/acme/weather" for "https://github.com/acme/weather/". */
export function displayAddress(url: string): string {
  const parsed = new URL(url);
  const path = parsed.pathname === "/" ? "" : parsed.pathname.replace(/\/$/, "");
  return `${parsed.host}${path}${parsed.search}`;
}
