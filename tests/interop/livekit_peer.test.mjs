// Self-test of the LiveKit-peer test server (livekit_peer.mjs), without cohostd: the stock
// livekit-server-sdk RoomServiceClient talks to its Twirp API, and the stock WebhookReceiver accepts
// the webhooks it sends. If the peer drifted from LiveKit's wire format, these fail first, before
// any cohostd test can be blamed.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { DataPacket_Kind, DisconnectReason, ParticipantInfo_State, TrackSource } from '@livekit/protocol';
import { AccessToken, RoomServiceClient, WebhookReceiver } from 'livekit-server-sdk';

import { randomSecret } from './harness.mjs';
import { signWebhook, startLivekitPeer } from './livekit_peer.mjs';

const KEY = 'APIpeertest';
const SECRET = randomSecret();

let peer;
let svc;
let hookServer;
const received = []; // {event (WebhookEvent), contentType, error}

before(async () => {
  peer = await startLivekitPeer({ apiKey: KEY, apiSecret: SECRET });
  svc = new RoomServiceClient(peer.url, KEY, SECRET);
  const receiver = new WebhookReceiver(KEY, SECRET);
  hookServer = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    try {
      const event = await receiver.receive(body, req.headers.authorization);
      received.push({ event, contentType: req.headers['content-type'], body });
      res.writeHead(200).end('{}');
    } catch (err) {
      received.push({ error: err.message, body });
      res.writeHead(401).end();
    }
  });
  await new Promise((r) => hookServer.listen(0, '127.0.0.1', r));
  peer.webhookUrl = `http://127.0.0.1:${hookServer.address().port}/v1/livekit/webhook`;
});

after(async () => {
  await peer?.close();
  hookServer?.closeAllConnections();
  await new Promise((r) => hookServer?.close(r) ?? r());
});

