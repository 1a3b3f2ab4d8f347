/**
 * Everyone but the host: watches the room (host and live co-hosts playing), sees the invitation
 * banner when invited to THIS room, and after accepting goes backstage (preview, "Join live") and
 * on stage (own tile, mic/camera, "Leave stage"). Removed by the host, released after losing the
 * connection, or leaving: back to watching with a notice.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  Backstage, CoHostStage, InvitationBanner, LeaveStageButton, LiveBadge, ReconnectingOverlay, ViewerCount,
  useMediaSessionState, useParticipants,
} from '@cohost/uikit';
import type { MediaSession, Preview, Room, StageMember } from '@cohost/sdk';
import type { Session } from '../auth.js';
import { useRoomInvitation } from '../invitation.js';
import { errorText, useLive, useMediaSession, useOwned, usePreviewToggles, useTopic, type RealtimeEvent } from '../live.js';
import { EngagementPanel, RoomReactions, RoomShelf } from './Engagement.js';
import { MediaToggles } from './MediaToggles.js';
import { Notices, useNotices } from './Notices.js';

type Phase = 'viewer' | 'backstage' | 'onstage';

const REWATCH_DELAY_MS = 2000;
const STAGE_LEFT_FALLBACK_MS = 1500;

const LEFT_NOTICE: Record<string, string> = {
  removed: 'The host removed you from the stage. You are watching as a viewer.',
  connection_lost: 'Your connection was lost for too long; you left the stage and are watching as a viewer.',
  backstage_timeout: 'You stayed backstage too long; you are watching as a viewer.',
  left: 'You left the stage and are watching as a viewer.',
};

export function ViewerView({ session, room, recheck }: { session: Session; room: Room; recheck(): void }) {
  const { client, me } = session;
  const roomId = room.roomId;
  const [phase, setPhase] = useState<Phase>('viewer');
  const [watchGen, setWatchGen] = useState(0);
  const { notices, push } = useNotices(8000);
  const stage: StageMember[] | undefined = useLive(() => client.observeStage(roomId), [client, roomId]);
  const viewerCount = useLive(() => client.observeViewerCount(roomId), [client, roomId]);
  const [invitation, clearInvitation] = useRoomInvitation(client, me.userId, roomId);

  // Watching (subscribe-only media) while a viewer or backstage; the stage session replaces it.
  const watch = useMediaSession(() => client.watch(roomId), phase !== 'onstage', watchGen);
  const watchState = useMediaSessionState(watch.session);
  const watchParticipants = useParticipants(watch.session);
  useEffect(() => {
    if (watchState !== 'disconnected' || !watch.session) return undefined;
    if (watch.session.disconnectReason === 'ROOM_DELETED') {
      recheck();
      return undefined;
    }
    // Dropped for another reason (livekit gave up reconnecting): watch again after a pause.
    const timer = setTimeout(() => setWatchGen((g) => g + 1), REWATCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [watchState, watch.session, recheck]);

  // Backstage and stage: the preview, then the co-host's own media session.
  const [preview, setPreview] = useState<Preview | null>(null);
  const toggles = usePreviewToggles(preview);
  const [stageSession, setStageSession] = useState<MediaSession | null>(null);
  const [backstageError, setBackstageError] = useState<string | null>(null);
  const [previewGen, setPreviewGen] = useState(0);
  const ownedPreview = useOwned<Preview>((p) => p.stop());
  const ownedStage = useOwned<MediaSession>((s) => void s.leave());
  const stageState = useMediaSessionState(stageSession);
  const stageParticipants = useParticipants(stageSession);

  /** Back to watching; `why` (a stage.left reason or a text) becomes a notice. */
  const leaving = useRef(false);
  const backToViewer = useCallback(
    (why: string | null) => {
      ownedStage.set(null);
      setStageSession(null);
      ownedPreview.set(null);
      setPreview(null);
      setBackstageError(null);
      setPhase('viewer');
      if (why) push(LEFT_NOTICE[why] ?? why, why);
    },
    [ownedStage, ownedPreview, push],
  );

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
      },
      (err: unknown) => {
        if (!cancelled) setBackstageError(`Camera or microphone unavailable: ${errorText(err)}`);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [client, phase, ownedPreview, previewGen]);

  // Leaving the stage not by our own hand: the server's stage.left for me says why.
  const seenOnStage = useRef(false);
  const meOnStage = stage?.some((m) => m.userId === me.userId) ?? false;
  useEffect(() => {
    if (phase === 'viewer') {
      seenOnStage.current = false;
      return undefined;
    }
    if (meOnStage) {
      seenOnStage.current = true;
      return undefined;
    }
    if (!seenOnStage.current || leaving.current) return undefined;
    // Gone from the stage list: the stage.left event (with its reason) normally comes with it; this
    // is the fallback when only a refetch told us.
    const timer = setTimeout(() => {
      if (!leaving.current) backToViewer('You are no longer on stage.');
    }, STAGE_LEFT_FALLBACK_MS);
    return () => clearTimeout(timer);
  }, [phase, meOnStage, backToViewer]);
  useTopic(client, `room:${roomId}`, (e: RealtimeEvent) => {
    if (e.type !== 'stage.left') return;
    const m = e.data as { userId?: string; reason?: string } | undefined;
    if (m?.userId !== me.userId || phase === 'viewer' || leaving.current) return;
    backToViewer(m.reason ?? 'left');
  });
  useEffect(() => {
    if (phase !== 'onstage' || stageState !== 'disconnected' || !stageSession) return;
    const reason = stageSession.disconnectReason;
    if (reason === 'ROOM_DELETED') {
      recheck();
      return;
    }
    if (!leaving.current) backToViewer(reason === 'PARTICIPANT_REMOVED' ? 'removed' : 'You were disconnected from the stage.');
  }, [phase, stageState, stageSession, backToViewer, recheck]);

  const accept = async (inv: { invitationId: string }) => {
    await client.acceptInvitation(inv.invitationId);
    clearInvitation();
    seenOnStage.current = false;
    toggles.reset();
    setPhase('backstage');
  };
  const decline = async (inv: { invitationId: string }) => {
    await client.rejectInvitation(inv.invitationId);
  };

  const joinLive = async () => {
    setBackstageError(null);
    try {
      const s = await client.joinStage(roomId, { preview: ownedPreview.current ?? undefined });
      ownedStage.set(s);
      setStageSession(s);
      setPhase('onstage');
    } catch (err) {
      setBackstageError(`Cannot join as co-host: ${errorText(err)}`);
      // The failed session took the preview's tracks (and stopped them): open the camera again.
      ownedPreview.set(null);
      setPreview(null);
      setPreviewGen((g) => g + 1);
    }
  };

  const leaveStage = async () => {
    leaving.current = true;
    try {
      await client.leaveStage(roomId);
      backToViewer('left');
    } finally {
      leaving.current = false;
    }
  };

  if (phase === 'backstage') {
    return (
      <section className="demo-room demo-room--backstage" data-testid="cohost-backstage">
        <Backstage
          preview={preview}
          {...toggles.props}
          onJoin={joinLive}
          onCancel={() => void leaveStage().catch((err: unknown) => setBackstageError(errorText(err)))}
          joining={!preview}
          error={backstageError}
          roomTitle={room.title}
          title="Preparing to go live…"
          joinLabel="Join live"
          cancelLabel="Leave backstage"
        />
        <Notices notices={notices} />
      </section>
    );
  }

  const onStage = phase === 'onstage';
  // Viewers see who is on air (not co-hosts still backstage); a co-host on stage sees the same plus itself.
  const members = (stage ?? []).filter((m) => m.state !== 'backstage' || (onStage && m.userId === me.userId));
  return (
    <section className={`demo-room ${onStage ? 'demo-room--cohost' : 'demo-room--viewer'}`} data-testid={onStage ? 'cohost-live' : 'viewer'}>
      <div className="demo-room__main">
        <div className="demo-room__bar">
          <LiveBadge status={room.status} />
          <h1 className="demo-room__title">{room.title}</h1>
          <ViewerCount count={viewerCount} />
        </div>
        <div className="demo-stage-wrap">
          <CoHostStage
            members={members}
            participants={onStage ? stageParticipants : watchParticipants}
            localUserId={me.userId}
          />
          <ReconnectingOverlay state={onStage ? stageState : watchState} />
          {room.status === 'idle' && <p className="demo-stage-note">The host is not live yet.</p>}
          {room.status === 'reconnecting' && <p className="demo-stage-note">The host is reconnecting…</p>}
        </div>
        <RoomReactions client={client} roomId={roomId} />
        <RoomShelf client={client} roomId={roomId} />
        <Notices notices={notices} />
        {watch.error && !onStage && <p className="demo-error" role="alert">Cannot watch: {watch.error}</p>}
        {onStage && (
          <div className="demo-controls">
            <MediaToggles session={stageSession} />
            <LeaveStageButton onLeave={leaveStage} />
          </div>
        )}
      </div>
      <EngagementPanel session={session} room={room} stage={stage ?? []} />
      {!onStage && invitation && (
        <div className="demo-banner-slot">
          <InvitationBanner
            key={invitation.invitationId}
            invitation={invitation}
            onAccept={accept}
            onDecline={decline}
            onClosed={clearInvitation}
          />
        </div>
      )}
    </section>
  );
}
