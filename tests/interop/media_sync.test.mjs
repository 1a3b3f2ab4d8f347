// Control plane ↔ media, end to end: a real cohostd in `media.mode: livekit` against the LiveKit-peer
// test server (livekit_peer.mjs), which answers the RoomService Twirp API and sends LiveKit-signed
// webhooks exactly like a LiveKit server (reference/livekit-protocol.md §2–§3).
//
// What is checked (product.md §2, §4, §6): media webhooks drive the room and the stage (live,
// reconnecting, host_lost, connection_lost, returns inside the window/grace); remove, leave and
// stop issue RemoveParticipant / DeleteRoom exactly once; an uninvited publisher is removed; the
// reconciler repairs a stage whose webhooks were lost; forged, expired, tampered and replayed
// webhooks change nothing; every Twirp body cohostd sends parses strictly.
//
// Timers are shortened by config (cohost_grace 2 s, host_reconnect_window 2 s, reconcile 1 s).
// Waits are bounded; the only plain delays are where the test must show that something does NOT
// happen (no `ended` after a return inside the window), which no event can signal.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';

import { API_KEY, devLogin, openRealtime, randomSecret, show, startCohostd } from './harness.mjs';
import { signWebhook, startLivekitPeer } from './livekit_peer.mjs';

const GRACE_MS = 2_000; // rooms.cohost_grace
const WINDOW_MS = 2_000; // rooms.host_reconnect_window
const RECONCILE_MS = 1_000; // livekit.reconcile_interval
const MARGIN_MS = 1_500;

let peer;
let server;
let base;
const secret = randomSecret();
const sockets = [];
let seq = 0;

before(async () => {
  peer = await startLivekitPeer({ apiKey: API_KEY, apiSecret: secret });
  server = await startCohostd({
    apiSecret: secret,
    config: {
      media: { mode: 'livekit' },
      livekit: { url: peer.url, reconcile_interval: `${RECONCILE_MS}ms` },
      rooms: { cohost_grace: `${GRACE_MS}ms`, host_reconnect_window: `${WINDOW_MS}ms` },
    },
  });
  base = server.baseUrl;
  peer.webhookUrl = `${base}/v1/livekit/webhook`;
});

after(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
  await peer?.close();
});

// ---- helpers ----------------------------------------------------------------------------------

/** Every webhook of a simulated media action must be accepted (2xx) by cohostd. */
function accepted(records, what) {
  for (const r of records) {
    assert.ok(r.dropped || (r.status >= 200 && r.status < 300),
      `${what}: cohostd refused a genuine ${r.event} webhook: ${r.status} ${r.text ?? r.error}\n${server.output()}`);
  }
  return records;
}

/** A fresh host, room and realtime subscription to room:<id>. */
async function newRoom(label) {
  seq += 1;
  const hostId = `host-${label}-${seq}`;
  const host = await devLogin(base, hostId, `Host ${label}`);
  const r = await host.post('/v1/rooms', { body: { title: `media ${label}` } });
  assert.equal(r.status, 201, `create room: ${show(r)}`);
  const roomId = r.body.roomId;
  const topic = `room:${roomId}`;
  const rt = await openRealtime(base, host.token);
  sockets.push(rt);
  await rt.subscribe(topic);
  const ctx = {
    host, hostId, roomId, topic, rt,
    mark: () => rt.cursor(topic),
    wait: (type, pred = () => true, from = 0, timeoutMs = 10_000) =>
      rt.waitForEvent(topic, (e) => e.event === type && pred(e.data), { from, timeoutMs, what: type }),
    eventsSince: (from) => rt.events(topic).slice(from),
    async room() {
      const g = await host.get(`/v1/rooms/${roomId}`);
      assert.equal(g.status, 200, show(g));
      return g.body;
    },
    async member(userId) {
      const g = await host.get(`/v1/rooms/${roomId}/stage`);
      assert.equal(g.status, 200, show(g));
      assert.ok(Array.isArray(g.body.members), show(g));
      return g.body.members.find((m) => m.userId === userId) ?? null;
    },
  };
  return ctx;
}

