"use client";

import { useSyncExternalStore } from "react";

/*
 * One shared clock for every "5 s ago" on the page: they tick together, and the interval only runs
 * while something is listening.
 */
let current = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  current = Date.now();
  timer ??= setInterval(() => {
    current = Date.now();
    for (const notify of listeners) notify();
  }, 1000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

export function useNow(): number {
  return useSyncExternalStore(
    subscribe,
    () => current,
    // The server renders with its own clock; the browser corrects it right after hydration.
    () => (typeof window === "undefined" ? Date.now() : current),
  );
}

const noopSubscribe = () => () => {};

/** false during server rendering and hydration, true afterwards (for output that depends on the browser's time zone). */
export function useIsHydrated(): boolean {
  return useSyncExternalStore(
    noopSubscribe,
    () => true,
    () => false,
  );
}
