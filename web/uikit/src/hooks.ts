/** React hooks binding SDK live objects (LiveValue, MediaSession) to component state. */
import { useEffect, useRef, useState } from 'react';
import type { LiveValueLike, MediaParticipantLike, MediaSessionLike, MediaSessionState } from './types.js';

/**
 * The current value of an SDK LiveValue; re-renders on every change. Subscribes with observe()
 * and unsubscribes on unmount or when `lv` changes. Starts from `lv.value` (undefined if none yet).
 */
export function useLiveValue<T>(lv: LiveValueLike<T> | null | undefined): T | undefined {
  const [state, setState] = useState<{ lv: typeof lv; value: T | undefined }>(() => ({ lv, value: lv?.value }));
  // A new LiveValue: drop the old value during render rather than showing it for one frame.
  let current = state;
  if (state.lv !== lv) {
    current = { lv, value: lv?.value };
    setState(current);
  }
  useEffect(() => {
    if (!lv) return undefined;
    const unsubscribe = lv.observe((value) => setState({ lv, value }));
    return unsubscribe;
  }, [lv]);
  return current.value;
}

/** The state of a MediaSession ('connecting' | 'connected' | 'reconnecting' | 'disconnected'). */
export function useMediaSessionState(session: MediaSessionLike | null | undefined): MediaSessionState | undefined {
  const [state, setState] = useState<MediaSessionState | undefined>(session?.state);
  useEffect(() => {
    if (!session) {
      setState(undefined);
      return undefined;
    }
    setState(session.state);
    return session.onState((s) => setState(s));
  }, [session]);
  return session ? state : undefined;
}

/** The participants of a MediaSession, refreshed on every onParticipants callback. */
export function useParticipants(session: MediaSessionLike | null | undefined): MediaParticipantLike[] {
  const [list, setList] = useState<MediaParticipantLike[]>(() => (session ? session.participants() : []));
  useEffect(() => {
    if (!session) {
      setList([]);
      return undefined;
    }
    setList(session.participants());
    // Copy: an SDK that mutates and re-sends the same array must still re-render.
    return session.onParticipants((p) => setList([...p]));
  }, [session]);
  return session ? list : [];
}

/** Date.now(), re-rendered every `intervalMs` while `enabled`. */
export function useNow(intervalMs = 1000, enabled = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!enabled) return undefined;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs, enabled]);
  return now;
}

/** The latest value of `v`, readable from callbacks without re-subscribing. */
export function useLatest<T>(v: T): { readonly current: T } {
  const ref = useRef(v);
  ref.current = v;
  return ref;
}

/** False once the component unmounted (to skip setState after an awaited callback). */
export function useMounted(): { readonly current: boolean } {
  const ref = useRef(true);
  useEffect(() => {
    ref.current = true;
    return () => {
      ref.current = false;
    };
  }, []);
  return ref;
}
