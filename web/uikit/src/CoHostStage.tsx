/**
 * The co-host stage (product §4, §9; reference §5.5): host + co-host tiles with role badges, names,
 * mic / camera indicators, a state badge, a remove button on co-host tiles for the host, at most
 * `maxVisible` tiles in the grid and the rest in a horizontally scrollable strip.
 */
import { AudioSink, VideoView } from './VideoView.js';
import { Avatar } from './Avatar.js';
import type { MediaParticipantLike, StageMemberLike, StageState } from './types.js';
import { cx } from './util.js';
import { CameraIcon, CloseIcon, MicIcon } from './icons.js';

export interface CoHostStageProps {
  /** Host first, then co-hosts (the host is moved first anyway). */
  members: StageMemberLike[];
  /** Matched to members by identity === userId. */
  participants?: MediaParticipantLike[];
  /** The viewer's own userId: its tile is mirrored and its audio never played. */
  localUserId?: string;
  /** Remove buttons on co-host tiles (the host's view). */
  canRemove?: boolean;
  onRemove?(userId: string): void;
  /** Tiles in the grid, default 4; the rest go to the strip. */
  maxVisible?: number;
  /** Attach remote participants' audio, default true. */
  playAudio?: boolean;
}

const STATE_TEXT: Partial<Record<StageState, string>> = {
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  backstage: 'Backstage',
};

/** Host first, the others in their given order. */
export function orderMembers(members: StageMemberLike[]): StageMemberLike[] {
  return [...members.filter((m) => m.role === 'host'), ...members.filter((m) => m.role !== 'host')];
}

export function CoHostStage({ members, participants = [], localUserId, canRemove = false, onRemove, maxVisible = 4, playAudio = true }: CoHostStageProps) {
  const ordered = orderMembers(members);
  const cap = Math.max(1, Math.floor(maxVisible));
  const visible = ordered.slice(0, cap);
  const overflow = ordered.slice(cap);
  const byIdentity = new Map(participants.map((p) => [p.identity, p]));

  const tile = (m: StageMemberLike, inStrip: boolean) => (
    <StageTile
      key={m.userId}
      member={m}
      participant={byIdentity.get(m.userId)}
      local={m.userId === localUserId}
      canRemove={canRemove && m.role === 'cohost' && m.userId !== localUserId}
      onRemove={onRemove}
      inStrip={inStrip}
      playAudio={playAudio}
    />
  );

  return (
    <section className="cohost-stage" data-testid="stage" data-count={ordered.length} aria-label="Stage">
      {ordered.length === 0 ? (
        <p className="cohost-stage__empty">Nobody is on stage.</p>
      ) : (
        <div className={cx('cohost-stage__grid', `cohost-stage__grid--n${visible.length}`)} data-testid="stage-grid">
          {visible.map((m) => tile(m, false))}
        </div>
      )}
      {overflow.length > 0 && (
        <div className="cohost-stage__strip" data-testid="stage-strip" role="list" aria-label={`${overflow.length} more on stage`} tabIndex={0}>
          {overflow.map((m) => tile(m, true))}
        </div>
      )}
    </section>
  );
}

interface StageTileProps {
  member: StageMemberLike;
  participant: MediaParticipantLike | undefined;
  local: boolean;
  canRemove: boolean;
  onRemove?(userId: string): void;
  inStrip: boolean;
  playAudio: boolean;
}

function StageTile({ member, participant, local, canRemove, onRemove, inStrip, playAudio }: StageTileProps) {
  const cameraOn = participant ? participant.cameraOn : member.camera === 'on';
  const micOn = participant ? participant.microphoneOn : member.microphone === 'on';
  const hasVideo = !!participant && participant.cameraOn;
  const isLocal = local || !!participant?.isLocal;
  const stateText = STATE_TEXT[member.state];
  const role = member.role === 'host' ? 'Host' : 'Co-host';

  return (
    <div
      className={cx('cohost-tile', inStrip && 'cohost-tile--strip', `cohost-tile--${member.state}`)}
      data-testid="stage-tile"
      data-user-id={member.userId}
      data-role={member.role}
      data-state={member.state}
      data-overflow={String(inStrip)}
      data-has-video={String(hasVideo)}
      role={inStrip ? 'listitem' : undefined}
      aria-label={`${member.displayName}, ${role}${stateText ? `, ${stateText}` : ''}`}
    >
      {hasVideo ? (
        <VideoView
          source={participant}
          mirror={isLocal}
          className="cohost-tile__video"
          testId="tile-video"
          label={`${member.displayName}'s camera`}
          attachKey={participant?.cameraOn}
        />
      ) : (
        <div className="cohost-tile__placeholder">
          <Avatar name={member.displayName} url={member.avatarUrl} size="lg" />
        </div>
      )}
      {participant && playAudio && !isLocal && participant.attachAudio && <AudioSink source={participant} />}

      <span className={cx('cohost-badge', member.role === 'host' ? 'cohost-badge--host' : 'cohost-badge--cohost')} data-testid="tile-role">
        {role}
      </span>
      {stateText && (
        <span className={cx('cohost-tile__state', `cohost-tile__state--${member.state}`)} data-testid="tile-state">
          {stateText}
        </span>
      )}
      <div className="cohost-tile__footer">
        <span className="cohost-tile__name">
          {member.displayName}
          {isLocal && <span className="cohost-tile__you"> (you)</span>}
        </span>
        <span className="cohost-tile__indicator" data-testid="tile-mic" data-on={String(micOn)} title={micOn ? 'Microphone on' : 'Microphone muted'}>
          <MicIcon off={!micOn} size={14} />
          <span className="cohost-sr-only">{micOn ? 'Microphone on' : 'Microphone muted'}</span>
        </span>
        <span className="cohost-tile__indicator" data-testid="tile-camera" data-on={String(cameraOn)} title={cameraOn ? 'Camera on' : 'Camera off'}>
          <CameraIcon off={!cameraOn} size={14} />
          <span className="cohost-sr-only">{cameraOn ? 'Camera on' : 'Camera off'}</span>
        </span>
      </div>
      {canRemove && onRemove && (
        <button
          type="button"
          className="cohost-tile__remove"
          data-testid="remove-cohost"
          data-user-id={member.userId}
          aria-label={`Remove ${member.displayName} from the stage`}
          onClick={() => onRemove(member.userId)}
        >
          <CloseIcon />
        </button>
      )}
    </div>
  );
}
