/**
 * Glue hooks between the SDK's live objects and React: a LiveValue opened for the lifetime of a
 * component, a realtime topic subscription, and a media session that is left when the component
 * goes away.
 */
import { useEffect, useRef, useState } from 'react';
import { useLiveValue } from '@cohost/uikit';
import type { CohostClient, LiveValue, MediaSession, Preview } from '@cohost/sdk';

/**
 * Opens `open()` when the component mounts (and again when `deps` change), closes it on unmount,
 * and returns its current value (undefined until the first one arrives). `open` returning null
 * means "nothing to observe".
 */
export function useLive<T>(open: () => LiveValue<T> | null, deps: readonly unknown[]): T | undefined {
  const [lv, setLv] = useState<LiveValue<T> | null>(null);
  useEffect(() => {
    const v = open();
    setLv(v);
    return () => {
      v?.close();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return useLiveValue(lv);
}

/** A realtime event as the SDK hands it to subscribers. */
export interface RealtimeEvent {
  type: string;
  topic?: string;
  seq?: number;
  data?: unknown;
}

/**
 * Subscribes to a realtime topic (`room:<id>` or `user:<id>`) while mounted; `onEvent` may change
 * between renders without re-subscribing.
 */
export function useTopic(client: CohostClient, topic: string | null, onEvent: (e: RealtimeEvent) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (!topic) return undefined;
    return client.realtime.subscribe(topic, (e: RealtimeEvent) => handler.current(e));
  }, [client, topic]);
}

/** What useMediaSession reports. */
export interface SessionSlot {
  session: MediaSession | null;
  error: string | null;
}

/**
 * Starts a media session with `start()` while `enabled` (viewer watching), leaves it when disabled
 * or unmounted. A session that resolves after the component moved on is left at once. `generation`
 * restarts it (e.g. after the server disconnected it).
 */
export function useMediaSession(start: () => Promise<MediaSession>, enabled: boolean, generation: unknown): SessionSlot {
  const [slot, setSlot] = useState<SessionSlot>({ session: null, error: null });
  const startRef = useRef(start);
  startRef.current = start;
  useEffect(() => {
    if (!enabled) {
      setSlot({ session: null, error: null });
      return undefined;
    }
    let cancelled = false;
    let session: MediaSession | null = null;
    startRef.current().then(
      (s) => {
        session = s;
        if (cancelled) void s.leave();
        else setSlot({ session: s, error: null });
      },
      (err: unknown) => {
        if (!cancelled) setSlot({ session: null, error: errorText(err) });
      },
    );
    return () => {
      cancelled = true;
      if (session) void session.leave();
      setSlot({ session: null, error: null });
    };
  }, [enabled, generation]);
  return slot;
}

/** A short human text for an error from the SDK (CohostError has code + message). */
export function errorText(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown };
    if (typeof e.message === 'string' && e.message) return e.message;
    if (typeof e.code === 'string') return e.code;
  }
  return String(err);
}

/**
 * A holder for an imperatively created object that must be disposed when the component unmounts
 * (a broadcast session, a camera preview): set() replaces (disposing the old one), take() hands it
 * over without disposing.
 */
export function useOwned<T>(dispose: (v: T) => void): {
  current: T | null;
  set(v: T | null): void;
  take(): T | null;
} {
  const ref = useRef<T | null>(null);
  const disposeRef = useRef(dispose);
  disposeRef.current = dispose;
  const holder = useRef({
    get current() {
      return ref.current;
    },
    set(v: T | null) {
      if (ref.current && ref.current !== v) disposeRef.current(ref.current);
      ref.current = v;
    },
    take() {
      const v = ref.current;
      ref.current = null;
      return v;
    },
  }).current;
  useEffect(() => () => holder.set(null), [holder]);
  return holder;
}

/** The backstage's camera and microphone switches (both on at first), applied to the preview. */
export function usePreviewToggles(preview: Preview | null): {
  /** Props for the UIKit Backstage. */
  props: {
    cameraOn: boolean;
    microphoneOn: boolean;
    onToggleCamera(next: boolean): void;
    onToggleMicrophone(next: boolean): void;
  };
  /** Both switches back on (a new backstage visit). */
  reset(): void;
} {
  const [cameraOn, setCameraOn] = useState(true);
  const [microphoneOn, setMicrophoneOn] = useState(true);
  return {
    props: {
      cameraOn,
      microphoneOn,
      onToggleCamera(next) {
        setCameraOn(next);
        void preview?.setCamera(next).catch(() => {});
      },
      onToggleMicrophone(next) {
        setMicrophoneOn(next);
        void preview?.setMicrophone(next).catch(() => {});
      },
    },
    reset() {
      setCameraOn(true);
      setMicrophoneOn(true);
    },
  };
}