/** Invites and accepts a fresh user; resolves once `stage.joined` arrived. */
async function addCohost(ctx, label) {
  const userId = `co-${label}-${seq}`;
  const user = await devLogin(base, userId, `Cohost ${label}`);
  const from = ctx.mark();
  const inv = await ctx.host.post(`/v1/rooms/${ctx.roomId}/invitations`, { body: { inviteeUserId: userId } });
  assert.equal(inv.status, 201, `invite: ${show(inv)}`);
  const acc = await user.post(`/v1/invitations/${inv.body.invitationId}/accept`);
  assert.equal(acc.status, 200, `accept: ${show(acc)}`);
  await ctx.wait('stage.joined', (d) => d.userId === userId, from);
  return { user, userId };
}

/** The participant connects and publishes camera + microphone. */
async function goLive(ctx, identity) {
  accepted(await peer.join(ctx.roomId, identity), `join ${identity}`);
  accepted(await peer.publish(ctx.roomId, identity, 'CAMERA'), `publish camera ${identity}`);
  accepted(await peer.publish(ctx.roomId, identity, 'MICROPHONE'), `publish mic ${identity}`);
}

/**
 * Waits until the realtime stream shows `userId`'s microphone on: the last effect of goLive.
 * (An accepted webhook's events reach the socket asynchronously, after the HTTP answer.)
 */
async function micOn(ctx, userId, from) {
  await ctx.rt.waitForEvent(ctx.topic, (e) => e.event.startsWith('stage.') && e.data.userId === userId &&
    e.data.microphone === 'on', { from, timeoutMs: 10_000, what: `${userId} microphone on` });
}

async function hostLive(ctx) {
  const from = ctx.mark();
  await goLive(ctx, ctx.hostId);
  await ctx.wait('room.live', (d) => d.status === 'live', from);
  await micOn(ctx, ctx.hostId, from);
}

async function cohostLive(ctx, userId) {
  const from = ctx.mark();
  await goLive(ctx, userId);
  await ctx.wait('stage.live', (d) => d.userId === userId && d.state === 'live', from);
  await micOn(ctx, userId, from);
}

/**
 * Lets later, unwanted effects show up before counting calls: waits (bounded) for two more
 * reconciler passes, seen as ListRooms/ListParticipants calls; if the reconciler does not list
 * anything, the same bound has let two reconcile intervals pass anyway.
 */
async function settle() {
  await peer.drained();
  const listing = () => peer.calls.filter((c) => c.method === 'ListRooms' || c.method === 'ListParticipants').length;
  const start = listing();
  await peer.waitUntil(() => listing() >= start + 2, 'two reconciler passes', 2 * RECONCILE_MS + MARGIN_MS).catch(() => {});
}

const expectedRemovals = new Set(); // "room/identity" that cohostd is expected to remove

// ---- scenarios --------------------------------------------------------------------------------

