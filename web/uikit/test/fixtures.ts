/** Model fixtures shaped like the SDK / REST resources (docs/api/openapi.yaml). */
import type { InvitationLike, StageMemberLike, UserLike } from '../src/types.js';

export function user(userId: string, displayName = `User ${userId}`): UserLike & { createdAt: string } {
  return { userId, displayName, avatarUrl: null, createdAt: '2026-01-01T00:00:00.000Z' };
}

let nextInvitation = 1;
export function invitation(inviteeUserId: string, over: Partial<InvitationLike> = {}): InvitationLike {
  const id = `IN_${nextInvitation++}`;
  return {
    invitationId: id,
    roomId: 'RM_1',
    inviteeUserId,
    status: 'pending',
    expiresAt: new Date(Date.now() + 120_000).toISOString(),
    roomTitle: 'Friday night cooking',
    inviter: { userId: 'host', displayName: 'Hana Host', avatarUrl: null },
    invitee: { userId: inviteeUserId, displayName: `User ${inviteeUserId}`, avatarUrl: null },
    reason: null,
    ...over,
  };
}

export function member(userId: string, over: Partial<StageMemberLike> = {}): StageMemberLike {
  return {
    userId,
    displayName: `User ${userId}`,
    avatarUrl: null,
    role: 'cohost',
    state: 'live',
    camera: 'on',
    microphone: 'on',
    ...over,
  };
}

export const host = (over: Partial<StageMemberLike> = {}) => member('host', { displayName: 'Hana Host', role: 'host', ...over });
