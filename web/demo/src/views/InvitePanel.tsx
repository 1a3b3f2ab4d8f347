/**
 * The host's "Invite co-host" panel: the UIKit's InviteCoHostPage wired to the SDK (user search,
 * the people watching, this room's pending invitations with cancel), plus how long a new
 * invitation stays open (`expiresInSeconds`, 10 s – 1 h; the server's default is 2 min).
 */
import { useCallback, useEffect, useState } from 'react';
import { InviteCoHostPage, type UserLike } from '@cohost/uikit';
import type { CohostClient, Invitation, Room, StageMember } from '@cohost/sdk';

/** Choices for expiresInSeconds; 0 = the server's default (rooms.invitation_ttl). */
const EXPIRY_CHOICES: Array<[number, string]> = [
  [0, 'server default'],
  [10, '10 seconds'],
  [30, '30 seconds'],
  [60, '1 minute'],
  [300, '5 minutes'],
  [900, '15 minutes'],
];

export interface InvitePanelProps {
  client: CohostClient;
  room: Room;
  meUserId: string;
  stage: StageMember[];
  invitations: Invitation[];
  viewerCount: number | undefined;
  onClose(): void;
  onInvited?(invitation: Invitation): void;
}

export function InvitePanel({ client, room, meUserId, stage, invitations, viewerCount, onClose, onInvited }: InvitePanelProps) {
  const [viewers, setViewers] = useState<UserLike[]>([]);
  const [expiry, setExpiry] = useState(0);
  const roomId = room.roomId;

  // Who is watching: refetched when the panel opens and whenever the count changes.
  useEffect(() => {
    let cancelled = false;
    client.listViewers(roomId).then(
      (r) => {
        if (!cancelled) setViewers(r.viewers.filter((v) => v.userId !== meUserId));
      },
      () => {
        /* keep the last list */
      },
    );
    return () => {
      cancelled = true;
    };
  }, [client, roomId, meUserId, viewerCount]);

  const onSearch = useCallback(
    async (query: string) => (await client.searchUsers(query, { limit: 20 })).users.filter((u) => u.userId !== meUserId),
    [client, meUserId],
  );
  const onInvite = useCallback(
    async (user: UserLike) => {
      const inv = await client.invite(roomId, user.userId, expiry > 0 ? { expiresInSeconds: expiry } : {});
      onInvited?.(inv);
      return inv;
    },
    [client, roomId, expiry, onInvited],
  );
  const onCancel = useCallback((inv: { invitationId: string }) => client.cancelInvitation(inv.invitationId), [client]);

  return (
    <div className="demo-invite-panel" data-testid="invite-panel">
      <InviteCoHostPage
        onSearch={onSearch}
        viewers={viewers}
        pendingInvitations={invitations}
        stage={stage}
        maxCoHosts={room.maxCoHosts}
        onInvite={onInvite}
        onCancel={onCancel}
        onClose={onClose}
      />
      <label className="demo-inline-field">
        New invitations expire after
        <select data-testid="invite-expiry" value={expiry} onChange={(e) => setExpiry(Number(e.target.value))}>
          {EXPIRY_CHOICES.map(([v, label]) => (
            <option key={v} value={v}>{label}</option>
          ))}
        </select>
      </label>
    </div>
  );
}
