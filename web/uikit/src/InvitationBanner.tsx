/**
 * The invitee's prompt (product §3, §9; reference §5.3): host name and room title, Accept / Decline,
 * a countdown to `expiresAt`. It closes itself when the invitation stops being pending (the parent
 * passes the current invitation or null), showing a short note while it closes.
 */
import { useEffect, useRef, useState } from 'react';
import { Avatar } from './Avatar.js';
import { useLatest, useMounted, useNow } from './hooks.js';
import type { InvitationLike } from './types.js';
import { errorMessage, isPromise } from './util.js';

export interface InvitationBannerProps {
  /** The current invitation; null or a non-pending status closes the banner. */
  invitation: InvitationLike | null;
  onAccept(invitation: InvitationLike): Promise<unknown> | void;
  onDecline(invitation: InvitationLike): Promise<unknown> | void;
  /** Called once the closing note has been shown and the banner is gone. */
  onClosed?(): void;
  /** How long the "Invitation cancelled/expired" note stays, in ms (default 2500). */
  closingNoteMs?: number;
}

/** Why a banner is closing; `unavailable` when the invitation vanished without a known status. */
export type BannerCloseReason = 'cancelled' | 'expired' | 'rejected' | 'approved' | 'unavailable';

const NOTE: Record<BannerCloseReason, string> = {
  cancelled: 'Invitation cancelled',
  expired: 'Invitation expired',
  rejected: 'Invitation declined',
  approved: 'Invitation accepted',
  unavailable: 'Invitation no longer available',
};

function isLive(inv: InvitationLike | null, now: number): inv is InvitationLike {
  if (!inv || inv.status !== 'pending') return false;
  const exp = Date.parse(inv.expiresAt);
  return Number.isNaN(exp) || exp > now;
}

export function InvitationBanner({ invitation, onAccept, onDecline, onClosed, closingNoteMs = 2500 }: InvitationBannerProps) {
  const mounted = useMounted();
  const onClosedRef = useLatest(onClosed);
  const [shown, setShown] = useState<InvitationLike | null>(() => (isLive(invitation, Date.now()) ? invitation : null));
  const [closing, setClosing] = useState<BannerCloseReason | null>(null);
  const [busy, setBusy] = useState<'accept' | 'decline' | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Invitations answered through this banner: they close silently and never reopen. */
  const answered = useRef(new Set<string>());
  /** The invitation whose Accept / Decline is in flight here (its own event may beat the reply). */
  const answering = useRef<string | null>(null);
  // Ticks once a second while open; the render reads Date.now() so a stale tick never shows.
  useNow(1000, shown !== null && closing === null);

  // Follow the parent's invitation.
  useEffect(() => {
    const t = Date.now();
    if (isLive(invitation, t) && !answered.current.has(invitation.invitationId)) {
      if (!shown || shown.invitationId !== invitation.invitationId) {
        setError(null);
        setBusy(null);
      }
      setShown(invitation);
      setClosing(null);
      return;
    }
    if (!shown || closing) return;
    const same = !!invitation && invitation.invitationId === shown.invitationId;
    const answeredHere =
      answered.current.has(shown.invitationId) ||
      (same && answering.current === shown.invitationId && (invitation.status === 'approved' || invitation.status === 'rejected'));
    if (answeredHere) {
      setShown(null);
      return;
    }
    let reason: BannerCloseReason = 'unavailable';
    if (same) reason = invitation.status === 'pending' ? 'expired' : invitation.status;
    setClosing(reason);
    // `shown` and `closing` are read, not followed: only a new invitation prop re-runs this.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [invitation]);

  // The countdown ran out before the server said so.
  const expMs = shown ? Date.parse(shown.expiresAt) : NaN;
  const remaining = Number.isNaN(expMs) ? null : Math.max(0, Math.ceil((expMs - Date.now()) / 1000));
  useEffect(() => {
    if (shown && !closing && remaining === 0) setClosing('expired');
  }, [shown, closing, remaining]);

  // Show the note, then go away.
  useEffect(() => {
    if (!closing) return undefined;
    const timer = setTimeout(() => {
      setShown(null);
      setClosing(null);
      onClosedRef.current?.();
    }, closingNoteMs);
    return () => clearTimeout(timer);
  }, [closing, closingNoteMs, onClosedRef]);

  if (!shown) return null;

  const answer = async (kind: 'accept' | 'decline') => {
    const inv = shown;
    setError(null);
    setBusy(kind);
    answering.current = inv.invitationId;
    try {
      const r = kind === 'accept' ? onAccept(inv) : onDecline(inv);
      if (isPromise(r)) await r;
      answered.current.add(inv.invitationId);
      if (mounted.current) {
        setShown((s) => (s && s.invitationId === inv.invitationId ? null : s));
        setClosing(null);
      }
    } catch (err) {
      if (mounted.current) setError(errorMessage(err, kind === 'accept' ? 'Could not accept the invitation.' : 'Could not decline the invitation.'));
    } finally {
      answering.current = null;
      if (mounted.current) setBusy(null);
    }
  };

  const hostName = shown.inviter?.displayName ?? 'The host';
  const state = closing ? 'closing' : 'open';
  return (
    <section
      className={`cohost-banner cohost-banner--${state}`}
      data-testid="invitation-banner"
      data-invitation-id={shown.invitationId}
      data-state={state}
      aria-live="polite"
      aria-label="Co-host invitation"
    >
      {closing ? (
        <p className="cohost-banner__note" role="status" data-testid="invitation-note" data-reason={closing}>
          {NOTE[closing]}
        </p>
      ) : (
        <>
          <div className="cohost-banner__body">
            <Avatar name={hostName} url={shown.inviter?.avatarUrl} />
            <div className="cohost-banner__text">
              <p className="cohost-banner__title">
                <strong>{hostName}</strong> invited you to co-host
              </p>
              <p className="cohost-banner__room">{shown.roomTitle}</p>
              <p className="cohost-banner__hint">You'll enter the backstage to get ready first.</p>
            </div>
            {remaining !== null && (
              <span
                className="cohost-banner__countdown"
                data-testid="invitation-countdown"
                data-seconds={remaining}
                aria-label={`Expires in ${remaining} seconds`}
              >
                {formatSeconds(remaining)}
              </span>
            )}
          </div>
          {error && (
            <p className="cohost-error" role="alert" data-testid="invitation-error">
              {error}
            </p>
          )}
          <div className="cohost-banner__actions">
            <button
              type="button"
              className="cohost-button"
              data-testid="invitation-decline"
              disabled={busy !== null}
              aria-busy={busy === 'decline' || undefined}
              onClick={() => void answer('decline')}
            >
              {busy === 'decline' ? 'Declining…' : 'Decline'}
            </button>
            <button
              type="button"
              className="cohost-button cohost-button--primary"
              data-testid="invitation-accept"
              disabled={busy !== null}
              aria-busy={busy === 'accept' || undefined}
              onClick={() => void answer('accept')}
            >
              {busy === 'accept' ? 'Joining…' : 'Accept'}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

/** 75 → "1:15"; 9 → "0:09". */
export function formatSeconds(total: number): string {
  const s = Math.max(0, Math.floor(total));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
