/**
 * Live chat (product §7, §9): the message list (newest last; follows new messages unless the user
 * scrolled up, then offers a "New messages" jump), author names with Host / Co-host badges, a
 * composer (1–2,000 characters; disabled with the reason when muted, banned or the room ended; a
 * slow-mode wait from `429 slow_mode`), and a per-message menu with delete and moderation actions
 * shown by role (engagement_util.ts messagePermissions). Errors are shown inline. With
 * `onLoadEarlier`, a "Load earlier messages" control at the top of the list pages back through the
 * history while `hasEarlier`, disabled while loading, keeping what the user was reading in place.
 */
import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import { useKeyedActions } from './actions.js';
import { useMounted, useNow } from './hooks.js';
import type { ChatMessageLike, ChatRole, ModerationAction, ModerationLike, ModerationRequestLike, StageRoleLike } from './engagement_types.js';
import {
  clock, engagementErrorMessage, errorCode, errorDetails, messageLength, messagePermissions, withEngagementText,
} from './engagement_util.js';
import type { ErrorLike, RoomStatus } from './types.js';
import { cx } from './util.js';

export interface LiveChatProps {
  /** Oldest first (observeMessages). */
  messages: readonly ChatMessageLike[];
  /** The signed-in user and its role in the room now; null: read only. */
  me: { userId: string; role: ChatRole } | null;
  /** Sends a message; rejection → shown (`403 muted` / `banned` and `429 slow_mode` also disable the composer). */
  onSend(text: string): Promise<unknown>;
  /** Deletes a message (menu shown to its author, the host, co-hosts for viewers' messages). */
  onDelete?(message: ChatMessageLike): Promise<unknown>;
  /** Mute / unmute / ban / unban (menu shown to the host and co-hosts, per the role rules). */
  onModerate?(request: ModerationRequestLike): Promise<unknown>;
  /** Host + co-hosts now: decides who is still a viewer (a co-host moderates viewers only). */
  stage?: readonly StageRoleLike[];
  /** Moderation states known by userId (observeModeration): the composer and the menus use them. */
  moderation?: Readonly<Record<string, ModerationLike>>;
  /** 'ended' disables the composer. */
  roomStatus?: RoomStatus;
  /**
   * The room's slow mode (viewers only): a notice, and a wait after each message sent. A change
   * (`room.updated`) updates the notice, and moves a running wait by the difference (off ends it).
   */
  slowModeSeconds?: number;
  /** The server has messages older than the first of `messages` (the SDK handle's `hasEarlier`). */
  hasEarlier?: boolean;
  /**
   * Loads the previous page (the SDK handle's `loadEarlier()`), which the caller prepends to
   * `messages`. Shown as "Load earlier messages" at the top while `hasEarlier`; disabled while it
   * runs; a rejection is shown (`chat-earlier-error`). The message the user was reading stays put.
   */
  onLoadEarlier?(): Promise<unknown>;
  /** An error of the history (e.g. `403 banned`), shown in the list. */
  error?: ErrorLike | string | null;
  /** Default 2000 characters. */
  maxLength?: number;
  /** Mute duration of the menu's "Mute" (default 300 s = 5 min). */
  muteSeconds?: number;
  /** Default "Chat". */
  title?: string;
}

const BADGE: Record<ChatRole, string | null> = { host: 'Host', cohost: 'Co-host', viewer: null };
const ACTION_TEXT: Record<ModerationAction, (muteSeconds: number) => string> = {
  mute: (s) => (s % 60 === 0 ? `Mute ${s / 60} min` : `Mute ${s} s`),
  unmute: () => 'Unmute',
  ban: () => 'Ban from room',
  unban: () => 'Unban',
};

type Block = { kind: 'muted'; until: number } | { kind: 'banned' } | null;