describe('the host', () => {
  test('publishing makes the room live (room.live, host member live)', async () => {
    const ctx = await newRoom('golive');
    assert.equal((await ctx.room()).status, 'idle');
    const from = ctx.mark();
    await goLive(ctx, ctx.hostId);
    const ev = await ctx.wait('room.live', () => true, from);
    assert.equal(ev.data.status, 'live');
    assert.equal(ev.data.roomId, ctx.roomId);
    await ctx.wait('stage.live', (d) => d.userId === ctx.hostId && d.role === 'host', from);
    const room = await ctx.room();
    assert.equal(room.status, 'live');
    assert.ok(room.liveAt, 'liveAt is set');
  });

  test('a drop puts the room in reconnecting, then ends it (host_lost) after the window, deleting the media room', async () => {
    const ctx = await newRoom('hostlost');
    await hostLive(ctx);
    const from = ctx.mark();
    accepted(await peer.drop(ctx.roomId, ctx.hostId), 'drop host');
    const rec = await ctx.wait('room.reconnecting', () => true, from);
    assert.equal(rec.data.status, 'reconnecting');
    const ended = await ctx.wait('room.ended', () => true, from, WINDOW_MS + 10_000);
    assert.equal(ended.data.status, 'ended');
    assert.equal(ended.data.endReason, 'host_lost');
    const order = ctx.eventsSince(from).map((e) => e.event).filter((t) => t.startsWith('room.'));
    assert.deepEqual(order, ['room.reconnecting', 'room.ended']);
    await peer.waitForCall('DeleteRoom', { room: ctx.roomId });
    await settle();
    assert.equal(peer.callsOf('DeleteRoom', { room: ctx.roomId }).length, 1, 'DeleteRoom exactly once');
    assert.equal((await ctx.room()).status, 'ended');
  });

  test('a drop and a return (join + publish) inside the window: live again, never ended', async () => {
    const ctx = await newRoom('hostback');
    await hostLive(ctx);
    const from = ctx.mark();
    const droppedAt = Date.now();
    accepted(await peer.drop(ctx.roomId, ctx.hostId), 'drop host');
    await ctx.wait('room.reconnecting', () => true, from);
    const back = ctx.mark();
    await goLive(ctx, ctx.hostId);
    const live = await ctx.wait('room.live', () => true, back);
    assert.equal(live.data.status, 'live');
    // Nothing can announce "the window passed without ending the room": wait it out, once.
    await delay(Math.max(0, droppedAt + WINDOW_MS + MARGIN_MS - Date.now()));
    await settle();
    assert.ok(!ctx.eventsSince(from).some((e) => e.event === 'room.ended'),
      `no room.ended: ${JSON.stringify(ctx.eventsSince(from).map((e) => e.event))}`);
    assert.equal((await ctx.room()).status, 'live');
    assert.equal(peer.callsOf('DeleteRoom', { room: ctx.roomId }).length, 0, 'no DeleteRoom');
  });
});

describe('a co-host', () => {
  test('connecting and publishing makes it live (stage.live)', async () => {
    const ctx = await newRoom('colive');
    await hostLive(ctx);
    const { userId } = await addCohost(ctx, 'colive');
    assert.equal((await ctx.member(userId)).state, 'backstage');
    const from = ctx.mark();
    accepted(await peer.join(ctx.roomId, userId), 'join co-host');
    await settle();
    assert.equal((await ctx.member(userId)).state, 'backstage', 'connected without publishing stays backstage');
    accepted(await peer.publish(ctx.roomId, userId, 'CAMERA'), 'publish camera');
    const ev = await ctx.wait('stage.live', (d) => d.userId === userId, from);
    assert.equal(ev.data.state, 'live');
    assert.equal(ev.data.role, 'cohost');
    assert.equal(ev.data.camera, 'on');
    const m = await ctx.member(userId);
    assert.equal(m.state, 'live');
    assert.equal(m.camera, 'on');
  });

  test('a drop holds the seat (stage.reconnecting) and releases it after the grace (connection_lost)', async () => {
    const ctx = await newRoom('codrop');
    await hostLive(ctx);
    const { userId } = await addCohost(ctx, 'codrop');
    await cohostLive(ctx, userId);
    expectedRemovals.add(`${ctx.roomId}/${userId}`); // a released member may be kicked (not_found)
    const from = ctx.mark();
    accepted(await peer.drop(ctx.roomId, userId), 'drop co-host');
    const rec = await ctx.wait('stage.reconnecting', (d) => d.userId === userId, from);
    assert.equal(rec.data.state, 'reconnecting');
    const left = await ctx.wait('stage.left', (d) => d.userId === userId, from, GRACE_MS + 10_000);
    assert.equal(left.data.reason, 'connection_lost');
    assert.equal(await ctx.member(userId), null, 'released from the stage');
    assert.equal((await ctx.room()).status, 'live', 'a co-host leaving never ends the room');
  });

  test('a return inside the grace makes it live again and keeps the seat', async () => {
    const ctx = await newRoom('coback');
    await hostLive(ctx);
    const { userId } = await addCohost(ctx, 'coback');
    await cohostLive(ctx, userId);
    const from = ctx.mark();
    const droppedAt = Date.now();
    accepted(await peer.drop(ctx.roomId, userId), 'drop co-host');
    await ctx.wait('stage.reconnecting', (d) => d.userId === userId, from);
    const back = ctx.mark();
    await goLive(ctx, userId);
    await ctx.wait('stage.live', (d) => d.userId === userId && d.state === 'live', back);
    await delay(Math.max(0, droppedAt + GRACE_MS + MARGIN_MS - Date.now()));
    await settle();
    assert.ok(!ctx.eventsSince(from).some((e) => e.event === 'stage.left'),
      `no stage.left: ${JSON.stringify(ctx.eventsSince(from).map((e) => [e.event, e.data.userId, e.data.reason]))}`);
    assert.equal((await ctx.member(userId))?.state, 'live');
    assert.equal(peer.callsOf('RemoveParticipant', { room: ctx.roomId, identity: userId }).length, 0,
      'a co-host back inside the grace is not removed');
    assert.equal(peer.rooms.get(ctx.roomId).participants.has(userId), true);
  });
});

