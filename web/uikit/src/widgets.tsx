/**
 * Small live widgets: LeaveStageButton, ReconnectingOverlay, ViewerCount, LiveBadge, Countdown.
 */
import { useEffect, useState } from 'react';
import { useLatest } from './hooks.js';
import { useAsyncAction } from './actions.js';
import type { MediaSessionState, RoomStatus } from './types.js';
import { cx } from './util.js';
import { EyeIcon } from './icons.js';

export interface LeaveStageButtonProps {
  /** Busy ("Leaving…") while the returned promise is pending; a rejection is shown. */
  onLeave(): Promise<unknown> | void;
  /** Default "Leave stage". */
  label?: string;
  disabled?: boolean;
}

/** Leaves the stage (disconnects media, keeps watching). */
export function LeaveStageButton({ onLeave, label = 'Leave stage', disabled = false }: LeaveStageButtonProps) {
  const { busy, error, run } = useAsyncAction();
  const leave = () => run(onLeave, 'Could not leave the stage.');
  return (
    <span className="cohost-leave">
      <button
        type="button"
        className="cohost-button cohost-button--danger"
        data-testid="leave-stage"
        data-busy={String(busy)}
        disabled={disabled || busy}
        aria-busy={busy || undefined}
        onClick={() => void leave()}
      >
        {busy ? 'Leaving…' : label}
      </button>
      {error && (
        <span className="cohost-error" role="alert" data-testid="leave-stage-error">
          {error}
        </span>
      )}
    </span>
  );
}

export interface ReconnectingOverlayProps {
  /** Renders only when 'reconnecting'. */
  state: MediaSessionState | null | undefined;
  /** Default "Reconnecting… the stream resumes automatically". */
  message?: string;
}

/** Covers its positioned parent while the media session is reconnecting. */
export function ReconnectingOverlay({ state, message = 'Reconnecting… the stream resumes automatically' }: ReconnectingOverlayProps) {
  if (state !== 'reconnecting') return null;
  return (
    <div className="cohost-overlay" data-testid="reconnecting-overlay" role="status" aria-live="polite">
      <span className="cohost-spinner" aria-hidden="true" />
      <p className="cohost-overlay__text">{message}</p>
    </div>
  );
}

export interface ViewerCountProps {
  /** "— watching" while unknown. */
  count: number | null | undefined;
}

/** Compact count: 999, 1.2K, 3.4M. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(Math.floor(n / 100) / 10).toString()}K`;
  return `${(Math.floor(n / 100_000) / 10).toString()}M`;
}

export function ViewerCount({ count }: ViewerCountProps) {
  const known = typeof count === 'number' && Number.isFinite(count) && count >= 0;
  const n = known ? Math.floor(count) : null;
  return (
    <span
      className="cohost-viewers"
      data-testid="viewer-count"
      data-count={n ?? ''}
      aria-label={n === null ? 'Viewer count unknown' : `${n} ${n === 1 ? 'viewer' : 'viewers'}`}
    >
      <EyeIcon />
      <span aria-hidden="true">{n === null ? '—' : formatCount(n)} watching</span>
    </span>
  );
}

export interface LiveBadgeProps {
  /** Default 'live'; 'idle' renders nothing. */
  status?: RoomStatus;
}

const BADGE_TEXT: Record<Exclude<RoomStatus, 'idle'>, string> = { live: 'LIVE', reconnecting: 'Reconnecting', ended: 'Ended' };

/** Pulsing LIVE badge (or Reconnecting / Ended). */
export function LiveBadge({ status = 'live' }: LiveBadgeProps) {
  if (status === 'idle') return null;
  return (
    <span className={cx('cohost-live-badge', `cohost-live-badge--${status}`)} data-testid="live-badge" data-status={status}>
      {BADGE_TEXT[status]}
    </span>
  );
}

export interface CountdownProps {
  /** Default 3. */
  from?: number;
  /** Default 1000. */
  intervalMs?: number;
  /** Called once, one interval after the last number. */
  onDone(): void;
}

/** 3-2-1 before going live, then onDone() once. */
export function Countdown({ from = 3, intervalMs = 1000, onDone }: CountdownProps) {
  const start = Math.max(1, Math.floor(from));
  const [value, setValue] = useState(start);
  const done = useLatest(onDone);
  useEffect(() => {
    if (value <= 0) return undefined;
    const timer = setTimeout(() => {
      if (value === 1) done.current();
      setValue(value - 1);
    }, intervalMs);
    return () => clearTimeout(timer);
  }, [value, intervalMs, done]);
  if (value <= 0) return null;
  return (
    <div className="cohost-countdown" data-testid="countdown" data-value={value} role="timer" aria-live="assertive" aria-label={`Going live in ${value}`}>
      <span key={value} className="cohost-countdown__number">
        {value}
      </span>
    </div>
  );
}
