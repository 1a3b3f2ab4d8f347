// The realtime socket against a real cohostd: events reach listeners, one server subscription per
// topic however many listeners, refusals do not close the socket, and the reconnect paths: an
// abrupt client-side drop and a silently dead socket (client ping) both resume with `since`, and
// the missed events arrive once, in order, without gaps.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CohostClient, type RealtimeEvent, type RealtimeState, type Room, type StageMember } from '../src/index.js';
import { assertContiguous, login, recorder, startCohostd, until, waitFor, type Server } from './harness.js';

let server: Server;
let alice: CohostClient;
const clients: CohostClient[] = [];

before(async () => {
  server = await startCohostd();
  alice = (await login(server, 'alice')).client;
  clients.push(alice);
});

after(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

describe('realtime socket', () => {
  it('opens on first subscribe and delivers events with the event type, seq and data', async () => {
    const { client: bob } = await login(server, 'bob');
    clients.push(bob);
    const states: RealtimeState[] = [];
    bob.realtime.onState((s) => states.push(s));
    assert.equal(bob.realtime.state, 'idle');

    const room = await alice.createRoom({ title: 'Realtime' });
    const { got, all, listener } = recorder();
    let confirmed: { seq: number; resumed: boolean } | undefined;
    bob.realtime.subscribe(`room:${room.roomId}`, listener, { onSubscribed: (i) => (confirmed = i) });
    await waitFor('subscribed', () => confirmed !== undefined);
    assert.deepEqual(states, ['connecting', 'open']);
    assert.equal(confirmed?.resumed, false);
    const base = confirmed?.seq ?? -1;
    assert.ok(base >= 0);

    await alice.updateRoom(room.roomId, { title: 'Realtime 2' });
    await waitFor('room.updated', () => got.length === 1);
    const [ev] = got;
    assert.equal(ev?.type, 'room.updated');
    assert.equal(ev?.event, 'room.updated');
    assert.equal(ev?.topic, `room:${room.roomId}`);
    assert.ok((ev?.seq ?? 0) > base);
    assertContiguous(all, base + 1);
    assert.match(ev?.at ?? '', /Z$/);
    assert.equal((ev?.data as Room).title, 'Realtime 2');
    assert.equal(bob.realtime.lastSeq(`room:${room.roomId}`), all.at(-1)?.seq);
  });

  it('shares one server subscription among listeners; unsubscribes with the last one', async () => {
    const { client: carol, lab } = await login(server, 'carol');
    clients.push(carol);
    const room = await alice.createRoom({ title: 'Shared' });
    const topic = `room:${room.roomId}`;
    const ra = recorder();
    const rb = recorder();
    const a = ra.got;
    const b = rb.got;
    let okA: { seq: number } | undefined;
    let okB = false;
    const offA = carol.realtime.subscribe(topic, ra.listener, { onSubscribed: (i) => (okA = i) });
    await waitFor('first confirmed', () => okA !== undefined);
    const base = okA?.seq ?? -1;
    const offB = carol.realtime.subscribe(topic, rb.listener, { onSubscribed: () => (okB = true) });
    await waitFor('second told at once', () => okB);
    const frames = (type: string) => lab.sent.filter((s) => s.frame.type === type && s.frame.topic === topic);
    assert.equal(frames('subscribe').length, 1);

    await alice.updateRoom(room.roomId, { title: 'Shared 2' });
    await waitFor('both listeners', () => a.length === 1 && b.length === 1);
    offA();
    offA(); // idempotent
    assert.equal(frames('unsubscribe').length, 0);
    await alice.updateRoom(room.roomId, { title: 'Shared 3' });
    await waitFor('the remaining listener', () => b.length === 2);
    assert.equal(a.length, 1, 'an unsubscribed listener gets nothing more');
    offB();
    assert.equal(frames('unsubscribe').length, 1);
    assert.deepEqual(carol.realtime.topics(), []);

    // Subscribing again right away: frames of the old subscription are not mistaken for the new one.
    const rc = recorder();
    let okC: { seq: number; resumed: boolean } | undefined;
    carol.realtime.subscribe(topic, rc.listener, { onSubscribed: (i) => (okC = i) });
    await waitFor('resubscribed', () => okC !== undefined);
    assert.equal(okC?.resumed, false);
    assert.ok((okC?.seq ?? 0) >= (rb.all.at(-1)?.seq ?? Infinity));
    await alice.updateRoom(room.roomId, { title: 'Shared 4' });
    await waitFor('new listener', () => rc.got.length === 1);
    assert.equal((rc.got[0]?.data as Room).title, 'Shared 4');
    assertContiguous(rc.all, (okC?.seq ?? 0) + 1);
    assertContiguous(rb.all);
  });

  it('a refused subscription reports the error and leaves the socket and other topics working', async () => {
    const { client: dave } = await login(server, 'dave');
    clients.push(dave);
    const errors: string[] = [];
    dave.realtime.subscribe('user:alice', () => assert.fail('no events from another user'), {
      onError: (e) => errors.push(`${e.topic} ${e.code}`),
    });
    dave.realtime.subscribe('room:RM_nothere', () => {}, { onError: (e) => errors.push(`${e.topic} ${e.code}`) });
    await waitFor('two refusals', () => errors.length === 2);
    assert.deepEqual(errors.sort(), ['room:RM_nothere not_found', 'user:alice forbidden']);
    assert.equal(dave.realtime.state, 'open');

    const mine: RealtimeEvent[] = [];
    dave.realtime.subscribe('user:dave', (e) => mine.push(e));
    const room = await alice.createRoom({ title: 'For dave' });
    await alice.invite(room.roomId, 'dave');
    await waitFor('invitation.created for dave', () => mine.length === 1);
    assert.equal(mine[0]?.type, 'invitation.created');
    assert.throws(() => dave.realtime.subscribe('bogus', () => {}), /bad topic/);
  });

  it('without a WebSocket class the first subscribe fails with a clear error', { skip: 'WebSocket' in globalThis }, () => {
    const c = new CohostClient({ baseUrl: server.baseUrl, token: alice.token });
    assert.throws(() => c.realtime.subscribe('user:alice', () => {}), /no WebSocket available/);
    assert.equal(c.realtime.state, 'idle');
  });

  it('close() closes the socket for good', async () => {
    const { client: erin } = await login(server, 'erin');
    let ok = false;
    erin.realtime.subscribe('user:erin', () => {}, { onSubscribed: () => (ok = true) });
    await waitFor('open', () => ok);
    erin.close();
    assert.equal(erin.realtime.state, 'closed');
    assert.throws(() => erin.realtime.subscribe('user:erin', () => {}), /closed/);
  });
});

describe('reconnect and resume', () => {
  it('after an abrupt client-side drop, the missed events arrive once, in order, with no gap', async () => {
    const { client: bob, lab } = await login(server, 'bob2');
    clients.push(bob);
    const room = await alice.createRoom({ title: 'Resume', maxCoHosts: 4 });
    const topic = `room:${room.roomId}`;
    const { got, all, listener } = recorder();
    const states: RealtimeState[] = [];
    bob.realtime.subscribe(topic, listener);
    const stage = bob.observeStage(room.roomId);
    const liveRoom = bob.observeRoom(room.roomId);
    await stage.ready();
    await liveRoom.ready();

    await alice.updateRoom(room.roomId, { title: 'Resume 1' });
    await waitFor('first event', () => got.length === 1);
    const lastBeforeDrop = bob.realtime.lastSeq(topic);
    bob.realtime.onState((s) => states.push(s));

    // Cut the socket (no close handshake) and keep new connections failing while alice acts.
    lab.blocked = true;
    lab.current().terminate();
    await waitFor('reconnecting', () => bob.realtime.state === 'reconnecting');
    const allWhenCut = all.length;
    const { client: carol } = await login(server, 'carol2');
    const { client: dan } = await login(server, 'dan2');
    clients.push(carol, dan);
    for (const who of [carol, dan]) {
      const inv = await alice.invite(room.roomId, who.userId ?? '');
      await who.acceptInvitation(inv.invitationId);
    }
    await alice.updateStageMember(room.roomId, 'carol2', { permissions: { canManageProducts: true } });
    await dan.leaveStage(room.roomId);
    await alice.updateRoom(room.roomId, { title: 'Resume 2' });
    assert.equal(all.length, allWhenCut, 'nothing arrives while disconnected');
    assert.equal(got.length, 1);

    const socketsBefore = lab.sockets.length;
    lab.blocked = false;
    await waitFor('all missed events', () => got.length === 6, { describe: () => got.map((e) => `${e.seq} ${e.type}`) });
    assert.deepEqual(states.filter((s, i) => s !== states[i - 1]).slice(-2), ['reconnecting', 'open']);
    assertContiguous(all);
    assert.deepEqual(got.map((e) => e.type), ['room.updated', 'stage.joined', 'stage.joined', 'stage.updated', 'stage.left', 'room.updated']);

    // The new socket resumed from the last seen seq.
    const resumed = lab.sent.find((s) => s.socket >= socketsBefore && s.frame.type === 'subscribe' && s.frame.topic === topic);
    assert.deepEqual(resumed?.frame, { type: 'subscribe', topic, since: lastBeforeDrop });

    // Live collections caught up from the replayed events.
    const members = await until(stage, 'stage after resume', (m) => m.length === 2);
    assert.deepEqual(members.map((m: StageMember) => [m.userId, m.role, m.permissions.canManageProducts]),
      [['alice', 'host', false], ['carol2', 'cohost', true]]);
    assert.deepEqual(members, (await alice.getStage(room.roomId)).members);
    await until(liveRoom, 'room after resume', (r) => r.title === 'Resume 2');

    // Nothing is delivered twice afterwards either.
    await alice.updateRoom(room.roomId, { title: 'Resume 3' });
    await waitFor('live event after resume', () => got.length === 7);
    assertContiguous(all);
    stage.close();
    liveRoom.close();
  });

  it('a silently dead socket is detected by the client ping and replaced; events resume', async () => {
    const { client: bob, lab } = await login(server, 'bob3', {
      realtime: { pingIntervalMs: 200, pongTimeoutMs: 1_500, reconnectBaseMs: 50, reconnectMaxMs: 200 },
    });
    clients.push(bob);
    const room = await alice.createRoom({ title: 'Dead socket' });
    const { got, all, listener } = recorder();
    let confirmations = 0;
    let base = -1;
    bob.realtime.subscribe(`room:${room.roomId}`, listener, {
      onSubscribed: (i) => {
        confirmations++;
        if (base < 0) base = i.seq;
      },
    });
    await waitFor('subscribed', () => confirmations === 1);
    assert.equal(lab.sockets.length, 1);

    lab.current().frozen = true; // a black hole: nothing in, nothing out, no close
    await alice.updateRoom(room.roomId, { title: 'while frozen 1' });
    await alice.updateRoom(room.roomId, { title: 'while frozen 2' });
    await waitFor('a new socket', () => lab.sockets.length >= 2 && bob.realtime.state === 'open');
    const titles = () => got.filter((e) => e.type === 'room.updated').map((e) => (e.data as Room).title);
    await waitFor('missed events', () => titles().length === 2, {
      describe: () => ({ all: all.map((e) => `${e.seq} ${e.type}`), base, sockets: lab.sockets.length, state: bob.realtime.state, sent: lab.sent.slice(-6) }),
    });
    assertContiguous(all, base + 1);
    assert.deepEqual(titles(), ['while frozen 1', 'while frozen 2']);
    assert.ok(lab.sent.some((s) => s.socket >= 1 && s.frame.type === 'subscribe' && s.frame.since === base));
  });
});
