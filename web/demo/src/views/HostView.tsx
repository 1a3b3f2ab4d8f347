/**
 * The host's room: the backstage preview with "Go live" and a 3-2-1 countdown, then the live view
 * (co-host stage with remove buttons, LIVE badge, viewer count, mic/camera, the invite panel,
 * "End stream"). Reloading the page while live comes back to the backstage to resume.
 */
import { useCallback, useEffect, useState } from 'react';
import {
  Backstage, CoHostStage, Countdown, LiveBadge, ReconnectingOverlay, ViewerCount, useMediaSessionState, useParticipants,
} from '@cohost/uikit';
import type { Invitation, MediaSession, Preview, Room, StageMember } from '@cohost/sdk';
import type { Session } from '../auth.js';
import { errorText, useLive, useOwned, usePreviewToggles, useTopic, type RealtimeEvent } from '../live.js';
import { EngagementPanel, RoomReactions, StagePermissions } from './Engagement.js';
import { InvitePanel } from './InvitePanel.js';
import { MediaToggles } from './MediaToggles.js';
import { navigate } from '../router.js';
import { Notices, useNotices } from './Notices.js';

type Phase = 'backstage' | 'countdown' | 'starting' | 'live';

export interface HostViewProps {
  session: Session;
  room: Room;
  /** The room as an action answered it (the stop answer: `ended`). */
  onRoom(room: Room): void;
  /** Re-read the room (after the media server closed our session). */
  recheck(): void;
}

export function HostView({ session, room, onRoom, recheck }: HostViewProps) {
  const { client, me } = session;
  const roomId = room.roomId;
  const [phase, setPhase] = useState<Phase>('backstage');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewGen, setPreviewGen] = useState(0);
  const [broadcast, setBroadcast] = useState<MediaSession | null>(null);
  const toggles = usePreviewToggles(preview);
  const [error, setError] = useState<string | null>(null);
  const ownedPreview = useOwned<Preview>((p) => p.stop());
  const ownedBroadcast = useOwned<MediaSession>((s) => void s.leave());
  const { notices, push } = useNotices();

  // Backstage: a local camera + mic preview (a new one each time we come back to the backstage).
  useEffect(() => {
    if (phase !== 'backstage' || ownedPreview.current) return undefined;
    let cancelled = false;
    client.media.createPreview().then(
      (p) => {
        if (cancelled) {
          p.stop();
          return;
        }
        ownedPreview.set(p);
        setPreview(p);
        void p.setCamera(toggles.props.cameraOn).catch(() => {});
        void p.setMicrophone(toggles.props.microphoneOn).catch(() => {});
      },
      (err: unknown) => {
        if (!cancelled) setError(`Camera or microphone unavailable: ${errorText(err)}`);
      },
    );
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, phase, previewGen]);

  const start = useCallback(async () => {
    setPhase('starting');
    try {
      const s = await client.goLive(roomId, { preview: ownedPreview.current ?? undefined });
      ownedBroadcast.set(s);
      setBroadcast(s);
      setPhase('live');
    } catch (err) {
      setError(`Could not go live: ${errorText(err)}`);
      // The failed session took the preview's tracks (and stopped them): open the camera again.
      ownedPreview.set(null);
      setPreview(null);
      setPreviewGen((g) => g + 1);
      setPhase('backstage');
    }
  }, [client, roomId, ownedPreview, ownedBroadcast]);

  // The broadcast closed under us: the room ended (room deleted) or we lost it for good.
  const mediaState = useMediaSessionState(broadcast);
  useEffect(() => {
    if (phase !== 'live' || mediaState !== 'disconnected' || !broadcast) return;
    const reason = broadcast.disconnectReason;
    ownedBroadcast.set(null);
    setBroadcast(null);
    ownedPreview.set(null);
    setPreview(null);
    if (reason === 'ROOM_DELETED') {
      recheck();
      return;
    }
    setError(`Your broadcast was disconnected${reason ? ` (${reason})` : ''}. Go live again to resume.`);
    setPhase('backstage');
    setPreviewGen((g) => g + 1);
  }, [phase, mediaState, broadcast, ownedBroadcast, ownedPreview, recheck]);

  if (phase !== 'live') {
    const resuming = room.status !== 'idle';
    return (
      <section className="demo-room demo-room--backstage" data-testid="host-backstage">
        <Backstage
          preview={preview}
          {...toggles.props}
          onJoin={() => {
            setError(null);
            setPhase('countdown');
          }}
          onCancel={() => navigate({ name: 'rooms' })}
          joining={phase !== 'backstage' || !preview}
          error={error}
          roomTitle={room.title}
          title={resuming ? 'Resume your broadcast' : 'Preparing to go live…'}
          joinLabel={phase === 'starting' ? 'Going live…' : 'Go live'}
          cancelLabel="Back to rooms"
        />
        {phase === 'countdown' && (
          <div className="demo-countdown-overlay">
            <Countdown from={3} onDone={() => void start()} />
          </div>
        )}
      </section>
    );
  }
  return (
    <HostLive
      session={session}
      room={room}
      broadcast={broadcast}
      mediaState={mediaState}
      onRoom={onRoom}
      notices={notices}
      push={push}
      meUserId={me.userId}
    />
  );
}