describe('enforcement through the RoomService API', () => {
  test('host removal: stage.left (removed) and RemoveParticipant exactly once', async () => {
    const ctx = await newRoom('remove');
    await hostLive(ctx);
    const { userId } = await addCohost(ctx, 'remove');
    await cohostLive(ctx, userId);
    expectedRemovals.add(`${ctx.roomId}/${userId}`);
    const from = ctx.mark();
    const r = await ctx.host.del(`/v1/rooms/${ctx.roomId}/stage/${userId}`);
    assert.ok(r.status >= 200 && r.status < 300, `remove: ${show(r)}`);
    const left = await ctx.wait('stage.left', (d) => d.userId === userId, from);
    assert.equal(left.data.reason, 'removed');
    await peer.waitForCall('RemoveParticipant', { room: ctx.roomId, identity: userId });
    await settle(); // the peer's participant_left (PARTICIPANT_REMOVED) was delivered, reconciler ran
    assert.equal(peer.callsOf('RemoveParticipant', { room: ctx.roomId, identity: userId }).length, 1);
    assert.equal(ctx.eventsSince(from).filter((e) => e.event === 'stage.left').length, 1, 'released once');
    assert.equal(peer.rooms.get(ctx.roomId)?.participants.has(userId), false);
    assert.equal((await ctx.room()).status, 'live');
  });

  test('leaving the stage: stage.left (left) and RemoveParticipant exactly once', async () => {
    const ctx = await newRoom('leave');
    await hostLive(ctx);
    const { user, userId } = await addCohost(ctx, 'leave');
    await cohostLive(ctx, userId);
    expectedRemovals.add(`${ctx.roomId}/${userId}`);
    const from = ctx.mark();
    const r = await user.post(`/v1/rooms/${ctx.roomId}/stage/leave`);
    assert.ok(r.status >= 200 && r.status < 300, `leave: ${show(r)}`);
    const left = await ctx.wait('stage.left', (d) => d.userId === userId, from);
    assert.equal(left.data.reason, 'left');
    await peer.waitForCall('RemoveParticipant', { room: ctx.roomId, identity: userId });
    await settle();
    assert.equal(peer.callsOf('RemoveParticipant', { room: ctx.roomId, identity: userId }).length, 1);
    assert.equal(ctx.eventsSince(from).filter((e) => e.event === 'stage.left').length, 1, 'released once');
    assert.equal((await ctx.room()).status, 'live');
  });

  test('stopping the room: room.ended (stopped) and DeleteRoom exactly once', async () => {
    const ctx = await newRoom('stop');
    await hostLive(ctx);
    const { userId } = await addCohost(ctx, 'stop');
    await cohostLive(ctx, userId);
    expectedRemovals.add(`${ctx.roomId}/${userId}`); // may be removed one by one before the deletion
    expectedRemovals.add(`${ctx.roomId}/${ctx.hostId}`);
    const from = ctx.mark();
    const r = await ctx.host.post(`/v1/rooms/${ctx.roomId}/stop`);
    assert.equal(r.status, 200, `stop: ${show(r)}`);
    const ended = await ctx.wait('room.ended', () => true, from);
    assert.equal(ended.data.endReason, 'stopped');
    const left = await ctx.wait('stage.left', (d) => d.userId === userId, from);
    assert.equal(left.data.reason, 'room_ended');
    await peer.waitForCall('DeleteRoom', { room: ctx.roomId });
    await settle(); // participant_left ×2 + room_finished from the peer were delivered
    assert.equal(peer.callsOf('DeleteRoom', { room: ctx.roomId }).length, 1, 'DeleteRoom exactly once');
    assert.equal(ctx.eventsSince(from).filter((e) => e.event === 'room.ended').length, 1);
    assert.equal(peer.rooms.has(ctx.roomId), false);
  });

  test('a RemoveParticipant answered 503 unavailable is retried until it succeeds, then never again', async () => {
    const ctx = await newRoom('retry');
    await hostLive(ctx);
    const { userId } = await addCohost(ctx, 'retry');
    await cohostLive(ctx, userId);
    expectedRemovals.add(`${ctx.roomId}/${userId}`);
    peer.failNext(2, { code: 'unavailable', methods: ['RemoveParticipant'] });
    const r = await ctx.host.del(`/v1/rooms/${ctx.roomId}/stage/${userId}`);
    assert.ok(r.status >= 200 && r.status < 300, `remove: ${show(r)}`);
    await peer.waitForCall('RemoveParticipant', { room: ctx.roomId, identity: userId });
    await settle();
    const calls = peer.callsOf('RemoveParticipant', { room: ctx.roomId, identity: userId });
    assert.deepEqual(calls.map((c) => c.status), [503, 503, 200], 'two failures, one success, nothing after');
    assert.equal(peer.rooms.get(ctx.roomId).participants.has(userId), false);
  });

  test('a publisher that is not on stage is removed; a hidden subscribe-only viewer is not', async () => {
    const ctx = await newRoom('intruder');
    await hostLive(ctx);
    const intruder = `mallory-${seq}`;
    const viewer = `viewer-${intruder}-x1`;
    expectedRemovals.add(`${ctx.roomId}/${intruder}`);
    const from = ctx.mark();
    // Both webhooks are built before cohostd can react (the removal may come after either).
    const joined = peer.join(ctx.roomId, intruder, { canPublish: true });
    const published = peer.publish(ctx.roomId, intruder, 'CAMERA');
    accepted([...(await joined), ...(await published)], 'intruder');
    accepted(await peer.join(ctx.roomId, viewer, { canPublish: false, hidden: true }), 'viewer');
    await peer.waitForCall('RemoveParticipant', { room: ctx.roomId, identity: intruder });
    await settle();
    assert.equal(peer.rooms.get(ctx.roomId).participants.has(intruder), false, 'the intruder is gone');
    assert.equal(peer.callsOf('RemoveParticipant', { identity: viewer }).length, 0, 'the viewer stays');
    assert.equal(peer.rooms.get(ctx.roomId).participants.has(viewer), true);
    assert.ok(!ctx.eventsSince(from).some((e) => e.event.startsWith('stage.') && e.data.userId === intruder),
      'an intruder never appears on stage');
    assert.equal((await ctx.room()).status, 'live');
  });
});

