/**
 * Where to send a browser back to after sign-in: only a path on this site. The check is the URL
 * parser's, as browsers parse: `\` counts as `/` and tabs and newlines are dropped, so
 * `/\evil.example` or `/<TAB>/evil.example` leave the site just as `//evil.example` does. The path
 * handed back is the parsed one, and it is checked again, since dot segments can make
 * `/.//evil.example` normalise to `//evil.example`.
 */
const BASE = "http://gatehouse.invalid";

function isOnThisSite(path: string): boolean {
  if (!path.startsWith("/")) return false;
  try {
    return new URL(path, BASE).origin === BASE;
  } catch {
    return false;
  }
}

export function localPath(value: unknown): string {
  if (typeof value !== "string" || !isOnThisSite(value)) return "/";
  const url = new URL(value, BASE);
  const path = `${url.pathname}${url.search}${url.hash}`;
  return isOnThisSite(path) ? path : "/";
}

/** The page a request asked for (path and query), set by Gatehouse's HTTP front for pages only. */
export const PAGE_PATH_HEADER = "x-gatehouse-page";

/**
 * The sign-in page, told to come back to `pagePath` afterwards (when it is a page of this site other
 * than the start page). Next's own `_rsc` marker of a client-side navigation is left out.
 */
export function signInPathFor(pagePath: string | null | undefined): string {
  const path = localPath(pagePath);
  const url = new URL(path, BASE);
  url.searchParams.delete("_rsc");
  const back = `${url.pathname}${url.search}`;
  return back === "/" || back.startsWith("/signin")
    ? "/signin"
    : `/signin?callbackUrl=${encodeURIComponent(back)}`;
}