interface HostLiveProps {
  session: Session;
  room: Room;
  broadcast: MediaSession | null;
  mediaState: ReturnType<typeof useMediaSessionState>;
  onRoom(room: Room): void;
  notices: ReturnType<typeof useNotices>['notices'];
  push: ReturnType<typeof useNotices>['push'];
  meUserId: string;
}

function HostLive({ session, room, broadcast, mediaState, onRoom, notices, push, meUserId }: HostLiveProps) {
  const { client } = session;
  const roomId = room.roomId;
  const stage: StageMember[] = useLive(() => client.observeStage(roomId), [client, roomId]) ?? [];
  const invitations: Invitation[] = useLive(() => client.observeRoomInvitations(roomId), [client, roomId]) ?? [];
  const viewerCount = useLive(() => client.observeViewerCount(roomId), [client, roomId]);
  const participants = useParticipants(broadcast);
  const [inviteOpen, setInviteOpen] = useState(false);
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [ending, setEnding] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // What happens to co-hosts and invitations, as short notices.
  useTopic(client, `room:${roomId}`, (e: RealtimeEvent) => {
    const m = e.data as (StageMember & { reason?: string }) | undefined;
    if (!m || m.role !== 'cohost') return;
    if (e.type === 'stage.live') push(`${m.displayName} is live on stage`);
    else if (e.type === 'stage.reconnecting') push(`${m.displayName} lost their connection…`, 'warning');
    else if (e.type === 'stage.left') push(`${m.displayName} ${LEFT_TEXT[m.reason ?? ''] ?? 'left the stage'}`);
  });
  useTopic(client, `user:${meUserId}`, (e: RealtimeEvent) => {
    const inv = e.data as Invitation | undefined;
    if (!inv || inv.roomId !== roomId) return;
    const who = inv.invitee?.displayName ?? inv.inviteeUserId;
    if (e.type === 'invitation.accepted') push(`${who} accepted the invitation`);
    else if (e.type === 'invitation.rejected') push(`${who} declined the invitation`);
    else if (e.type === 'invitation.expired') push(`The invitation to ${who} expired`);
  });

  const remove = useCallback(
    (userId: string) => {
      setError(null);
      client.removeFromStage(roomId, userId).catch((err: unknown) => setError(errorText(err)));
    },
    [client, roomId],
  );

  const end = async () => {
    setEnding(true);
    setError(null);
    try {
      const ended = await client.stopRoom(roomId);
      onRoom(ended);
    } catch (err) {
      setError(errorText(err));
      setEnding(false);
    }
  };

  return (
    <section className={`demo-room demo-room--host${inviteOpen ? ' demo-room--with-panel' : ''}`} data-testid="host-live">
      <div className="demo-room__main">
        <div className="demo-room__bar">
          <LiveBadge status={room.status} />
          <h1 className="demo-room__title">{room.title}</h1>
          <ViewerCount count={viewerCount} />
        </div>
        <div className="demo-stage-wrap">
          <CoHostStage members={stage} participants={participants} localUserId={meUserId} canRemove onRemove={remove} />
          <ReconnectingOverlay state={mediaState} />
        </div>
        <RoomReactions client={client} roomId={roomId} />
        <StagePermissions client={client} roomId={roomId} stage={stage} />
        <Notices notices={notices} />
        {error && <p className="demo-error" role="alert" data-testid="host-error">{error}</p>}
        <div className="demo-controls">
          <MediaToggles session={broadcast} />
          <button
            type="button"
            className="demo-button"
            data-testid="open-invite"
            aria-expanded={inviteOpen}
            onClick={() => setInviteOpen((o) => !o)}
          >
            Invite co-host
          </button>
          {!confirmEnd ? (
            <button type="button" className="demo-button demo-button--danger" data-testid="end-stream" onClick={() => setConfirmEnd(true)}>
              End stream
            </button>
          ) : (
            <span className="demo-confirm" role="group" aria-label="Confirm ending the stream">
              <span>End the stream for everyone?</span>
              <button type="button" className="demo-button demo-button--danger" data-testid="end-stream-confirm" disabled={ending} onClick={() => void end()}>
                {ending ? 'Ending…' : 'End now'}
              </button>
              <button type="button" className="demo-button" data-testid="end-stream-keep" disabled={ending} onClick={() => setConfirmEnd(false)}>
                Keep streaming
              </button>
            </span>
          )}
        </div>
      </div>
      <EngagementPanel session={session} room={room} stage={stage} />
      {inviteOpen && (
        <aside className="demo-room__panel" aria-label="Invite a co-host">
          <InvitePanel
            client={client}
            room={room}
            meUserId={meUserId}
            stage={stage}
            invitations={invitations}
            viewerCount={viewerCount}
            onClose={() => setInviteOpen(false)}
            onInvited={(inv) => push(`Invitation sent to ${inv.invitee?.displayName ?? inv.inviteeUserId}`)}
          />
        </aside>
      )}
    </section>
  );
}

const LEFT_TEXT: Record<string, string> = {
  left: 'left the stage',
  removed: 'was removed from the stage',
  connection_lost: 'lost their connection and left the stage',
  backstage_timeout: 'did not join in time and left the backstage',
};