describe('bans (engagement)', () => {
  test('banning a watching viewer removes it from the media room', async () => {
    const ctx = await newRoom('ban');
    await hostLive(ctx);
    seq += 1;
    const userId = `ban-${seq}`;
    const viewer = await devLogin(base, userId, 'Banned Viewer');
    // Its media identity is the one its viewer token carries: viewer-<userId>-<8 chars>.
    const t = await viewer.post(`/v1/rooms/${ctx.roomId}/viewer-token`);
    assert.equal(t.status, 200, `viewer-token: ${show(t)}`);
    const identity = JSON.parse(Buffer.from(t.body.token.split('.')[1], 'base64url').toString()).sub;
    assert.match(identity, new RegExp(`^viewer-${userId}-.{8}$`));
    // Another user whose id extends this one's, watching too: must stay.
    const otherId = `${userId}-x`;
    const other = await devLogin(base, otherId, 'Other Viewer');
    const t2 = await other.post(`/v1/rooms/${ctx.roomId}/viewer-token`);
    const otherIdentity = JSON.parse(Buffer.from(t2.body.token.split('.')[1], 'base64url').toString()).sub;
    expectedRemovals.add(`${ctx.roomId}/${identity}`);
    accepted(await peer.join(ctx.roomId, identity, { canPublish: false, hidden: true }), 'viewer');
    accepted(await peer.join(ctx.roomId, otherIdentity, { canPublish: false, hidden: true }), 'other viewer');
    const r = await ctx.host.post(`/v1/rooms/${ctx.roomId}/moderation`, { body: { action: 'ban', userId } });
    assert.equal(r.status, 200, `ban: ${show(r)}`);
    await peer.waitForCall('RemoveParticipant', { room: ctx.roomId, identity });
    await settle();
    assert.equal(peer.callsOf('RemoveParticipant', { room: ctx.roomId, identity }).length, 1);
    assert.equal(peer.rooms.get(ctx.roomId).participants.has(identity), false, 'the banned viewer is gone');
    assert.equal(peer.callsOf('RemoveParticipant', { identity: otherIdentity }).length, 0, 'the other viewer stays');
    assert.equal(peer.rooms.get(ctx.roomId).participants.has(otherIdentity), true);
    assert.equal((await ctx.room()).status, 'live');
  });
});

