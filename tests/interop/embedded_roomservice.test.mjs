// The embedded SFU's RoomService (Twirp) through livekit-server-sdk's RoomServiceClient: what the
// SDK expects back from each method, grants, and Twirp errors. Participants are not connected here
// (tests/browser/livekit_client.test.mjs covers removal and deletion with real clients).
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';

import { RoomServiceClient } from 'livekit-server-sdk';

import { API_KEY, startCohostd } from './harness.mjs';

let server;
let client;

before(async () => {
  server = await startCohostd();
  client = new RoomServiceClient(server.baseUrl, API_KEY, server.apiSecret);
});
after(async () => server?.stop());

test('CreateRoom, ListRooms, UpdateRoomMetadata and DeleteRoom round-trip', async () => {
  const room = await client.createRoom({ name: 'rs-a', emptyTimeout: 60, maxParticipants: 5, metadata: 'm1' });
  assert.match(room.sid, /^RM_/);
  assert.equal(room.name, 'rs-a');
  assert.equal(room.emptyTimeout, 60);
  assert.equal(room.maxParticipants, 5);
  assert.equal(room.metadata, 'm1');
  const again = await client.createRoom({ name: 'rs-a' });
  assert.equal(again.sid, room.sid, 'CreateRoom of an existing room returns it');
  await client.createRoom({ name: 'rs-b' });
  const all = await client.listRooms();
  assert.deepEqual(all.map((r) => r.name).sort(), ['rs-a', 'rs-b']);
  const some = await client.listRooms(['rs-b', 'nope']);
  assert.deepEqual(some.map((r) => r.name), ['rs-b']);
  const updated = await client.updateRoomMetadata('rs-a', 'm2');
  assert.equal(updated.metadata, 'm2');
  assert.deepEqual(await client.listParticipants('rs-a'), []);
  await client.deleteRoom('rs-a');
  await client.deleteRoom('rs-b');
  assert.deepEqual(await client.listRooms(), []);
});

test('unknown rooms and participants are not_found', async () => {
  await assert.rejects(client.deleteRoom('ghost'), (e) => e.status === 404 && e.code === 'not_found');
  await assert.rejects(client.removeParticipant('ghost', 'bob'), (e) => e.status === 404 && e.code === 'not_found');
  await assert.rejects(client.getParticipant('ghost', 'bob'), (e) => e.status === 404);
  await assert.rejects(client.mutePublishedTrack('ghost', 'bob', 'TR_x', true), (e) => e.status === 404);
  await assert.rejects(client.updateParticipant('ghost', 'bob', { metadata: 'x' }), (e) => e.status === 404);
  await assert.rejects(client.updateRoomMetadata('ghost', 'x'), (e) => e.status === 404);
});

test('a wrong secret is unauthenticated and changes nothing', async () => {
  const bad = new RoomServiceClient(server.baseUrl, API_KEY, 'x'.repeat(40));
  await assert.rejects(bad.createRoom({ name: 'evil' }), (e) => e.status === 401 && e.code === 'unauthenticated');
  await assert.rejects(bad.listRooms(), (e) => e.status === 401);
  assert.deepEqual(await client.listRooms(), []);
});

test('SendData: accepted for an existing room (delivered to no one here), not_found for an unknown one', async () => {
  await client.createRoom({ name: 'rs-c' });
  // The SDK resolves on {} (browser/livekit_data.test.mjs checks delivery to real clients).
  await client.sendData('rs-c', new TextEncoder().encode('hi'), 0, { topic: 't', destinationIdentities: ['bob'] });
  // 40 KB: about 54 KB of JSON, under the default http.max_body_bytes (64 KiB).
  await client.sendData('rs-c', new Uint8Array(40_000), 1, {});
  await assert.rejects(client.sendData('ghost', new TextEncoder().encode('hi'), 0, {}),
    (e) => e.status === 404 && e.code === 'not_found');
  await client.deleteRoom('rs-c');
});

test('Twirp errors are JSON with exactly application/json, unknown methods are bad_route', async () => {
  const res = await fetch(`${server.baseUrl}/twirp/livekit.RoomService/NoSuchMethod`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  });
  assert.equal(res.status, 401, 'auth is checked first');
  assert.equal(res.headers.get('content-type'), 'application/json');
  const body = await res.json();
  assert.equal(body.code, 'unauthenticated');
  const text = await fetch(`${server.baseUrl}/twirp/livekit.RoomService/ListRooms`, {
    method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x',
  });
  assert.equal(text.status, 400);
  assert.equal((await text.json()).code, 'malformed');
});
