/** Cursor paging. A filtered list may come back short (even empty) while `nextCursor` says more
 * follow: a page is filled by following the cursor, bounded to MAX_READS requests. */

import { useState } from "react";

export const PAGE_SIZE = 50;
const MAX_READS = 10;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export async function filledPage<T>(
  read: (cursor: string | null, limit: number) => Promise<Page<T>>,
  cursor: string | null,
  size = PAGE_SIZE,
): Promise<Page<T>> {
  const items: T[] = [];
  let next = cursor;
  for (let reads = 0; reads < MAX_READS; reads++) {
    const page = await read(next, size - items.length);
    items.push(...page.items);
    next = page.nextCursor;
    if (next === null || items.length >= size) break;
  }
  return { items, nextCursor: next };
}

/** The cursors of the pages seen, reset whenever `key` (the filters) changes. */
export function usePager(key: string) {
  const [state, setState] = useState<{ key: string; cursors: (string | null)[] }>({ key, cursors: [null] });
  const cursors = state.key === key ? state.cursors : [null];
  return {
    cursor: cursors[cursors.length - 1] ?? null,
    hasPrevious: cursors.length > 1,
    previous: () => setState({ key, cursors: cursors.slice(0, -1) }),
    next: (cursor: string) => setState({ key, cursors: [...cursors, cursor] }),
  };
}

export function Pager({ pager, nextCursor }: { pager: ReturnType<typeof usePager>; nextCursor: string | null | undefined }) {
  return (
    <div className="pager">
      <button type="button" className="button" disabled={!pager.hasPrevious} onClick={pager.previous}>
        Previous page
      </button>
      <button type="button" className="button" disabled={!nextCursor} onClick={() => nextCursor && pager.next(nextCursor)}>
        Next page
      </button>
    </div>
  );
}