describe('the reconciler', () => {
  test('repairs a co-host whose participant_left webhook was lost', async () => {
    const ctx = await newRoom('reconcile');
    await hostLive(ctx);
    const { userId } = await addCohost(ctx, 'reconcile');
    await cohostLive(ctx, userId);
    expectedRemovals.add(`${ctx.roomId}/${userId}`);
    const from = ctx.mark();
    peer.webhooksEnabled = false;
    try {
      const records = await peer.drop(ctx.roomId, userId);
      assert.ok(records.every((r) => r.dropped), 'the drop was not announced');
      // Within a few reconcile intervals the member must be reconnecting (or already released).
      const first = await ctx.wait('stage.reconnecting', (d) => d.userId === userId, from, 5 * RECONCILE_MS + 5_000)
        .catch(() => ctx.wait('stage.left', (d) => d.userId === userId, from, 1));
      assert.ok(first, 'repaired');
      const left = await ctx.wait('stage.left', (d) => d.userId === userId, from, GRACE_MS + 10_000);
      assert.equal(left.data.reason, 'connection_lost');
    } finally {
      peer.webhooksEnabled = true;
    }
    assert.equal(await ctx.member(userId), null);
    assert.equal((await ctx.room()).status, 'live', 'the host is still connected: the room stays live');
  });

  test('repairs a co-host whose track_published webhook was lost after its return', async () => {
    const ctx = await newRoom('reconback');
    await hostLive(ctx);
    const { userId } = await addCohost(ctx, 'reconback');
    await cohostLive(ctx, userId);
    const from = ctx.mark();
    accepted(await peer.drop(ctx.roomId, userId), 'drop co-host');
    await ctx.wait('stage.reconnecting', (d) => d.userId === userId, from);
    const back = ctx.mark();
    // The return is announced (so the grace timer cannot race the reconciler); the publish is not.
    accepted(await peer.join(ctx.roomId, userId), 'rejoin co-host');
    peer.webhooksEnabled = false;
    try {
      await peer.publish(ctx.roomId, userId, 'CAMERA');
      const live = await ctx.wait('stage.live', (d) => d.userId === userId, back, 5 * RECONCILE_MS + 5_000);
      assert.equal(live.data.camera, 'on');
    } finally {
      peer.webhooksEnabled = true;
    }
    assert.equal((await ctx.member(userId)).state, 'live');
    assert.ok(!ctx.eventsSince(from).some((e) => e.event === 'stage.left' && e.data.userId === userId));
  });

  test('repairs a live room whose media room vanished without room_finished (host lost)', async () => {
    const ctx = await newRoom('reconroom');
    await hostLive(ctx);
    const from = ctx.mark();
    peer.webhooksEnabled = false;
    try {
      await peer.finishRoom(ctx.roomId);
      await ctx.wait('room.reconnecting', () => true, from, 5 * RECONCILE_MS + 5_000);
    } finally {
      peer.webhooksEnabled = true;
    }
    const ended = await ctx.wait('room.ended', () => true, from, WINDOW_MS + 10_000);
    assert.equal(ended.data.endReason, 'host_lost');
  });
});

