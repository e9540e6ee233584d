import { personMatches } from "@/server/services/users/user-search";

/** A person as people lists show them. */
type Person = { name: string | null; email: string };

/**
 * What a people list shows for the text in its filter box. Without a filter, what it loaded; when it
 * loaded everyone, those matching the filter; when it stopped at a cap, the server's search of
 * everyone (`searched`, asked with the debounced `search`), since a match may be past the cap.
 */
export function filterPeople<T extends Person>(options: {
  filter: string;
  search: string;
  loaded: readonly T[];
  isTruncated: boolean;
  searched: { people: readonly T[] | undefined; isFetching: boolean };
}): { needle: string; shown: readonly T[]; isSearching: boolean } {
  const needle = options.filter.trim().toLowerCase();
  if (!needle) return { needle, shown: options.loaded, isSearching: false };
  if (!options.isTruncated)
    return {
      needle,
      shown: options.loaded.filter((person) => personMatches(person, needle)),
      isSearching: false,
    };
  return {
    needle,
    shown: options.searched.people ?? [],
    isSearching: options.searched.isFetching || options.search !== options.filter.trim(),
  };
}
