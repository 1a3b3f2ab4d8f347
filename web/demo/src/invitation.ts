/**
 * The invitation the banner is about, for one room: my pending invitation for it
 * (observeMyInvitations) and, once it stops being pending, its final version, so the banner can say
 * "Invitation cancelled" or "Invitation expired". The final version comes from the `invitation.*`
 * event on my user topic, or, if that was missed, from GET /v1/me/invitations.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CohostClient, Invitation } from '@cohost/sdk';
import { useLive, useTopic, type RealtimeEvent } from './live.js';

const FALLBACK_FETCH_MS = 1500;

/** The tracked invitation (null: none) and clear(), which forgets it (banner closed or answered). */
export function useRoomInvitation(
  client: CohostClient,
  meUserId: string,
  roomId: string,
): [Invitation | null, () => void] {
  const mine = useLive(() => client.observeMyInvitations(), [client]);
  const [tracked, setTracked] = useState<Invitation | null>(null);
  const latest = useRef(new Map<string, Invitation>());

  const pending = (mine ?? []).find((i) => i.roomId === roomId && i.status === 'pending') ?? null;

  // A (new) pending invitation for this room becomes the tracked one, unless we already know it ended.
  useEffect(() => {
    if (!pending) return;
    const known = latest.current.get(pending.invitationId);
    setTracked(known && known.status !== 'pending' ? known : pending);
  }, [pending?.invitationId]); // eslint-disable-line react-hooks/exhaustive-deps

  useTopic(client, `user:${meUserId}`, (e: RealtimeEvent) => {
    if (!e.type.startsWith('invitation.')) return;
    const inv = e.data as Invitation | undefined;
    if (!inv?.invitationId || inv.roomId !== roomId) return;
    latest.current.set(inv.invitationId, inv);
    setTracked((t) => (t && t.invitationId === inv.invitationId ? inv : t));
  });

  // The tracked invitation left the pending list without an event reaching us: ask the server.
  const stale = tracked !== null && tracked.status === 'pending' && mine !== undefined && pending?.invitationId !== tracked.invitationId;
  useEffect(() => {
    if (!stale || !tracked) return undefined;
    const id = tracked.invitationId;
    let cancelled = false;
    const timer = setTimeout(() => {
      client.myInvitations({}).then(
        (r) => {
          const found = r.invitations.find((i) => i.invitationId === id);
          if (!cancelled && found) setTracked((t) => (t && t.invitationId === id ? found : t));
        },
        () => {},
      );
    }, FALLBACK_FETCH_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [stale, tracked, client]);

  const clear = useCallback(() => setTracked(null), []);
  return [tracked, clear];
}