describe('webhook authentication', () => {
  test('forged, expired, tampered and unsigned webhooks are refused with 401 and change nothing', async () => {
    const ctx = await newRoom('forged');
    await hostLive(ctx);
    const from = ctx.mark();
    const hostLeft = peer.makeEventBody('participant_left', ctx.roomId, ctx.hostId);
    const forged = await peer.sendRaw(hostLeft, await signWebhook(hostLeft, API_KEY, randomSecret()));
    assert.equal(forged.status, 401, `forged: ${forged.status} ${forged.text}`);
    const otherKey = await peer.sendRaw(hostLeft, await signWebhook(hostLeft, 'APIother', secret));
    assert.equal(otherKey.status, 401, `other key: ${otherKey.status} ${otherKey.text}`);
    const expired = await peer.sendRaw(hostLeft, await signWebhook(hostLeft, API_KEY, secret, { ttl: '1 minute ago' }));
    assert.equal(expired.status, 401, `expired: ${expired.status} ${expired.text}`);
    const harmless = peer.makeEventBody('participant_joined', ctx.roomId, `viewer-someone-${seq}`);
    const tampered = await peer.sendRaw(hostLeft, await signWebhook(harmless, API_KEY, secret));
    assert.equal(tampered.status, 401, `tampered: ${tampered.status} ${tampered.text}`);
    const unsigned = await peer.sendRaw(hostLeft, null);
    assert.equal(unsigned.status, 401, `unsigned: ${unsigned.status} ${unsigned.text}`);
    // A genuine webhook afterwards is processed in order after the refused ones: once it is
    // answered, any effect of the refused ones would be visible.
    accepted(await peer.join(ctx.roomId, `viewer-sync-${seq}`, { canPublish: false, hidden: true }), 'sync');
    assert.equal((await ctx.room()).status, 'live');
    assert.equal((await ctx.member(ctx.hostId)).state, 'live');
    assert.deepEqual(ctx.eventsSince(from).map((e) => e.event), [], 'no event from refused webhooks');
  });

  test('a replayed webhook (same id twice) is applied once', async () => {
    const ctx = await newRoom('replay');
    await hostLive(ctx);
    const { userId } = await addCohost(ctx, 'replay');
    await cohostLive(ctx, userId);
    let from = ctx.mark();
    const [unpub] = accepted(await peer.unpublish(ctx.roomId, userId, 'CAMERA'), 'unpublish camera');
    await ctx.wait('stage.updated', (d) => d.userId === userId && d.camera === 'off', from);
    from = ctx.mark();
    accepted(await peer.publish(ctx.roomId, userId, 'CAMERA'), 'publish camera again');
    await ctx.wait('stage.updated', (d) => d.userId === userId && d.camera === 'on', from);
    from = ctx.mark();
    const replay = await peer.sendRaw(unpub.body, unpub.auth); // same bytes, same signature, same id
    assert.ok(replay.status >= 200 && replay.status < 300,
      `a duplicate delivery of a genuine webhook is acknowledged: ${replay.status} ${replay.text}`);
    accepted(await peer.join(ctx.roomId, `viewer-sync-${seq}`, { canPublish: false, hidden: true }), 'sync');
    assert.equal((await ctx.member(userId)).camera, 'on', 'the replayed track_unpublished was not applied again');
    assert.deepEqual(ctx.eventsSince(from).map((e) => e.event), [], 'no event from the replay');
  });
});

describe('protocol hygiene over the whole run', () => {
  test('every Twirp body parsed strictly, every call was authorized, every genuine webhook was accepted', async () => {
    await peer.drained();
    assert.deepEqual(peer.violations, [], 'Twirp bodies that failed strict parsing');
    const refusedCalls = peer.calls.filter((c) => !c.injected && c.status !== 200 && c.code !== 'not_found');
    assert.deepEqual(refusedCalls.map((c) => `${c.method} ${c.status} ${c.code} ${c.body}`), [],
      'Twirp calls refused for another reason than not_found');
    assert.deepEqual(peer.refusedWebhooks().map((w) => `${w.event} ${w.status} ${w.text}`), []);
    const unexpected = peer.callsOf('RemoveParticipant')
      .filter((c) => !expectedRemovals.has(`${c.request.room}/${c.request.identity}`));
    assert.deepEqual(unexpected.map((c) => c.request), [], 'RemoveParticipant of someone who should stay');
  });
});
