import { useEffect, useState } from "react";
import { isAbort } from "../api/client";

/** Data loaded once per key (no polling): lookups such as the list of sites. */
export function useOnce<T>(load: (signal: AbortSignal) => Promise<T>, key: string) {
  const [state, setState] = useState<{ key: string; data?: T; error?: unknown }>({ key });
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (data) => setState({ key, data }),
      (error: unknown) => {
        if (!isAbort(error)) setState({ key, error });
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reloads when the key changes
  }, [key]);
  const current = state.key === key ? state : { key };
  return { data: current.data, error: current.error ?? null, loading: current.data === undefined && !current.error };
}
