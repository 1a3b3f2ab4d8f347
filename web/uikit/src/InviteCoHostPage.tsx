/**
 * The host's invite picker (product §3, §9): search users, the people watching, an Invite button
 * per user, pending invitations with Cancel, a notice and disabled invites when the stage is full,
 * and the error of a failed invite.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { Avatar } from './Avatar.js';
import { useMounted } from './hooks.js';
import type { InvitationLike, StageMemberLike, UserLike } from './types.js';
import { errorMessage } from './util.js';
import { CloseIcon } from './icons.js';
import { useKeyedActions } from './actions.js';

export interface InviteCoHostPageProps {
  /** Called (debounced) for a non-empty trimmed query. */
  onSearch(query: string): Promise<UserLike[]>;
  /** People watching now. */
  viewers: UserLike[];
  /** This room's invitations; only `pending` ones are shown and counted. */
  pendingInvitations: InvitationLike[];
  /** Host + co-hosts: co-hosts count toward capacity; nobody on stage is invitable. */
  stage: StageMemberLike[];
  maxCoHosts: number;
  /** Rejection → the error is shown (CohostError codes are mapped to text). */
  onInvite(user: UserLike): Promise<unknown>;
  onCancel(invitation: InvitationLike): Promise<unknown>;
  /** Shows a Close button when given. */
  onClose?(): void;
  /** Default "Invite a co-host". */
  title?: string;
  /** Search debounce in ms, default 250. */
  searchDelayMs?: number;
}

type RowStatus = 'invitable' | 'invited' | 'on-stage';

type SearchState =
  | { kind: 'idle' }
  | { kind: 'loading'; query: string }
  | { kind: 'done'; query: string; users: UserLike[] }
  | { kind: 'error'; query: string; message: string };

