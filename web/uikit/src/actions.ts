/** Hooks running a user action's callback with a busy state and a shown error. */
import { useRef, useState } from 'react';
import { useMounted } from './hooks.js';
import { errorMessage, isPromise } from './util.js';

/** Runs `fn`, awaiting it when it returns a promise (a throw or a rejection propagates). */
async function settle(fn: () => unknown): Promise<void> {
  const r = fn();
  if (isPromise(r)) await r;
}

/**
 * Actions keyed by an id (Invite per user, Cancel per invitation), sharing one error: a key is busy
 * while its action runs; a second run of a busy key is ignored.
 */
export function useKeyedActions() {
  const mounted = useMounted();
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const running = useRef(new Set<string>());
  const [error, setError] = useState<string | null>(null);
  const mark = (key: string, on: boolean) =>
    setBusy((s) => {
      const n = new Set(s);
      if (on) n.add(key);
      else n.delete(key);
      return n;
    });
  const run = async (key: string, fn: () => unknown, fallback: string): Promise<boolean> => {
    if (running.current.has(key)) return false;
    running.current.add(key);
    setError(null);
    mark(key, true);
    try {
      await settle(fn);
      return true;
    } catch (err) {
      if (mounted.current) setError(errorMessage(err, fallback));
      return false;
    } finally {
      running.current.delete(key);
      if (mounted.current) mark(key, false);
    }
  };
  return { busy, error, run };
}

/**
 * One action at a time (Join live, Leave stage): `run` ignores calls while busy, clears the error,
 * and on failure shows `errorMessage(err, fallback)`. Resolves true when `fn` succeeded.
 */
export function useAsyncAction() {
  const { busy, error, run } = useKeyedActions();
  return { busy: busy.size > 0, error, run: (fn: () => unknown, fallback: string) => run('', fn, fallback) };
}
