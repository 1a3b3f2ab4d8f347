/**
 * One room (`#/room/<id>`): loads it and follows it (observeRoom), then shows the host view to its
 * host, the viewer view (which becomes the co-host view on stage) to everyone else, and the ended
 * screen once it is `ended`.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Room } from '@cohost/sdk';
import type { Session } from '../auth.js';
import { errorText, useLive } from '../live.js';
import { hrefOf } from '../router.js';
import { EndedView } from './EndedView.js';
import { HostView } from './HostView.js';
import { ViewerView } from './ViewerView.js';

export function RoomPage({ session, roomId }: { session: Session; roomId: string }) {
  const { client, me } = session;
  const observed = useLive(() => client.observeRoom(roomId), [client, roomId]);
  const [fetched, setFetched] = useState<Room | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    client.getRoom(roomId).then(
      (r) => {
        if (!cancelled) setFetched(r);
      },
      (err: unknown) => {
        if (!cancelled) setError(errorText(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [client, roomId]);

  // The freshest of what observeRoom and our own fetches said; `ended` is final whoever saw it.
  const room = pickRoom(observed, fetched);

  /** Called by the views when their media session was closed by the server (room deleted). */
  const recheck = useCallback(() => {
    client.getRoom(roomId).then((r) => setFetched(r), () => {});
  }, [client, roomId]);
  const onRoom = useCallback((r: Room) => setFetched(r), []);

  if (!room) {
    return error ? (
      <section className="demo-card">
        <h1>Room unavailable</h1>
        <p className="demo-error" role="alert" data-testid="room-error">{error}</p>
        <a className="demo-button" href={hrefOf({ name: 'rooms' })}>Back to live rooms</a>
      </section>
    ) : (
      <p className="demo-muted" role="status">Loading room…</p>
    );
  }
  if (room.status === 'ended') return <EndedView room={room} isHost={room.hostUserId === me.userId} />;
  if (room.hostUserId === me.userId) return <HostView session={session} room={room} onRoom={onRoom} recheck={recheck} />;
  return <ViewerView session={session} room={room} recheck={recheck} />;
}

function pickRoom(a: Room | undefined, b: Room | null): Room | undefined {
  if (!a) return b ?? undefined;
  if (!b) return a;
  if (a.status === 'ended') return a;
  if (b.status === 'ended') return b;
  return a; // observeRoom follows every change; a fetch only matters for `ended`
}
