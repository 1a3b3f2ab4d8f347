/**
 * The host's slow-mode choice (product §7 "Slow mode", reference "slow mode during peaks"): a
 * select of intervals (Off, 5 s … 5 min; the server accepts 0–300 s) that calls `onChange` (the
 * SDK's setSlowMode), is disabled while the request runs, shows the chosen value until the room
 * (`seconds`, following `room.updated`) says it, and on a refusal goes back to the room's value
 * with the error shown. The server lets only the host (and the app backend) change it.
 */
import { useEffect, useId, useState } from 'react';
import { engagementErrorMessage } from './engagement_util.js';
import { useMounted } from './hooks.js';

export interface SlowModeControlProps {
  /** The room's `slowModeSeconds` now (observeRoom: it follows `room.updated`). */
  seconds: number;
  /** Sets it (`client.setSlowMode(roomId, seconds)`); a rejection is shown and the choice goes back. */
  onChange(seconds: number): Promise<unknown>;
  /** The choices in seconds, 0 = off (default 0, 5, 10, 30, 60, 120, 300); the current value is added when missing. */
  options?: readonly number[];
  disabled?: boolean;
  /** Default "Slow mode". */
  label?: string;
}

/** The choices of SlowModeControl when none are given (seconds; the server allows 0–300). */
export const DEFAULT_SLOW_MODE_OPTIONS: readonly number[] = [0, 5, 10, 30, 60, 120, 300];

/** "Off", "30 s", "2 min", "90 s": the text of a slow-mode interval. */
export function slowModeLabel(seconds: number): string {
  if (seconds <= 0) return 'Off';
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

export function SlowModeControl({ seconds, onChange, options = DEFAULT_SLOW_MODE_OPTIONS, disabled = false, label = 'Slow mode' }: SlowModeControlProps) {
  const id = useId();
  const mounted = useMounted();
  const [pending, setPending] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The room caught up (or someone else changed it): show the room's value again.
  useEffect(() => setPending(null), [seconds]);

  const shown = pending ?? seconds;
  const choices = [...new Set([...options, seconds, shown])].filter((n) => Number.isInteger(n) && n >= 0).sort((a, b) => a - b);

  const choose = async (next: number) => {
    if (busy || next === shown) return;
    setPending(next);
    setBusy(true);
    setError(null);
    try {
      await onChange(next);
    } catch (err) {
      if (!mounted.current) return;
      setPending(null);
      setError(engagementErrorMessage(err, 'Slow mode could not be changed.'));
    } finally {
      if (mounted.current) setBusy(false);
    }
  };

  return (
    <div className="cohost-slowmode" data-testid="slow-mode-control" data-seconds={shown}>
      <label className="cohost-slowmode__label" htmlFor={id}>
        {label}
      </label>
      <select
        id={id}
        className="cohost-input cohost-slowmode__select"
        data-testid="slow-mode-select"
        value={String(shown)}
        disabled={disabled || busy}
        aria-busy={busy || undefined}
        aria-describedby={`${id}-status`}
        onChange={(e) => void choose(Number(e.target.value))}
      >
        {choices.map((n) => (
          <option key={n} value={String(n)}>
            {slowModeLabel(n)}
          </option>
        ))}
      </select>
      <p id={`${id}-status`} className="cohost-slowmode__status" data-testid="slow-mode-status">
        {shown > 0 ? `Viewers can send one message every ${slowModeLabel(shown)}.` : 'Viewers can chat freely.'}
      </p>
      {error && (
        <p className="cohost-error" role="alert" data-testid="slow-mode-error">
          {error}
        </p>
      )}
    </div>
  );
}
