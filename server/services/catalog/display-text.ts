import { cleanDescription, cleanLine } from "./parse-server-json";

/**
 * Catalog text is written by publishers and by upstream servers, so everything the catalog returns
 * for display goes through here first (PROTOCOL X4). React renders it as text either way; these
 * helpers additionally drop the characters that make inert text lie to a reader (bidi overrides
 * such as U+202E, zero-width characters, other controls) and cap lengths.
 */

export const MAX_DISPLAY_DESCRIPTION = 20_000;
export const MAX_DISPLAY_LABEL = 200;

/** A one-line label (a name, a tag, a tool name): invisible and control characters dropped. */
export function displayLine(value: string, max = MAX_DISPLAY_LABEL): string {
  return cleanLine(value, max);
}

/** Multi-line prose or markdown: keeps line breaks, drops invisible and control characters. */
export function displayText(value: string, max = MAX_DISPLAY_DESCRIPTION): string {
  return cleanDescription(value, max);
}

/** `value` as an absolute http(s) URL without credentials, or null (javascript:, data:, relative…). */
export function httpUrlOrNull(value: string | null | undefined): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  // "https://trusted.example@evil.example" reads as one host and goes to another.
  if (url.username || url.password) return null;
  return url.href;
}

const EXCERPT_RULES: [RegExp, string][] = [
  [/^ {0,3}(`{3,}|~{3,}).*$/gm, ""], // code fence lines (the code itself stays)
  [/^ {0,3}\[[^\]\n]+\]:\s*\S+.*$/gm, ""], // link reference definitions
  // Images and links: their text. A destination may hold one level of parentheses: (javascript:f(1)).
  [/!\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)/g, "$1"],
  [/\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)/g, "$1"],
  [/\[([^\]\n]+)\]\[[^\]\n]*\]/g, "$1"], // reference links
  [/<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>/g, "$1"], // autolinks (any scheme): the address, as text
  [/<\/?[A-Za-z][^>\n]*>/g, ""], // HTML tags (the page drops raw HTML too)
  [/<!--[\s\S]*?-->/g, ""],
  [/^ {0,3}#{1,6}\s+/gm, ""], // heading markers
  [/^ {0,3}>\s?/gm, ""], // blockquote markers
  [/^ {0,3}(?:[-*_]\s*){3,}$/gm, ""], // thematic breaks
  [/^\s*(?:[-*+]|\d{1,9}[.)])\s+/gm, ""], // list markers
  [/(\*\*|__|~~)(?=\S)([\s\S]*?\S)\1/g, "$2"], // strong, strikethrough
  [/(^|[^\w*])[*_](?=\S)([^*_\n]*?\S)[*_](?=[^\w*]|$)/g, "$1$2"], // emphasis (not snake_case)
  [/`+([^`\n]+)`+/g, "$1"], // inline code
  [/\\([\\`*_{}[\]()#+\-.!>~|])/g, "$1"], // backslash escapes
];

/**
 * A plain-text excerpt of a markdown description for a card: markdown syntax stripped, whitespace
 * collapsed, at most `max` characters, cut at a word boundary when one is near.
 */
export function markdownExcerpt(markdown: string, max = 200): string {
  let text = displayText(markdown, 4 * max + 2000);
  for (const [pattern, replacement] of EXCERPT_RULES) text = text.replace(pattern, replacement);
  text = text.replace(/\s+/g, " ").trim();
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max - 1).join("");
  const space = cut.lastIndexOf(" ");
  const head = space > max * 0.6 ? cut.slice(0, space) : cut;
  return `${head.replace(/[\s.,;:!?-]+$/, "")}…`;
}
