import { TableCell, TableRow } from "@/components/ui/table";

/**
 * The one row of a filtered table with nothing to show: while the server searches past the rows
 * loaded, when that search failed, or when nothing matches.
 */
export function FilteredEmptyRow({
  colSpan,
  isSearching,
  searchingText,
  failure,
  noMatchText,
}: {
  colSpan: number;
  isSearching: boolean;
  searchingText: string;
  /** the failed search's message, when it failed */
  failure: string | null;
  noMatchText: string;
}) {
  return (
    <TableRow className="hover:bg-transparent">
      <TableCell colSpan={colSpan} className="py-8 text-center text-sm text-muted-foreground">
        {isSearching ? searchingText : failure !== null ? `The search failed: ${failure}` : noMatchText}
      </TableCell>
    </TableRow>
  );
}
