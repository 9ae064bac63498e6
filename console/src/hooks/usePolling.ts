/** Live data by polling: a base interval per page, doubled after each failure up to a cap,
 * paused while the tab is hidden (and refreshed as soon as it is shown again). `stale` turns
 * true when the last good answer is older than two base intervals. */

import { useCallback, useEffect, useRef, useState } from "react";
import { isAbort } from "../api/client";

export interface PollOptions {
  intervalMs: number;
  maxIntervalMs: number;
}

export interface Poll<T> {
  data: T | undefined;
  error: Error | null;
  lastSuccess: number | null;
  stale: boolean;
  loading: boolean;
  refresh: () => void;
}

export const LIST_POLL: PollOptions = { intervalMs: 5_000, maxIntervalMs: 60_000 };
export const OVERVIEW_POLL: PollOptions = { intervalMs: 60_000, maxIntervalMs: 300_000 };

export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string,
  { intervalMs, maxIntervalMs }: PollOptions,
): Poll<T> {
  // The data of the key it was loaded for: after a change of filters the old rows are gone.
  const [loaded, setLoaded] = useState<{ key: string; value: T } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [lastSuccess, setLastSuccess] = useState<number | null>(null);
  const [settledKey, setSettledKey] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const loadRef = useRef(load);
  const refreshRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    let cancelled = false;
    let running = false;
    let again = false; // a refresh asked for while a request was running
    let timer: ReturnType<typeof setTimeout> | undefined;
    let interval = intervalMs;
    let controller: AbortController | null = null;

    const schedule = () => {
      clearTimeout(timer);
      if (!cancelled && !document.hidden) timer = setTimeout(() => void run(), interval);
    };

    const run = async () => {
      if (cancelled || running) return;
      if (document.hidden) return; // resumed by the visibility handler
      running = true;
      controller = new AbortController();
      try {
        const value = await loadRef.current(controller.signal);
        if (cancelled) return;
        setLoaded({ key, value });
        setError(null);
        setLastSuccess(Date.now());
        interval = intervalMs;
      } catch (failure) {
        if (cancelled || isAbort(failure)) return;
        setError(failure instanceof Error ? failure : new Error(String(failure)));
        interval = Math.min(interval * 2, maxIntervalMs);
      } finally {
        running = false;
        if (!cancelled) {
          setSettledKey(key);
          if (again) {
            again = false;
            void run();
          } else schedule();
        }
      }
    };

    const onVisibility = () => {
      if (document.hidden) clearTimeout(timer);
      else void run();
    };
    refreshRef.current = () => {
      clearTimeout(timer);
      if (running) again = true;
      else void run();
    };
    document.addEventListener("visibilitychange", onVisibility);
    void run();
    return () => {
      cancelled = true;
      clearTimeout(timer);
      controller?.abort();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [key, intervalMs, maxIntervalMs]);

  // A clock for the stale badge.
  useEffect(() => {
    const ticker = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(ticker);
  }, []);

  const refresh = useCallback(() => refreshRef.current(), []);
  const stale = lastSuccess !== null && now - lastSuccess > 2 * intervalMs;
  const data = loaded !== null && loaded.key === key ? loaded.value : undefined;
  return { data, error, lastSuccess, stale, loading: settledKey !== key, refresh };
}
