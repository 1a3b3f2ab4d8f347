/** The screen after a room ended, for host, co-hosts and viewers alike. */
import type { Room } from '@cohost/sdk';
import { hrefOf } from '../router.js';

const REASONS: Record<string, string> = {
  stopped: 'The host ended the stream.',
  host_lost: 'The host lost their connection and did not come back.',
  max_duration: 'The stream reached its maximum duration.',
  expired: 'The room was never used and expired.',
};

export function EndedView({ room, isHost }: { room: Room; isHost: boolean }) {
  const reason = isHost && room.endReason === 'stopped'
    ? 'You ended the stream.'
    : room.endReason ? REASONS[room.endReason] ?? room.endReason : null;
  return (
    <section className="demo-card demo-ended" data-testid="ended-screen" data-room-id={room.roomId} aria-labelledby="ended-title">
      <h1 id="ended-title">{isHost ? 'Your stream has ended' : 'This stream has ended'}</h1>
      <p className="demo-ended__title">{room.title}</p>
      {reason && <p className="demo-muted" data-testid="ended-reason" data-reason={room.endReason ?? ''}>{reason}</p>}
      <a className="demo-button demo-button--primary" href={hrefOf({ name: 'rooms' })} data-testid="back-to-rooms">
        Back to live rooms
      </a>
    </section>
  );
}
