// Live collections against a real cohostd: a full invite → accept → stage → remove flow between a
// host and a co-host as both see it, cancel / reject / expiry leaving the lists, the viewer count,
// and reference counting (handles share one subscription and one fetch; the last close unsubscribes).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CohostClient, type Invitation, type StageMember } from '../src/index.js';
import { countingFetch, login, startCohostd, until, waitFor, type Server } from './harness.js';

let server: Server;
const clients: CohostClient[] = [];

before(async () => {
  server = await startCohostd();
});

after(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

async function user(id: string, extra: Parameters<typeof login>[2] = {}) {
  const r = await login(server, id, extra);
  clients.push(r.client);
  return r;
}

const ids = (list: Invitation[]) => list.map((i) => i.invitationId);
const who = (members: StageMember[]) => members.map((m) => `${m.userId}:${m.role}:${m.state}`);

describe('live collections', () => {
  it('follow invite → accept → stage → permissions → remove between host and co-host', async () => {
    const { client: host } = await user('host1');
    const { client: guest } = await user('guest1');
    const room = await host.createRoom({ title: 'Flow', maxCoHosts: 2 });

    const hostInvites = host.observeRoomInvitations(room.roomId);
    const guestInvites = guest.observeMyInvitations();
    const hostStage = host.observeStage(room.roomId);
    const guestStage = guest.observeStage(room.roomId);
    const guestRoom = guest.observeRoom(room.roomId);
    assert.deepEqual(await hostInvites.ready(), []);
    assert.deepEqual(await guestInvites.ready(), []);
    assert.deepEqual(who(await hostStage.ready()), ['host1:host:offline']);
    assert.deepEqual(who(await guestStage.ready()), ['host1:host:offline']);
    assert.equal((await guestRoom.ready()).title, 'Flow');

    // observe() calls back at once with the current value, then on changes.
    const seenByGuest: Invitation[][] = [];
    const stopObserving = guestInvites.observe((v) => seenByGuest.push(v));
    assert.deepEqual(seenByGuest, [[]]);

    const inv = await host.invite(room.roomId, 'guest1');
    await until(hostInvites, 'host sees the pending invitation', (l) => l.length === 1);
    const mine = await until(guestInvites, 'guest sees the invitation', (l) => l.length === 1);
    assert.deepEqual(ids(mine), [inv.invitationId]);
    assert.equal(mine[0]?.status, 'pending');
    assert.equal(mine[0]?.roomTitle, 'Flow');
    assert.equal(mine[0]?.inviter?.userId, 'host1');
    assert.equal(seenByGuest.length, 2);

    await guest.acceptInvitation(inv.invitationId);
    await until(hostInvites, 'accepted leaves the host list', (l) => l.length === 0);
    await until(guestInvites, 'accepted leaves the guest list', (l) => l.length === 0);
    for (const stage of [hostStage, guestStage]) {
      const members = await until(stage, 'guest on stage', (m) => m.length === 2);
      assert.deepEqual(who(members), ['host1:host:offline', 'guest1:cohost:backstage']);
      assert.equal('reason' in (members[1] ?? {}), false, 'event-only fields are not kept');
    }

    await host.updateStageMember(room.roomId, 'guest1', { permissions: { canManageProducts: true } });
    await until(guestStage, 'permission change', (m) => m[1]?.permissions.canManageProducts === true);

    await host.updateRoom(room.roomId, { title: 'Flow, live soon' });
    await until(guestRoom, 'room title', (r) => r.title === 'Flow, live soon');

    await host.removeFromStage(room.roomId, 'guest1');
    for (const stage of [hostStage, guestStage]) {
      await until(stage, 'guest removed', (m) => m.length === 1);
    }
    assert.deepEqual(hostStage.value, (await host.getStage(room.roomId)).members);

    await host.stopRoom(room.roomId);
    const ended = await until(guestRoom, 'room ended', (r) => r.status === 'ended');
    assert.equal(ended.endReason, 'stopped');

    stopObserving();
    for (const lv of [hostInvites, guestInvites, hostStage, guestStage, guestRoom]) lv.close();
    assert.deepEqual(host.realtime.topics(), []);
    assert.deepEqual(guest.realtime.topics(), []);
  });

  it('cancel, reject and expiry remove invitations; several rooms stay apart', async () => {
    const { client: host } = await user('host2');
    const { client: guest } = await user('guest2');
    const roomA = await host.createRoom({ title: 'A' });
    const roomB = await host.createRoom({ title: 'B' });
    const invitesA = host.observeRoomInvitations(roomA.roomId);
    const invitesB = host.observeRoomInvitations(roomB.roomId);
    const mine = guest.observeMyInvitations();
    await Promise.all([invitesA.ready(), invitesB.ready(), mine.ready()]);

    const a1 = await host.invite(roomA.roomId, 'guest2');
    const b1 = await host.invite(roomB.roomId, 'guest2', { expiresInSeconds: 10 });
    await until(mine, 'two invitations, newest first', (l) => l.length === 2);
    assert.deepEqual(ids(mine.value ?? []), [b1.invitationId, a1.invitationId]);
    await until(invitesA, 'room A list', (l) => l.length === 1);
    assert.deepEqual(ids(invitesA.value ?? []), [a1.invitationId]);
    await until(invitesB, 'room B list', (l) => l.length === 1);
    assert.deepEqual(ids(invitesB.value ?? []), [b1.invitationId]);

    await host.cancelInvitation(a1.invitationId);
    await until(invitesA, 'cancelled leaves room A', (l) => l.length === 0);
    await until(mine, 'cancelled leaves mine', (l) => l.length === 1);

    const a2 = await host.invite(roomA.roomId, 'guest2');
    await until(mine, 'new invitation', (l) => l.some((i) => i.invitationId === a2.invitationId));
    await guest.rejectInvitation(a2.invitationId);
    await until(mine, 'rejected leaves mine', (l) => !l.some((i) => i.invitationId === a2.invitationId));

    // b1 expires on the server (10 s); the invitation.expired event removes it everywhere.
    await until(mine, 'expired leaves mine', (l) => l.length === 0, 30_000);
    await until(invitesB, 'expired leaves room B', (l) => l.length === 0, 30_000);
    assert.equal((await guest.getInvitation(b1.invitationId)).status, 'expired');
  });

  it('the viewer count follows viewers.count', async () => {
    const { client: host } = await user('host3');
    const { client: viewer } = await user('viewer3');
    const room = await host.createRoom({ title: 'Viewers' });
    const count = host.observeViewerCount(room.roomId);
    assert.equal(await count.ready(), 0, 'the host is a stage member, not a viewer');
    const watching = viewer.observeRoom(room.roomId); // a room subscription counts as watching
    await watching.ready();
    await until(count, 'one viewer', (n) => n === 1);
    watching.close();
    await until(count, 'no viewer', (n) => n === 0);
    count.close();
  });

  it('handles share one subscription and one fetch; the last close unsubscribes', async () => {
    const counter = countingFetch();
    const { client: host } = await user('host4');
    const { client: fan, lab } = await user('fan4', { fetch: counter.fetch });
    const room = await host.createRoom({ title: 'Refcount' });
    const topic = `room:${room.roomId}`;
    const stagePath = `/v1/rooms/${room.roomId}/stage`;
    const subscribes = () => lab.sent.filter((s) => s.frame.type === 'subscribe' && s.frame.topic === topic).length;
    const unsubscribes = () => lab.sent.filter((s) => s.frame.type === 'unsubscribe' && s.frame.topic === topic).length;

    const first = fan.observeStage(room.roomId);
    const second = fan.observeStage(room.roomId);
    assert.notEqual(first, second, 'each call returns its own handle');
    await first.ready();
    assert.deepEqual(await second.ready(), first.value);
    const sameRoom = fan.observeRoom(room.roomId); // another collection on the same topic
    await sameRoom.ready();
    assert.equal(subscribes(), 1);
    assert.equal(counter.count('GET', stagePath), 1);

    const seenBySecond: number[] = [];
    second.observe((m) => seenBySecond.push(m.length));
    first.close();
    first.close(); // idempotent
    assert.equal(first.closed, true);
    assert.equal(unsubscribes(), 0);

    const inv = await host.invite(room.roomId, 'fan4');
    await fan.acceptInvitation(inv.invitationId);
    await until(second, 'the remaining handle still follows', (m) => m.length === 2);
    assert.deepEqual(seenBySecond, [1, 2]);

    second.close();
    assert.equal(unsubscribes(), 0, 'observeRoom still holds the topic');
    sameRoom.close();
    assert.equal(unsubscribes(), 1);
    assert.deepEqual(fan.realtime.topics(), []);

    // A new observer starts over: a new subscription and a fresh fetch.
    const third = fan.observeStage(room.roomId);
    assert.equal((await until(third, 'fresh', (m) => m.length === 2)).length, 2);
    assert.equal(subscribes(), 2);
    await waitFor('second fetch', () => counter.count('GET', stagePath) === 2);
    third.close();
  });

  it('errors: an unknown room reports not_found on the live value', async () => {
    const { client: c } = await user('lost5');
    const lv = c.observeRoom('RM_missing');
    await assert.rejects(lv.ready(), (e: Error & { code?: string }) => e.code === 'not_found');
    assert.equal((lv.error as Error & { code?: string }).code, 'not_found');
    assert.equal(lv.value, undefined);
    const second = c.observeRoom('RM_missing'); // shares the failed core: ready() rejects at once
    await assert.rejects(second.ready(), (e: Error & { code?: string }) => e.code === 'not_found');
    second.close();
    lv.close();
  });

  it('observeLiveRooms lists only live rooms', async () => {
    const { client: c } = await user('lister6', { liveRoomsPollMs: 100 });
    await c.createRoom({ title: 'idle room' });
    const rooms = c.observeLiveRooms();
    assert.deepEqual(await rooms.ready(), []);
    rooms.close();
  });
});
