import { useSyncExternalStore } from 'react';

/**
 * Test mode (like Stripe's): the environment the pages show, kept per browser. Every page reads it; the
 * top bar marks it so nobody mistakes test data for live data.
 */
const KEY = 'audenci.testMode';
const listeners = new Set<() => void>();
let current = read();

function read(): boolean {
  try {
    return window.localStorage.getItem(KEY) === 'true';
  } catch {
    return false;
  }
}

export function setTestMode(on: boolean): void {
  try {
    window.localStorage.setItem(KEY, String(on));
  } catch {
    // Storage refused (private mode): the switch still works for this page's life.
  }
  current = on;
  for (const listener of listeners) listener();
}

export function useTestMode(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}