async function rawTwirp(method, body, { token, contentType = 'application/json' } = {}) {
  const headers = { 'content-type': contentType };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${peer.url}/twirp/livekit.RoomService/${method}`, { method: 'POST', headers, body });
  return { status: res.status, contentType: res.headers.get('content-type'), body: await res.json() };
}

async function apiToken(video, secret = SECRET) {
  const at = new AccessToken(KEY, secret, { ttl: '10m' });
  at.addGrant(video);
  return at.toJwt();
}

describe('Twirp RoomService served to the stock RoomServiceClient', () => {
  test('CreateRoom, ListRooms, ListParticipants, UpdateParticipant, MutePublishedTrack, SendData, RemoveParticipant, DeleteRoom', async () => {
    const room = await svc.createRoom({ name: 'r1', emptyTimeout: 300, maxParticipants: 10 });
    assert.equal(room.name, 'r1');
    assert.match(room.sid, /^RM_/);
    assert.equal(room.emptyTimeout, 300);
    assert.deepEqual((await svc.listRooms()).map((r) => r.name), ['r1']);
    assert.deepEqual((await svc.listRooms(['nope'])).map((r) => r.name), []);

    await peer.join('r1', 'alice', { name: 'Alice' });
    await peer.publish('r1', 'alice', 'CAMERA');
    const ps = await svc.listParticipants('r1');
    assert.equal(ps.length, 1);
    assert.equal(ps[0].identity, 'alice');
    assert.match(ps[0].sid, /^PA_/);
    assert.equal(ps[0].tracks.length, 1);
    assert.equal(ps[0].tracks[0].source, TrackSource.CAMERA);

    const updated = await svc.updateParticipant('r1', 'alice', { metadata: 'm', permission: { canSubscribe: true } });
    assert.equal(updated.metadata, 'm');
    assert.equal(updated.permission.canPublish, false, 'a permission object replaces the whole permission');

    const track = await svc.mutePublishedTrack('r1', 'alice', ps[0].tracks[0].sid, true);
    assert.equal(track.muted, true);

    await svc.sendData('r1', new TextEncoder().encode('hello'), DataPacket_Kind.RELIABLE, { topic: 'chat' });

    await svc.removeParticipant('r1', 'alice');
    assert.equal((await svc.listParticipants('r1')).length, 0);
    await assert.rejects(svc.removeParticipant('r1', 'alice'), (e) => e.status === 404 && e.code === 'not_found');

    await svc.deleteRoom('r1');
    assert.deepEqual(await svc.listRooms(), []);
    await assert.rejects(svc.deleteRoom('r1'), (e) => e.status === 404 && e.code === 'not_found');

    assert.equal(peer.okCallsOf('RemoveParticipant', { room: 'r1', identity: 'alice' }).length, 1);
    assert.equal(peer.callsOf('RemoveParticipant', { room: 'r1', identity: 'alice' }).length, 2);
    assert.deepEqual(peer.violations, [], 'the stock SDK never breaks strict parsing');
  });

  test('RemoveParticipant and DeleteRoom emit participant_left and room_finished like LiveKit', async () => {
    await peer.join('r2', 'bob');
    await peer.publish('r2', 'bob', 'MICROPHONE');
    await peer.join('r2', 'carol');
    await peer.drained();
    const mark = received.length;
    await svc.removeParticipant('r2', 'bob');
    await peer.waitUntil(() => peer.webhooks.filter((w) => w.room === 'r2' && w.event === 'participant_left').every((w) => w.done) &&
      peer.webhooks.some((w) => w.room === 'r2' && w.event === 'participant_left'), 'participant_left sent');
    await svc.deleteRoom('r2');
    await peer.waitUntil(() => peer.webhooks.some((w) => w.room === 'r2' && w.event === 'room_finished' && w.done), 'room_finished sent');
    const events = received.slice(mark).map((r) => `${r.event?.event}:${r.event?.participant?.identity ?? ''}`);
    assert.deepEqual(events, ['track_unpublished:bob', 'participant_left:bob', 'participant_left:carol', 'room_finished:']);
    const left = received.slice(mark).find((r) => r.event?.event === 'participant_left');
    assert.equal(left.event.participant.disconnectReason, DisconnectReason.PARTICIPANT_REMOVED);
  });

  test('auth: no token, a wrong secret, a missing grant or another room are unauthenticated 401 JSON', async () => {
    await svc.createRoom({ name: 'r3' });
    const cases = [
      ['ListRooms', '{}', undefined],
      ['ListRooms', '{}', await apiToken({ roomList: true }, randomSecret())],
      ['ListRooms', '{}', await apiToken({ roomAdmin: true, room: 'r3' })],
      ['DeleteRoom', '{"room":"r3"}', await apiToken({ roomList: true })],
      ['ListParticipants', '{"room":"r3"}', await apiToken({ roomAdmin: true, room: 'other' })],
      ['ListParticipants', '{"room":"r3"}', await apiToken({ roomAdmin: true })],
    ];
    for (const [method, body, token] of cases) {
      const r = await rawTwirp(method, body, { token });
      assert.equal(r.status, 401, `${method} ${body}: ${JSON.stringify(r.body)}`);
      assert.equal(r.contentType, 'application/json');
      assert.equal(r.body.code, 'unauthenticated');
    }
    const ok = await rawTwirp('ListParticipants', '{"room":"r3"}', { token: await apiToken({ roomAdmin: true, room: 'r3' }) });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, {}, 'an empty list is {} (defaults omitted), never an empty body');
  });

  test('strict parsing: an unknown field is malformed 400 and recorded as a violation', async () => {
    const before = peer.violations.length;
    const token = await apiToken({ roomList: true });
    const r = await rawTwirp('ListRooms', '{"names":[],"bogus":1}', { token });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'malformed');
    const bad = await rawTwirp('ListRooms', 'not json', { token });
    assert.equal(bad.status, 400);
    assert.equal(peer.violations.length, before + 2);
    peer.violations.length = before; // deliberate violations, not a finding
    const route = await rawTwirp('NoSuchMethod', '{}', { token });
    assert.equal(route.status, 404);
    assert.equal(route.body.code, 'bad_route');
  });

  test('failNext makes the next calls fail with the Twirp status, then calls succeed again', async () => {
    peer.failNext(2, { code: 'unavailable', methods: ['ListRooms'] });
    await assert.rejects(svc.listRooms(), (e) => e.status === 503 && e.code === 'unavailable');
    await assert.rejects(svc.listRooms(), (e) => e.status === 503);
    await svc.listRooms();
    assert.equal(peer.callsOf('ListRooms').filter((c) => c.injected).length, 2);
  });
});

describe('webhooks accepted by the stock WebhookReceiver', () => {
  test('join/publish/unpublish/drop/finishRoom produce LiveKit-shaped events with fresh ids', async () => {
    const mark = received.length;
    const results = [
      ...(await peer.join('w1', 'dave', { name: 'Dave' })),
      ...(await peer.publish('w1', 'dave', 'CAMERA')),
      ...(await peer.publish('w1', 'dave', 'MICROPHONE')),
      ...(await peer.unpublish('w1', 'dave', 'CAMERA')),
      ...(await peer.join('w1', 'viewer-x', { canPublish: false, hidden: true })),
      ...(await peer.drop('w1', 'dave')),
      ...(await peer.finishRoom('w1')),
    ];
    assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.map((r) => [r.event, r.status])));
    const got = received.slice(mark);
    assert.ok(got.every((r) => !r.error), JSON.stringify(got.filter((r) => r.error)));
    assert.deepEqual(got.map((r) => `${r.event.event}:${r.event.participant?.identity ?? ''}`), [
      'room_started:', 'participant_joined:dave', 'track_published:dave', 'track_published:dave',
      'track_unpublished:dave', 'participant_joined:viewer-x', 'track_unpublished:dave', 'participant_left:dave',
      'participant_left:viewer-x', 'room_finished:',
    ]);
    assert.ok(got.every((r) => r.contentType === 'application/webhook+json'));
    const ids = got.map((r) => r.event.id);
    assert.ok(ids.every((id) => /^EV_/.test(id)));
    assert.equal(new Set(ids).size, ids.length);
    const joined = got[1].event;
    assert.equal(joined.room.name, 'w1');
    assert.equal(joined.participant.state, ParticipantInfo_State.ACTIVE);
    assert.equal(joined.participant.permission.canPublish, true);
    const published = got[2].event;
    assert.deepEqual(Object.keys(JSON.parse(got[2].body).participant).sort(), ['identity', 'sid'],
      'track_* events carry only sid and identity of the participant (Go telemetry)');
    assert.equal(published.track.source, TrackSource.CAMERA);
    assert.match(published.track.sid, /^TR_/);
    const raw = JSON.parse(got[1].body);
    assert.equal(typeof raw.createdAt, 'string', 'int64 as a string');
    const viewer = got[5].event.participant;
    assert.equal(viewer.permission.hidden, true);
    assert.equal(viewer.permission.canPublish ?? false, false);
  });

  test('webhooksEnabled=false drops silently; a tampered body or a wrong secret fails the receiver', async () => {
    const mark = received.length;
    peer.webhooksEnabled = false;
    const [dropped] = await peer.join('w2', 'erin');
    peer.webhooksEnabled = true;
    assert.equal(dropped.dropped, true);
    await peer.drained();
    assert.equal(received.length, mark, 'nothing was sent while disabled');
    const body = peer.makeEventBody('participant_left', 'w2', 'erin');
    const good = await peer.sendRaw(body, await signWebhook(body, KEY, SECRET));
    assert.equal(good.status, 200);
    const tampered = await peer.sendRaw(body.replace('erin', 'errr'), await signWebhook(body, KEY, SECRET));
    assert.equal(tampered.status, 401);
    const forged = await peer.sendRaw(body, await signWebhook(body, KEY, randomSecret()));
    assert.equal(forged.status, 401);
    const expired = await peer.sendRaw(body, await signWebhook(body, KEY, SECRET, { ttl: '1 minute ago' }));
    assert.equal(expired.status, 401);
  });
});
