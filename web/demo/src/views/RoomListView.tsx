/** The live rooms (observeLiveRooms), the user's own rooms not live yet, and "Create room". */
import { useEffect, useState } from 'react';
import { LiveBadge } from '@cohost/uikit';
import type { Room } from '@cohost/sdk';
import type { Session } from '../auth.js';
import { useLive } from '../live.js';
import { hrefOf } from '../router.js';

export function RoomListView({ session }: { session: Session }) {
  const { client, me } = session;
  const live = useLive(() => client.observeLiveRooms(), [client]);
  const [mine, setMine] = useState<Room[]>([]);

  useEffect(() => {
    let cancelled = false;
    client.listRooms({ status: 'idle', limit: 50 }).then(
      (r) => {
        if (!cancelled) setMine(r.rooms.filter((room) => room.hostUserId === me.userId));
      },
      () => {
        /* the list of own idle rooms is a convenience; the live list still works */
      },
    );
    return () => {
      cancelled = true;
    };
  }, [client, me.userId]);

  return (
    <section className="demo-rooms" aria-labelledby="rooms-title">
      <div className="demo-rooms__head">
        <h1 id="rooms-title">Live now</h1>
        <a className="demo-button demo-button--primary" href={hrefOf({ name: 'new' })} data-testid="create-room">
          Create room
        </a>
      </div>
      {live === undefined && <p className="demo-muted" role="status">Loading live rooms…</p>}
      {live !== undefined && live.length === 0 && (
        <p className="demo-muted" data-testid="rooms-empty">Nobody is live right now. Create a room and go live.</p>
      )}
      <ul className="demo-room-list" data-testid="room-list">
        {(live ?? []).map((room) => (
          <RoomCard key={room.roomId} room={room} own={room.hostUserId === me.userId} />
        ))}
      </ul>
      {mine.length > 0 && (
        <>
          <h2>Your rooms, not live yet</h2>
          <ul className="demo-room-list" data-testid="own-room-list">
            {mine.map((room) => (
              <RoomCard key={room.roomId} room={room} own />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function RoomCard({ room, own }: { room: Room; own: boolean }) {
  return (
    <li>
      <a
        className="demo-room-card"
        href={hrefOf({ name: 'room', roomId: room.roomId })}
        data-testid="room-card"
        data-room-id={room.roomId}
        data-status={room.status}
      >
        <LiveBadge status={room.status} />
        <span className="demo-room-card__title">{room.title}</span>
        <span className="demo-muted">{own ? 'your room' : `hosted by ${room.hostUserId}`}</span>
      </a>
    </li>
  );
}