export function InviteCoHostPage(props: InviteCoHostPageProps) {
  const { onSearch, viewers, pendingInvitations, stage, maxCoHosts, onInvite, onCancel, onClose, searchDelayMs = 250 } = props;
  const title = props.title ?? 'Invite a co-host';
  const mounted = useMounted();
  const headingId = useId();
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState<SearchState>({ kind: 'idle' });
  const actions = useKeyedActions();
  const error = actions.error;
  const searchSeq = useRef(0);

  const pending = pendingInvitations.filter((i) => i.status === 'pending');
  const coHosts = stage.filter((m) => m.role === 'cohost').length;
  const used = coHosts + pending.length;
  const full = used >= maxCoHosts;
  const onStageIds = new Set(stage.map((m) => m.userId));
  const invitedIds = new Set(pending.map((i) => i.inviteeUserId));

  // Debounced search; a newer query makes older answers stale (they are dropped).
  const trimmed = query.trim();
  useEffect(() => {
    const seq = ++searchSeq.current;
    if (!trimmed) {
      setSearch({ kind: 'idle' });
      return undefined;
    }
    setSearch({ kind: 'loading', query: trimmed });
    const timer = setTimeout(() => {
      onSearch(trimmed).then(
        (users) => {
          if (mounted.current && seq === searchSeq.current) setSearch({ kind: 'done', query: trimmed, users });
        },
        (err: unknown) => {
          if (mounted.current && seq === searchSeq.current)
            setSearch({ kind: 'error', query: trimmed, message: errorMessage(err, 'Search failed.') });
        },
      );
    }, searchDelayMs);
    return () => clearTimeout(timer);
    // onSearch is deliberately not a dependency: a new callback identity must not re-run the search.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [trimmed, searchDelayMs]);

  const statusOf = (userId: string): RowStatus =>
    onStageIds.has(userId) ? 'on-stage' : invitedIds.has(userId) ? 'invited' : 'invitable';

  // Keys: `u:<userId>` for an invite, `i:<invitationId>` for a cancel.
  const invite = (user: UserLike) => actions.run(`u:${user.userId}`, () => onInvite(user), 'The invitation could not be sent.');
  const cancel = (inv: InvitationLike) => actions.run(`i:${inv.invitationId}`, () => onCancel(inv), 'The invitation could not be cancelled.');

  const userRow = (user: UserLike) => {
    const status = statusOf(user.userId);
    const busy = actions.busy.has(`u:${user.userId}`);
    const label = status === 'on-stage' ? 'On stage' : status === 'invited' ? 'Invited' : busy ? 'Inviting…' : 'Invite';
    return (
      <li key={user.userId} className="cohost-invite__user" data-testid="invite-user" data-user-id={user.userId} data-status={status}>
        <Avatar name={user.displayName} url={user.avatarUrl} />
        <span className="cohost-invite__name">{user.displayName}</span>
        <button
          type="button"
          className="cohost-button cohost-button--primary cohost-button--small"
          data-testid="invite-button"
          data-user-id={user.userId}
          aria-label={status === 'invitable' ? `Invite ${user.displayName}` : `${user.displayName}: ${label}`}
          disabled={full || status !== 'invitable' || busy}
          aria-busy={busy || undefined}
          onClick={() => void invite(user)}
        >
          {label}
        </button>
      </li>
    );
  };

  const visibleViewers = viewers.filter((v) => !onStageIds.has(v.userId));

  return (
    <section className="cohost-invite" data-testid="invite-page" data-full={String(full)} aria-labelledby={headingId}>
      <header className="cohost-invite__header">
        <h2 id={headingId} className="cohost-invite__title">
          {title}
        </h2>
        <span className="cohost-invite__capacity" aria-label={`${used} of ${maxCoHosts} co-host seats used`}>
          {used}/{maxCoHosts}
        </span>
        {onClose && (
          <button type="button" className="cohost-button cohost-button--ghost" data-testid="invite-close" aria-label="Close" onClick={onClose}>
            <CloseIcon />
          </button>
        )}
      </header>

      {full && (
        <p className="cohost-notice" role="status" data-testid="invite-full-notice">
          The stage is full ({used}/{maxCoHosts}). Cancel an invitation or remove a co-host to invite someone else.
        </p>
      )}
      {error && (
        <p className="cohost-error" role="alert" data-testid="invite-error">
          {error}
        </p>
      )}

      <input
        type="search"
        className="cohost-input"
        data-testid="invite-search"
        placeholder="Search users"
        aria-label="Search users"
        value={query}
        disabled={full}
        onChange={(e) => setQuery(e.target.value)}
      />

      {pending.length > 0 && (
        <div className="cohost-invite__section">
          <h3 className="cohost-invite__subtitle">Pending invitations</h3>
          <ul className="cohost-invite__list">
            {pending.map((inv) => {
              const busy = actions.busy.has(`i:${inv.invitationId}`);
              return (
                <li
                  key={inv.invitationId}
                  className="cohost-invite__user cohost-invite__user--pending"
                  data-testid="pending-invitation"
                  data-invitation-id={inv.invitationId}
                  data-user-id={inv.inviteeUserId}
                >
                  <Avatar name={inv.invitee.displayName} url={inv.invitee.avatarUrl} />
                  <span className="cohost-invite__name">{inv.invitee.displayName}</span>
                  <span className="cohost-invite__hint">Waiting…</span>
                  <button
                    type="button"
                    className="cohost-button cohost-button--small"
                    data-testid="invite-cancel"
                    data-invitation-id={inv.invitationId}
                    aria-label={`Cancel invitation to ${inv.invitee.displayName}`}
                    disabled={busy}
                    aria-busy={busy || undefined}
                    onClick={() => void cancel(inv)}
                  >
                    {busy ? 'Cancelling…' : 'Cancel'}
                  </button>
                </li>
              );
            })}
          </ul>
        </div>
      )}

      {search.kind !== 'idle' && (
        <div className="cohost-invite__section" aria-busy={search.kind === 'loading'}>
          <h3 className="cohost-invite__subtitle">Search results</h3>
          {search.kind === 'loading' && <p className="cohost-invite__hint">Searching…</p>}
          {search.kind === 'error' && (
            <p className="cohost-error" role="alert" data-testid="invite-error">
              {search.message}
            </p>
          )}
          {search.kind === 'done' && search.users.length === 0 && <p className="cohost-invite__hint">No users match “{search.query}”.</p>}
          {search.kind === 'done' && search.users.length > 0 && <ul className="cohost-invite__list">{search.users.map(userRow)}</ul>}
        </div>
      )}

      {search.kind === 'idle' && (
        <div className="cohost-invite__section">
          <h3 className="cohost-invite__subtitle">Watching now</h3>
          {visibleViewers.length === 0 ? (
            <p className="cohost-invite__hint">Nobody is watching yet. Search for a user above.</p>
          ) : (
            <ul className="cohost-invite__list">{visibleViewers.map(userRow)}</ul>
          )}
        </div>
      )}
    </section>
  );
}