export function LiveChat(props: LiveChatProps) {
  const {
    messages, me, onSend, onDelete, onModerate, stage, moderation, roomStatus, slowModeSeconds = 0, error,
    maxLength = 2000, muteSeconds = 300, hasEarlier = false, onLoadEarlier,
  } = props;
  const title = props.title ?? 'Chat';
  const headingId = useId();
  const mounted = useMounted();
  const actions = useKeyedActions();
  const [draft, setDraft] = useState('');
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<string | null>(null);
  const [block, setBlock] = useState<Block>(null);
  const [slowUntil, setSlowUntil] = useState(0);
  const [menuFor, setMenuFor] = useState<string | null>(null);
  const [unseen, setUnseen] = useState(false);
  const listRef = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  const [loadingEarlier, setLoadingEarlier] = useState(false);
  const [earlierError, setEarlierError] = useState<string | null>(null);
  /** Set by loadEarlier: the first message then, and the distance from the list's bottom to restore. */
  const restore = useRef<{ firstId: string; fromBottom: number } | null>(null);
  const slowBefore = useRef(slowModeSeconds);

  const mine = me ? moderation?.[me.userId] : undefined;
  // A newer moderation state of mine (e.g. an unmute event) replaces what a refused send taught us.
  useEffect(() => setBlock(null), [mine]);

  const mutedUntil = Math.max(
    block?.kind === 'muted' ? block.until : 0,
    mine?.muted ? (mine.mutedUntil ? Date.parse(mine.mutedUntil) : Infinity) : 0,
  );
  // Re-render every second while a wait runs, and a little past its end so `now` is seen past it.
  const wallClock = Date.now();
  const ticking = slowUntil + 2000 > wallClock || (Number.isFinite(mutedUntil) && mutedUntil + 2000 > wallClock);
  const now = useNow(1000, ticking);
  const banned = block?.kind === 'banned' || (!!mine?.banned && (!mine.bannedUntil || Date.parse(mine.bannedUntil) > now)) ||
    errorCode(error) === 'banned';
  const reason: { kind: string; text: string } | null = roomStatus === 'ended'
    ? { kind: 'ended', text: 'The room has ended: chat is closed.' }
    : banned
      ? { kind: 'banned', text: 'You are banned from this room.' }
      : mutedUntil > now
        ? { kind: 'muted', text: mutedUntil === Infinity ? 'You are muted.' : `You are muted for ${clock((mutedUntil - now) / 1000)}.` }
        : !me
          ? { kind: 'signed-out', text: 'Sign in to chat.' }
          : null;
  const slowWait = Math.max(0, Math.ceil((slowUntil - now) / 1000));
  const slowOn = slowModeSeconds > 0 && me?.role === 'viewer';
  const length = messageLength(draft);
  const tooLong = length > maxLength;
  const canSend = !reason && !sending && slowWait === 0 && length > 0 && !tooLong;

  // The interval changed: a running wait ends with slow mode off, else moves by the difference
  // (the server measures from the last accepted post with the interval in force).
  useEffect(() => {
    const before = slowBefore.current;
    slowBefore.current = slowModeSeconds;
    if (before === slowModeSeconds) return;
    setSlowUntil((until) => (slowModeSeconds <= 0 ? 0 : before > 0 && until > 0 ? until + (slowModeSeconds - before) * 1000 : until));
  }, [slowModeSeconds]);

  // Older messages came in above: keep the one the user was reading where it was.
  const first = messages.length ? messages[0]!.messageId : '';
  useLayoutEffect(() => {
    const saved = restore.current;
    const el = listRef.current;
    if (!saved || !el) return;
    restore.current = null;
    if (messages.findIndex((m) => m.messageId === saved.firstId) <= 0) return; // not a prepend (a deletion, a refetch)
    el.scrollTop = el.scrollHeight - saved.fromBottom;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight <= 24;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [first]);

  const loadEarlier = async () => {
    if (!onLoadEarlier || loadingEarlier) return;
    const el = listRef.current;
    restore.current = first && el ? { firstId: first, fromBottom: el.scrollHeight - el.scrollTop } : null;
    setLoadingEarlier(true);
    setEarlierError(null);
    try {
      await onLoadEarlier();
    } catch (err) {
      if (mounted.current) setEarlierError(engagementErrorMessage(err, 'Earlier messages could not be loaded.'));
    } finally {
      if (mounted.current) setLoadingEarlier(false);
    }
  };

  // Follow new messages while at the bottom; otherwise offer the jump.
  const last = messages.length ? messages[messages.length - 1]!.messageId : '';
  useLayoutEffect(() => {
    const el = listRef.current;
    if (!el) return;
    if (stick.current) {
      el.scrollTop = el.scrollHeight;
      setUnseen(false);
    } else if (last) {
      setUnseen(true);
    }
  }, [last]);
  const onScroll = () => {
    const el = listRef.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight <= 24;
    if (stick.current) setUnseen(false);
  };
  const jump = () => {
    const el = listRef.current;
    stick.current = true;
    setUnseen(false);
    if (el) el.scrollTop = el.scrollHeight;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!canSend) return;
    const text = draft.trim();
    setSending(true);
    setSendError(null);
    try {
      await onSend(text);
      if (!mounted.current) return;
      setDraft('');
      stick.current = true;
      if (slowOn) setSlowUntil(Date.now() + slowModeSeconds * 1000);
    } catch (err) {
      if (!mounted.current) return;
      const code = errorCode(err);
      const details = errorDetails(err);
      if (code === 'slow_mode' && typeof details.retryAfterSeconds === 'number') {
        setSlowUntil(Date.now() + details.retryAfterSeconds * 1000);
      } else if (code === 'muted') {
        const until = typeof details.until === 'string' ? Date.parse(details.until) : NaN;
        setBlock({ kind: 'muted', until: Number.isFinite(until) ? until : Infinity });
      } else if (code === 'banned') {
        setBlock({ kind: 'banned' });
      } else {
        setSendError(engagementErrorMessage(err, 'The message could not be sent.'));
      }
    } finally {
      if (mounted.current) setSending(false);
    }
  };

  const act = (key: string, fn: () => Promise<unknown>, fallback: string) => {
    setMenuFor(null);
    setSendError(null);
    void actions.run(key, withEngagementText(fn, fallback), fallback);
  };

  const shownError = sendError ?? actions.error;
  const historyError = error ? (typeof error === 'string' ? error : engagementErrorMessage(error, 'The chat could not be loaded.')) : null;

  return (
    <section className="cohost-chat" data-testid="live-chat" aria-labelledby={headingId}>
      <h2 id={headingId} className="cohost-chat__title">
        {title}
      </h2>
      <div className="cohost-chat__body">
        <ol className="cohost-chat__list" ref={listRef} onScroll={onScroll} data-testid="chat-list" aria-live="polite" aria-relevant="additions">
          {onLoadEarlier && hasEarlier && (
            <li className="cohost-chat__earlier">
              <button
                type="button"
                className="cohost-chat__earlier-button"
                data-testid="chat-load-earlier"
                disabled={loadingEarlier}
                aria-busy={loadingEarlier || undefined}
                onClick={() => void loadEarlier()}
              >
                {loadingEarlier ? 'Loading earlier messages…' : 'Load earlier messages'}
              </button>
            </li>
          )}
          {earlierError && (
            <li className="cohost-error" role="alert" data-testid="chat-earlier-error">
              {earlierError}
            </li>
          )}
          {messages.length === 0 && !historyError && <li className="cohost-chat__empty">No messages yet. Say hello!</li>}
          {historyError && (
            <li className="cohost-error" role="alert" data-testid="chat-history-error">
              {historyError}
            </li>
          )}
          {messages.map((m) => {
            const perms = messagePermissions(me, m, stage, moderation?.[m.author.userId], now);
            const hasMenu = (perms.delete && !!onDelete) || (perms.moderate.length > 0 && !!onModerate);
            const badge = BADGE[m.author.role];
            const open = menuFor === m.messageId;
            const busy = actions.busy.has(`d:${m.messageId}`);
            return (
              <li
                key={m.messageId}
                className={cx('cohost-chat__message', busy && 'cohost-chat__message--busy')}
                data-testid="chat-message"
                data-message-id={m.messageId}
                data-user-id={m.author.userId}
                data-role={m.author.role}
              >
                <span className="cohost-chat__author" data-testid="chat-author">
                  {m.author.displayName}
                </span>
                {badge && (
                  <span className={cx('cohost-chat__badge', `cohost-chat__badge--${m.author.role}`)} data-testid="chat-badge" data-role={m.author.role}>
                    {badge}
                  </span>
                )}
                <span className="cohost-chat__text" data-testid="chat-text">
                  {m.text}
                </span>
                {hasMenu && (
                  <button
                    type="button"
                    className="cohost-chat__menu-button"
                    data-testid="chat-menu-button"
                    data-message-id={m.messageId}
                    aria-haspopup="menu"
                    aria-expanded={open}
                    aria-label={`Actions for the message of ${m.author.displayName}`}
                    onClick={() => setMenuFor(open ? null : m.messageId)}
                  >
                    ⋯
                  </button>
                )}
                {hasMenu && open && (
                  <div className="cohost-chat__menu" role="menu" data-testid="chat-menu" data-message-id={m.messageId}>
                    {perms.delete && onDelete && (
                      <button
                        type="button"
                        role="menuitem"
                        className="cohost-chat__menu-item cohost-chat__menu-item--danger"
                        data-testid="chat-delete"
                        onClick={() => act(`d:${m.messageId}`, () => onDelete(m), 'The message could not be deleted.')}
                      >
                        Delete message
                      </button>
                    )}
                    {onModerate &&
                      perms.moderate.map((action) => (
                        <button
                          key={action}
                          type="button"
                          role="menuitem"
                          className={cx('cohost-chat__menu-item', action === 'ban' && 'cohost-chat__menu-item--danger')}
                          data-testid={`chat-${action}`}
                          data-user-id={m.author.userId}
                          onClick={() =>
                            act(
                              `m:${m.author.userId}`,
                              () => onModerate(action === 'mute' ? { action, userId: m.author.userId, durationSeconds: muteSeconds } : { action, userId: m.author.userId }),
                              `Could not ${action} ${m.author.displayName}.`,
                            )
                          }
                        >
                          {ACTION_TEXT[action](muteSeconds)}
                        </button>
                      ))}
                  </div>
                )}
              </li>
            );
          })}
        </ol>
        {unseen && (
          <button type="button" className="cohost-chat__jump" data-testid="chat-jump" onClick={jump}>
            New messages ↓
          </button>
        )}
      </div>

      {shownError && (
        <p className="cohost-error" role="alert" data-testid="chat-error">
          {shownError}
        </p>
      )}
      {reason ? (
        <p className="cohost-notice" role="status" data-testid="chat-disabled-reason" data-reason={reason.kind}>
          {reason.text}
        </p>
      ) : (
        (slowOn || slowWait > 0) && (
          <p className="cohost-chat__slow" role="status" data-testid="chat-slow-mode" data-seconds={slowWait}>
            {slowWait > 0 ? `Slow mode: you can send again in ${slowWait} s.` : `Slow mode is on: one message every ${slowModeSeconds} s.`}
          </p>
        )
      )}
      <form className="cohost-chat__composer" onSubmit={(e) => void submit(e)}>
        <input
          className="cohost-input cohost-chat__input"
          data-testid="chat-input"
          placeholder={reason ? reason.text : 'Say something…'}
          aria-label="Message"
          value={draft}
          disabled={!!reason}
          aria-invalid={tooLong || undefined}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit" className="cohost-button cohost-button--primary" data-testid="chat-send" disabled={!canSend} aria-busy={sending || undefined}>
          {slowWait > 0 ? `${slowWait} s` : 'Send'}
        </button>
      </form>
      {length > maxLength * 0.8 && (
        <p className={cx('cohost-chat__counter', tooLong && 'cohost-chat__counter--over')} data-testid="chat-counter" data-length={length}>
          {length}/{maxLength}
        </p>
      )}
    </section>
  );
}
