/**
 * Helpers of the engagement components: error text for the engagement error codes, price
 * formatting, chat permissions by role (product §1, §10 "Moderation"), and text length.
 */
import type { ChatMessageLike, ChatRole, ModerationAction, ModerationLike, StageRoleLike } from './engagement_types.js';
import type { ErrorLike } from './types.js';
import { errorMessage } from './util.js';

const ENGAGEMENT_TEXT: Record<string, string> = {
  muted: 'You are muted in this chat.',
  banned: 'You are banned from this room.',
  slow_mode: 'Slow mode is on: wait a moment before sending again.',
  too_many_products: 'A room can have at most 20 products.',
  forbidden: 'You are not allowed to do this.',
  not_found: 'It no longer exists.',
  payload_too_large: 'That is too long.',
};

/** Human text for an engagement error: specific codes first, then errorMessage(). */
export function engagementErrorMessage(err: unknown, fallback: string): string {
  if (err && typeof err === 'object') {
    const e = err as ErrorLike;
    const details = (e.details && typeof e.details === 'object' ? e.details : {}) as Record<string, unknown>;
    if (e.code === 'too_many_products' && typeof details.max === 'number') return `A room can have at most ${details.max} products.`;
    if (e.code === 'invalid_argument' && typeof details.productId === 'string') return 'That product is no longer available.';
    if (e.code && ENGAGEMENT_TEXT[e.code]) return ENGAGEMENT_TEXT[e.code]!;
  }
  return errorMessage(err, fallback);
}

/** The `details` object of an error, or {}. */
export function errorDetails(err: unknown): Record<string, unknown> {
  const d = err && typeof err === 'object' ? (err as ErrorLike).details : undefined;
  return d && typeof d === 'object' ? (d as Record<string, unknown>) : {};
}

/** The code of an error, or undefined. */
export function errorCode(err: unknown): string | undefined {
  const c = err && typeof err === 'object' ? (err as ErrorLike).code : undefined;
  return typeof c === 'string' ? c : undefined;
}

/**
 * A price with its currency through Intl.NumberFormat ("12.50" EUR → "€12.50" in en-US); the raw
 * "12.50 EUR" when the currency is unknown to Intl.
 */
export function formatPrice(price: string, currency: string, locale?: string): string {
  try {
    const fmt = new Intl.NumberFormat(locale, { style: 'currency', currency });
    // A decimal string is formatted exactly by engines with Intl.NumberFormat v3 (no float rounding).
    return fmt.format(price as unknown as number);
  } catch {
    return `${price} ${currency}`;
  }
}

/** Characters (code points) of a message after trimming, as the server counts them. */
export function messageLength(text: string): number {
  return Array.from(text.trim()).length;
}

/** `m:ss` of a number of seconds (negative → 0:00). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The current role of `userId`: from the stage when given, else `fallback`. */
export function currentRole(userId: string, stage: readonly StageRoleLike[] | undefined, fallback: ChatRole): ChatRole {
  if (!stage) return fallback;
  return stage.find((m) => m.userId === userId)?.role ?? 'viewer';
}

/** What the user `me` may do with `message` (mirrors the server's rules; the server decides). */
export interface MessagePermissions {
  delete: boolean;
  /** Moderation actions on the author, in menu order. */
  moderate: ModerationAction[];
}

/**
 * Delete: the author, the host, a co-host for a viewer's message (a viewer when written and still
 * one now). Moderation: the host on anyone but itself (mute/unmute, ban/unban), a co-host on
 * viewers only (mute/unmute). With a known state only the useful action shows (Unmute for a muted
 * user); with none, both Mute and Unmute do.
 */
export function messagePermissions(
  me: { userId: string; role: ChatRole } | null,
  message: ChatMessageLike,
  stage: readonly StageRoleLike[] | undefined,
  state: ModerationLike | undefined,
  now: number,
): MessagePermissions {
  if (!me) return { delete: false, moderate: [] };
  const author = message.author;
  const mine = author.userId === me.userId;
  const authorNow = currentRole(author.userId, stage, author.role);
  const authorIsViewer = author.role === 'viewer' && authorNow === 'viewer';
  const del = mine || me.role === 'host' || (me.role === 'cohost' && authorIsViewer);
  const moderate: ModerationAction[] = [];
  const target = !mine && (me.role === 'host' ? authorNow !== 'host' : me.role === 'cohost' && authorNow === 'viewer');
  if (target) {
    const muted = state ? state.muted && (!state.mutedUntil || Date.parse(state.mutedUntil) > now) : undefined;
    if (muted !== true) moderate.push('mute');
    if (muted !== false) moderate.push('unmute');
    if (me.role === 'host') {
      const banned = state ? state.banned && (!state.bannedUntil || Date.parse(state.bannedUntil) > now) : false;
      moderate.push(banned ? 'unban' : 'ban');
    }
  }
  return { delete: del, moderate };
}

/**
 * Wraps an action so a failure is rethrown as an Error whose message is the engagement text
 * (for useKeyedActions / useAsyncAction, which show `message`).
 */
export function withEngagementText(fn: () => unknown, fallback: string): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } catch (err) {
      throw new Error(engagementErrorMessage(err, fallback));
    }
  };
}
