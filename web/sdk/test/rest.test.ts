// REST client against a real cohostd: typed resources, CohostError mapping (status, code,
// details), Idempotency-Key on invite, the invitation and stage routes, engagement routes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CohostClient, CohostError, isCohostError } from '../src/index.js';
import { login, refusal, startCohostd, type Server } from './harness.js';

let server: Server;
let alice: CohostClient;
let bob: CohostClient;
let carol: CohostClient;

before(async () => {
  server = await startCohostd();
  alice = (await login(server, 'alice')).client;
  bob = (await login(server, 'bob')).client;
  carol = (await login(server, 'carol')).client;
});

after(async () => {
  for (const c of [alice, bob, carol]) c?.close();
  await server?.stop();
});

describe('auth and users', () => {
  it('dev login sets me and the token; getMe answers the same user', async () => {
    assert.equal(alice.me?.userId, 'alice');
    assert.equal(alice.me?.displayName, 'User alice');
    assert.equal(alice.userId, 'alice');
    assert.match(alice.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const again = new CohostClient({ baseUrl: `${server.baseUrl}/`, token: alice.token });
    assert.equal(again.userId, 'alice', 'userId comes from the token before getMe');
    const me = await again.getMe();
    assert.equal(me.userId, 'alice');
    assert.match(me.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(again.me?.userId, 'alice');
  });

  it('searchUsers finds by prefix', async () => {
    const r = await alice.searchUsers('bo');
    assert.deepEqual(r.users.map((u) => u.userId), ['bob']);
    assert.equal(r.nextCursor, null);
  });

  it('a bad token is 401 unauthenticated', async () => {
    const bad = new CohostClient({ baseUrl: server.baseUrl, token: 'not.a.token' });
    const e = await refusal(bad.getMe());
    assert.equal(e.status, 401);
    assert.equal(e.code, 'unauthenticated');
    assert.equal(e.retryable, false);
  });

  it('an unreachable server is status 0, network_error', async () => {
    const gone = new CohostClient({ baseUrl: 'http://127.0.0.1:1', token: alice.token });
    const e = await refusal(gone.getMe());
    assert.equal(e.status, 0);
    assert.equal(e.code, 'network_error');
    assert.equal(e.retryable, true);
    const dl = await refusal(CohostClient.devLogin('http://127.0.0.1:1', 'x'));
    assert.equal(dl.code, 'network_error');
  });
});

describe('rooms', () => {
  it('create, get, list, update, stop; errors carry code and details', async () => {
    const room = await alice.createRoom({ title: 'Morning show', description: 'hi', maxCoHosts: 2 });
    assert.match(room.roomId, /^RM_/);
    assert.equal(room.status, 'idle');
    assert.equal(room.hostUserId, 'alice');
    assert.equal(room.maxCoHosts, 2);
    assert.equal(room.liveAt, null);
    assert.deepEqual(await bob.getRoom(room.roomId), room);

    const listed = await bob.listRooms({ status: 'idle' });
    assert.ok(listed.rooms.some((r) => r.roomId === room.roomId));
    assert.equal((await bob.listRooms({ status: 'live' })).rooms.length, 0);

    const updated = await alice.updateRoom(room.roomId, { title: 'Evening show', slowModeSeconds: 5 });
    assert.equal(updated.title, 'Evening show');
    assert.equal(updated.slowModeSeconds, 5);

    const notHost = await refusal(bob.updateRoom(room.roomId, { title: 'mine' }));
    assert.equal(notHost.status, 403);
    assert.equal(notHost.code, 'not_host');

    const badField = await refusal(alice.updateRoom(room.roomId, { title: '' }));
    assert.equal(badField.status, 400);
    assert.equal(badField.code, 'invalid_argument');
    assert.equal(badField.details.field, 'title');
    assert.equal((await alice.getRoom(room.roomId)).title, 'Evening show', 'a refused change changes nothing');

    const stopped = await alice.stopRoom(room.roomId);
    assert.equal(stopped.status, 'ended');
    assert.equal(stopped.endReason, 'stopped');
    const again = await refusal(alice.stopRoom(room.roomId));
    assert.equal(again.status, 409);
    assert.equal(again.code, 'room_ended');
  });

  it('an unknown room is 404 not_found with empty details', async () => {
    const e = await refusal(alice.getRoom('RM_doesnotexist'));
    assert.equal(e.status, 404);
    assert.equal(e.code, 'not_found');
    assert.deepEqual(e.details, {});
    assert.ok(isCohostError(e, 'not_found'));
    assert.ok(e instanceof Error && e.message.length > 0);
  });
});

describe('invitations and stage', () => {
  it('invite, already_invited with details.invitationId, stage_full with details.maxCoHosts', async () => {
    const room = await alice.createRoom({ title: 'Small stage', maxCoHosts: 1 });
    const inv = await alice.invite(room.roomId, 'bob', { expiresInSeconds: 600 });
    assert.match(inv.invitationId, /^IN_/);
    assert.equal(inv.status, 'pending');
    assert.equal(inv.inviterUserId, 'alice');
    assert.equal(inv.inviteeUserId, 'bob');
    assert.equal(inv.roomTitle, 'Small stage');
    assert.equal(inv.invitee.displayName, 'User bob');

    const dup = await refusal(alice.invite(room.roomId, 'bob'));
    assert.equal(dup.status, 409);
    assert.equal(dup.code, 'already_invited');
    assert.equal(dup.details.invitationId, inv.invitationId);

    const full = await refusal(alice.invite(room.roomId, 'carol'));
    assert.equal(full.status, 409);
    assert.equal(full.code, 'stage_full');
    assert.equal(full.details.maxCoHosts, 1);

    const self = await refusal(alice.invite(room.roomId, 'alice'));
    assert.equal(self.code, 'cannot_invite_self');
    const unknown = await refusal(alice.invite(room.roomId, 'nobody-here'));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.code, 'user_not_found');
    const notHost = await refusal(bob.invite(room.roomId, 'carol'));
    assert.equal(notHost.code, 'not_host');
    const badTtl = await refusal(alice.invite(room.roomId, 'carol', { expiresInSeconds: 1 }));
    assert.equal(badTtl.code, 'invalid_argument');
    assert.equal(badTtl.details.field, 'expiresInSeconds');

    const pending = await alice.listRoomInvitations(room.roomId, { status: 'pending' });
    assert.deepEqual(pending.invitations.map((i) => i.invitationId), [inv.invitationId]);
    const mine = await bob.myInvitations({ status: 'pending' });
    assert.deepEqual(mine.invitations.map((i) => i.invitationId), [inv.invitationId]);
    assert.equal((await bob.getInvitation(inv.invitationId)).status, 'pending');
    assert.equal((await refusal(carol.getInvitation(inv.invitationId))).code, 'not_found');
  });

  it('the same Idempotency-Key returns the first invitation instead of already_invited', async () => {
    const room = await alice.createRoom({ title: 'Idempotent' });
    const first = await alice.invite(room.roomId, 'carol', { idempotencyKey: 'sdk-test-key-1' });
    const second = await alice.invite(room.roomId, 'carol', { idempotencyKey: 'sdk-test-key-1' });
    assert.deepEqual(second, first);
    const list = await alice.listRoomInvitations(room.roomId);
    assert.equal(list.invitations.length, 1);
  });

  it('accept / reject / cancel, invitation_not_pending with details.status, stage routes', async () => {
    const room = await alice.createRoom({ title: 'Stage routes', maxCoHosts: 3 });
    const forBob = await alice.invite(room.roomId, 'bob');
    const forCarol = await alice.invite(room.roomId, 'carol');

    assert.equal((await refusal(alice.acceptInvitation(forBob.invitationId))).code, 'not_invitee');
    const accepted = await bob.acceptInvitation(forBob.invitationId);
    assert.equal(accepted.status, 'approved');
    assert.equal((await bob.acceptInvitation(forBob.invitationId)).status, 'approved', 'a repeated accept is idempotent');
    const late = await refusal(alice.cancelInvitation(forBob.invitationId));
    assert.equal(late.status, 409);
    assert.equal(late.code, 'invitation_not_pending');
    assert.equal(late.details.status, 'approved');

    assert.equal((await carol.rejectInvitation(forCarol.invitationId)).status, 'rejected');
    const forCarol2 = await alice.invite(room.roomId, 'carol');
    assert.equal((await alice.cancelInvitation(forCarol2.invitationId)).status, 'cancelled');
    assert.equal((await refusal(carol.acceptInvitation(forCarol2.invitationId))).details.status, 'cancelled');

    const stage = await carol.getStage(room.roomId);
    assert.equal(stage.roomId, room.roomId);
    assert.equal(stage.maxCoHosts, 3);
    assert.deepEqual(stage.members.map((m) => [m.userId, m.role, m.state]), [['alice', 'host', 'offline'], ['bob', 'cohost', 'backstage']]);

    const granted = await alice.updateStageMember(room.roomId, 'bob', { permissions: { canManageProducts: true } });
    assert.equal(granted.permissions.canManageProducts, true);
    assert.equal((await refusal(alice.updateStageMember(room.roomId, 'alice', { permissions: { canManageProducts: true } }))).code, 'forbidden');

    assert.equal((await refusal(carol.leaveStage(room.roomId))).code, 'not_on_stage');
    assert.equal((await refusal(alice.leaveStage(room.roomId))).code, 'forbidden');
    const afterRemove = await alice.removeFromStage(room.roomId, 'bob');
    assert.deepEqual(afterRemove.members.map((m) => m.userId), ['alice']);
    const gone = await refusal(alice.removeFromStage(room.roomId, 'bob'));
    assert.equal(gone.status, 404);

    // Re-invite after removal, then the co-host leaves by itself.
    const again = await alice.invite(room.roomId, 'bob');
    await bob.acceptInvitation(again.invitationId);
    const left = await bob.leaveStage(room.roomId);
    assert.deepEqual(left.members.map((m) => m.userId), ['alice']);
  });
});

describe('media credentials', () => {
  it('broadcast credentials only on stage; viewer credentials for anyone; goLive refuses before any media', async () => {
    const room = await alice.createRoom({ title: 'Media' });
    const creds = await alice.broadcastToken(room.roomId);
    assert.match(creds.url, /^ws:\/\//);
    assert.equal(creds.identity, 'alice');
    assert.ok(creds.token.split('.').length === 3);
    assert.match(creds.expiresAt, /Z$/);

    const viewer = await carol.viewerToken(room.roomId);
    assert.match(viewer.identity, /^viewer-carol-/);

    const refused = await refusal(carol.broadcastToken(room.roomId));
    assert.equal(refused.status, 403);
    assert.equal(refused.code, 'not_on_stage');
    const viaMedia = await refusal(carol.goLive(room.roomId));
    assert.equal(viaMedia.code, 'not_on_stage');
    assert.equal(carol.media.sessions.size, 0);

    await alice.stopRoom(room.roomId);
    assert.equal((await refusal(carol.watch(room.roomId))).code, 'room_ended');
  });
});

describe('engagement and products', () => {
  it('chat, reactions, viewers, products; a 202 resolves with undefined', async () => {
    const room = await alice.createRoom({ title: 'Engagement' });
    const msg = await bob.sendMessage(room.roomId, '  hello  ');
    assert.equal(msg.text, 'hello');
    assert.equal(msg.author.userId, 'bob');
    assert.equal(msg.author.role, 'viewer');
    const list = await carol.listMessages(room.roomId);
    assert.deepEqual(list.messages.map((m) => m.messageId), [msg.messageId]);
    assert.deepEqual(await alice.deleteMessage(room.roomId, msg.messageId), { messageId: msg.messageId, deleted: true });
    assert.equal((await carol.listMessages(room.roomId)).messages.length, 0);

    assert.equal(await bob.react(room.roomId, 'heart'), undefined);
    const badReaction = await refusal(bob.react(room.roomId, 'not-a-reaction'));
    assert.equal(badReaction.code, 'invalid_argument');

    const muted = await alice.moderate(room.roomId, { action: 'mute', userId: 'bob', durationSeconds: 60 });
    assert.equal(muted.muted, true);
    const mutedPost = await refusal(bob.sendMessage(room.roomId, 'again'));
    assert.equal(mutedPost.code, 'muted');
    assert.equal(typeof mutedPost.details.until, 'string');

    const viewers = await alice.listViewers(room.roomId);
    assert.equal(viewers.count, 0);
    assert.deepEqual(viewers.viewers, []);

    const catalogue = await bob.listProducts();
    assert.deepEqual(catalogue.products, []);
    assert.equal((await refusal(bob.createProduct({ name: 'x', url: 'https://x.test', price: '1.00', currency: 'USD' }))).status, 403);
    const roomProducts = await alice.listRoomProducts(room.roomId);
    assert.deepEqual(roomProducts, { roomId: room.roomId, products: [], pinnedProductId: null });
    const unknownProduct = await refusal(alice.setRoomProducts(room.roomId, ['nope']));
    assert.equal(unknownProduct.code, 'invalid_argument');
    assert.equal(unknownProduct.details.productId, 'nope');
    assert.deepEqual(await alice.productStats(room.roomId), { products: [] });
  });
});
