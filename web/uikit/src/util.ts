/** Small helpers shared by the components (class names, initials, error text, media attach). */
import type { ErrorLike } from './types.js';

/** Joins truthy class names. */
export function cx(...names: Array<string | false | null | undefined>): string {
  return names.filter(Boolean).join(' ');
}

/** Up to two initials of a display name ("Ada Lovelace" → "AL"; "" → "?"). */
export function initials(name: string | null | undefined): string {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const chars = words.length === 1 ? Array.from(words[0]!).slice(0, 2) : [words[0]!, words[words.length - 1]!].map((w) => Array.from(w)[0]!);
  return chars.join('').toUpperCase();
}

const CODE_TEXT: Record<string, string> = {
  stage_full: 'The stage is full.',
  already_invited: 'This user already has a pending invitation.',
  already_on_stage: 'This user is already on stage.',
  user_not_found: 'This user does not exist.',
  cannot_invite_self: 'You cannot invite yourself.',
  room_ended: 'The room has ended.',
  invitation_not_pending: 'This invitation is no longer available.',
  not_host: 'Only the host can do this.',
  not_on_stage: 'You are not on stage.',
  rate_limited: 'Too many requests, try again in a moment.',
  unauthenticated: 'Your session has expired, log in again.',
};

/** Human text for an error: a known CohostError code first, then its message, then a fallback. */
export function errorMessage(err: unknown, fallback = 'Something went wrong.'): string {
  if (err && typeof err === 'object') {
    const e = err as ErrorLike;
    if (e.code && CODE_TEXT[e.code]) return CODE_TEXT[e.code]!;
    if (typeof e.message === 'string' && e.message) return e.message;
  }
  if (typeof err === 'string' && err) return err;
  return fallback;
}

/**
 * Runs `attach(el)` and returns the matching detach: the function attach returned, else
 * `detach(el)` when given. Errors from a source are swallowed (a broken track must not crash a tile).
 */
export function attachWith<E>(
  attach: (el: E) => unknown,
  detach: ((el: E) => unknown) | undefined,
  el: E,
): () => void {
  let result: unknown;
  try {
    result = attach(el);
  } catch {
    return () => {};
  }
  return () => {
    try {
      if (typeof result === 'function') (result as () => unknown)();
      else if (detach) detach(el);
    } catch {
      /* detaching a gone track is harmless */
    }
  };
}

/** True when `v` looks like a promise. */
export function isPromise(v: unknown): v is Promise<unknown> {
  return !!v && typeof (v as { then?: unknown }).then === 'function';
}
