/**
 * The catalog's filters as they live in the address bar (?q=…&tags=a&tags=b) and as the
 * catalog.list input. Shared by the page (server prefetch) and the browser component, so both ask
 * for the same query and the prefetched data is used.
 */
export type CatalogFilters = { search: string; tags: string[] };

const MAX_TAGS = 20;

type SearchParams = Record<string, string | string[] | undefined>;

function all(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function filtersFromParams(params: SearchParams | URLSearchParams): CatalogFilters {
  const get = (key: string) => (params instanceof URLSearchParams ? params.getAll(key) : all(params[key]));
  const search = (get("q")[0] ?? "").trim().slice(0, 200);
  const tags = [...new Set(get("tags").map((tag) => tag.trim().slice(0, 100)))]
    .filter((tag) => tag !== "")
    .slice(0, MAX_TAGS);
  return { search, tags };
}

/** The address-bar query for the filters, "" when there are none. */
export function filtersToQuery(filters: CatalogFilters): string {
  const params = new URLSearchParams();
  if (filters.search) params.set("q", filters.search);
  for (const tag of filters.tags) params.append("tags", tag);
  const query = params.toString();
  return query ? `?${query}` : "";
}

export function listInput(filters: CatalogFilters): { search?: string; tags?: string[] } {
  return {
    ...(filters.search ? { search: filters.search } : {}),
    ...(filters.tags.length > 0 ? { tags: filters.tags } : {}),
  };
}

export function isTagSelected(filters: CatalogFilters, tag: string): boolean {
  const key = tag.toLowerCase();
  return filters.tags.some((selected) => selected.toLowerCase() === key);
}
