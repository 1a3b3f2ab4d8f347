// resync_required against a real cohostd whose realtime retention is tiny (realtime.retention_events: 2):
// while a client is cut off, more events than retained happen and are pruned; on reconnect the
// server answers resync_required, the live collections refetch over REST and end correct, and
// events continue after the resync seq without duplicates.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';

import { CohostClient, CohostError } from '../src/index.js';
import { assertContiguous, countingFetch, login, recorder, startCohostd, until, waitFor, type Server } from './harness.js';

let server: Server;
const clients: CohostClient[] = [];

before(async () => {
  server = await startCohostd({ config: 'realtime:\n  retention_events: 2\n' });
});

after(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

/**
 * Opens a raw socket, subscribes to `topic` with `since` and answers whether the server could
 * replay ('replay') or asks for a resync ('resync').
 */
async function probe(token: string, topic: string, since: number): Promise<'replay' | 'resync'> {
  const ws = new WebSocket(`${server.baseUrl.replace(/^http/, 'ws')}/v1/realtime?token=${encodeURIComponent(token)}`);
  try {
    return await new Promise<'replay' | 'resync'>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', topic, since })));
      ws.on('message', (data) => {
        const f = JSON.parse(String(data)) as { type: string };
        if (f.type === 'resync_required') resolve('resync');
        else if (f.type === 'event') resolve('replay');
        else if (f.type === 'error') reject(new Error(String(data)));
      });
      ws.on('error', reject);
    });
  } finally {
    ws.terminate();
  }
}

describe('resync_required', () => {
  it('collections refetch and end correct when the missed events were pruned', async () => {
    const { client: alice } = await login(server, 'alice');
    const { client: carol } = await login(server, 'carol');
    const counter = countingFetch();
    const { client: bob, lab } = await login(server, 'bob', { fetch: counter.fetch });
    clients.push(alice, carol, bob);
    const room = await alice.createRoom({ title: 'Resync', maxCoHosts: 3 });
    const roomTopic = `room:${room.roomId}`;
    const userTopic = 'user:bob';

    const { got, all, listener } = recorder();
    const resyncs: number[] = []; // the watermark seq of each resync_required
    bob.realtime.subscribe(roomTopic, listener, { onResync: () => resyncs.push(bob.realtime.lastSeq(roomTopic) ?? -1) });
    const stage = bob.observeStage(room.roomId);
    const liveRoom = bob.observeRoom(room.roomId);
    const invites = bob.observeMyInvitations();
    await Promise.all([stage.ready(), liveRoom.ready(), invites.ready()]);
    await alice.updateRoom(room.roomId, { title: 'Resync 1' });
    await waitFor('first event', () => got.length === 1);
    const fetchesBefore = {
      stage: counter.count('GET', `/v1/rooms/${room.roomId}/stage`),
      room: counter.count('GET', `/v1/rooms/${room.roomId}`),
      invites: counter.count('GET', '/v1/me/invitations'),
    };
    assert.deepEqual(fetchesBefore, { stage: 1, room: 1, invites: 1 });

    // Cut bob off; make more events than retained on both of his topics.
    lab.blocked = true;
    lab.current().terminate();
    await waitFor('cut off', () => bob.realtime.state === 'reconnecting');
    const allWhenCut = all.length;
    const seenRoom = bob.realtime.lastSeq(roomTopic) ?? -1;
    const seenUser = bob.realtime.lastSeq(userTopic) ?? -1;
    const forCarol = await alice.invite(room.roomId, 'carol');
    await carol.acceptInvitation(forCarol.invitationId);
    await alice.updateStageMember(room.roomId, 'carol', { permissions: { canManageProducts: true } });
    for (let i = 2; i <= 5; i++) await alice.updateRoom(room.roomId, { title: `Resync ${i}` });
    const first = await alice.invite(room.roomId, 'bob');
    await alice.cancelInvitation(first.invitationId);
    const second = await alice.invite(room.roomId, 'bob');
    await assert.rejects(alice.invite(room.roomId, 'bob'),
      (e: CohostError) => e.code === 'already_invited' && e.details.invitationId === second.invitationId);
    const extra = await alice.createRoom({ title: 'Other room' });
    const other = await alice.invite(extra.roomId, 'bob');
    await alice.cancelInvitation(other.invitationId);

    // The server prunes on its maintenance tick (every 30 s): wait until the gap is gone for sure.
    const deadline = Date.now() + 90_000;
    while ((await probe(alice.token, roomTopic, seenRoom)) !== 'resync' || (await probe(bob.token, userTopic, seenUser)) !== 'resync') {
      assert.ok(Date.now() < deadline, 'the server never pruned the retained events');
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(all.length, allWhenCut, 'nothing arrived while cut off');

    lab.blocked = false;
    await waitFor('resync of the room topic', () => resyncs.length === 1);
    const members = await until(stage, 'stage refetched', (m) => m.length === 2 && m[1]?.permissions.canManageProducts === true);
    assert.deepEqual(members, (await alice.getStage(room.roomId)).members);
    await until(liveRoom, 'room refetched', (r) => r.title === 'Resync 5');
    const pending = await until(invites, 'invitations refetched', (l) => l.length === 1 && l[0]?.invitationId === second.invitationId);
    assert.equal(pending[0]?.status, 'pending');

    // One refetch per collection; no event from the pruned gap was delivered.
    assert.equal(counter.count('GET', `/v1/rooms/${room.roomId}/stage`), fetchesBefore.stage + 1);
    assert.equal(counter.count('GET', `/v1/rooms/${room.roomId}`), fetchesBefore.room + 1);
    assert.equal(counter.count('GET', '/v1/me/invitations'), fetchesBefore.invites + 1);
    assert.equal(got.length, 1);
    const resumeFrame = lab.sent.filter((s) => s.frame.type === 'subscribe' && s.frame.topic === roomTopic).at(-1);
    assert.equal(resumeFrame?.frame.since, seenRoom);
    const watermark = resyncs[0] ?? -1;
    assert.ok(watermark > seenRoom + 2, `the watermark moved to the topic's seq (${watermark})`);

    // Live events continue right after the resync seq and keep the collections current.
    await alice.removeFromStage(room.roomId, 'carol');
    await waitFor('live event after resync', () => got.length === 2);
    assert.equal(got[1]?.type, 'stage.left');
    const afterResync = all.filter((e) => e.seq > watermark);
    assertContiguous(afterResync, watermark + 1);
    assert.ok(all.slice(allWhenCut).every((e) => e.seq > watermark), 'nothing from the pruned gap');
    await until(stage, 'removal applied', (m) => m.length === 1);
    await alice.cancelInvitation(second.invitationId);
    await until(invites, 'cancel applied', (l) => l.length === 0);
    for (const lv of [stage, liveRoom, invites]) lv.close();
  });
});
