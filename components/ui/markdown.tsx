import { ExternalLink, ImageOff } from "lucide-react";
import ReactMarkdown, { type Components } from "react-markdown";
import { cn } from "@/components/lib/utils";
import { EXTERNAL_LINK_PROPS, safeUrl } from "./safe-link";

/**
 * Markdown written by publishers or upstream servers, rendered safely (PROTOCOL X4):
 * - raw HTML is dropped (`skipHtml`, and no rehype-raw), so `<script>` or `<img onerror>` never
 *   become elements;
 * - links keep only http:, https: and mailto: addresses; any other link (javascript:, data:,
 *   relative) renders as its text without a link;
 * - images are never loaded (a tracking pixel or a misleading picture); their alt text shows;
 * - bidi overrides and zero-width characters are dropped before parsing, so text reads as written;
 * - headings are demoted so a description cannot add a second page title.
 * No dangerouslySetInnerHTML anywhere: react-markdown builds React elements.
 */

const MARKDOWN_PROTOCOLS: ReadonlySet<string> = new Set(["http:", "https:", "mailto:"]);
const MAX_MARKDOWN_LENGTH = 50_000;
// Controls other than tab and line breaks, and every invisible formatting character (Cf).
const INVISIBLE_RE = /[^\P{Cc}\t\n\r]|\p{Cf}/gu;

/** react-markdown's urlTransform: a safe address, or "" (which the `a` below renders as text). */
export function markdownUrl(url: string): string {
  return safeUrl(url, MARKDOWN_PROTOCOLS) ?? "";
}

/** The only elements markdown may produce; anything else is unwrapped to its text. */
const ALLOWED_ELEMENTS = [
  "p",
  "a",
  "em",
  "strong",
  "del",
  "code",
  "pre",
  "blockquote",
  "ul",
  "ol",
  "li",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "hr",
  "br",
  "img",
];

const COMPONENTS: Components = {
  a: ({ href, children }) => {
    const url = typeof href === "string" && href !== "" ? markdownUrl(href) : "";
    if (url === "") return <span>{children}</span>;
    return (
      <a
        href={url}
        {...EXTERNAL_LINK_PROPS}
        className="font-medium text-primary underline underline-offset-4 hover:text-primary/80"
      >
        {children}
        <ExternalLink className="ml-0.5 inline size-3 align-baseline" aria-hidden="true" />
      </a>
    );
  },
  img: ({ alt }) => (
    <span className="inline-flex items-center gap-1 rounded border border-dashed px-1.5 text-xs text-muted-foreground">
      <ImageOff className="size-3" aria-hidden="true" />
      {alt ? alt : "image"}
    </span>
  ),
  h1: ({ children }) => <h3 className="mt-5 mb-2 text-base font-semibold first:mt-0">{children}</h3>,
  h2: ({ children }) => <h3 className="mt-5 mb-2 text-base font-semibold first:mt-0">{children}</h3>,
  h3: ({ children }) => <h4 className="mt-4 mb-2 text-sm font-semibold first:mt-0">{children}</h4>,
  h4: ({ children }) => <h5 className="mt-4 mb-1.5 text-sm font-semibold first:mt-0">{children}</h5>,
  h5: ({ children }) => <h6 className="mt-3 mb-1.5 text-sm font-medium first:mt-0">{children}</h6>,
  h6: ({ children }) => <h6 className="mt-3 mb-1.5 text-sm font-medium first:mt-0">{children}</h6>,
  p: ({ children }) => <p className="my-3 leading-relaxed first:mt-0 last:mb-0">{children}</p>,
  ul: ({ children }) => <ul className="my-3 list-disc space-y-1 pl-5">{children}</ul>,
  ol: ({ children }) => <ol className="my-3 list-decimal space-y-1 pl-5">{children}</ol>,
  li: ({ children }) => <li className="leading-relaxed">{children}</li>,
  blockquote: ({ children }) => (
    <blockquote className="my-3 border-l-2 pl-3 text-muted-foreground">{children}</blockquote>
  ),
  pre: ({ children }) => (
    <pre className="my-3 overflow-x-auto rounded-md border bg-muted/50 p-3 font-mono text-xs leading-relaxed [&>code]:bg-transparent [&>code]:p-0">
      {children}
    </pre>
  ),
  code: ({ children }) => (
    <code className="rounded bg-muted px-1 py-0.5 font-mono text-[0.85em] break-words">{children}</code>
  ),
  hr: () => <hr className="my-4 border-border" />,
};

export function Markdown({ children, className }: { children: string; className?: string }) {
  const source = children.slice(0, MAX_MARKDOWN_LENGTH).replace(INVISIBLE_RE, "");
  return (
    <div data-slot="markdown" className={cn("text-sm break-words", className)}>
      <ReactMarkdown
        skipHtml
        allowedElements={ALLOWED_ELEMENTS}
        unwrapDisallowed
        urlTransform={markdownUrl}
        components={COMPONENTS}
      >
        {source}
      </ReactMarkdown>
    </div>
  );
}
