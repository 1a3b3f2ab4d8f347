// Token interop with the stock LiveKit Node server SDK (livekit-server-sdk, pinned):
// - user tokens minted by `AccessToken` are accepted by cohostd (product.md §8, §10 "Auth");
// - the app backend's admin token (roomAdmin, no room, no identity) acts as admin;
// - broadcast and viewer credentials minted by cohostd verify with `TokenVerifier` and carry
//   exactly the grants of product.md §6 and §10 "Media credentials".
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { AccessToken, TokenVerifier } from 'livekit-server-sdk';

import { call, client, devLogin, randomSecret, show, startCohostd } from './harness.mjs';

// media.public_url unset: the embedded server answers ws:// + the Host the client used.
const mediaUrl = () => base.replace(/^http:/, 'ws:');
const DEFAULT_MEDIA_TTL_S = 600; // media.token_ttl default (10 min)
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let server;
let base;
let key;
let secret;

before(async () => {
  server = await startCohostd();
  base = server.baseUrl;
  key = server.apiKey;
  secret = server.apiSecret;
});

after(async () => {
  if (server) await server.stop();
});

/** A user token minted the way an app backend would, with the LiveKit SDK. */
async function userToken(identity, name, { ttl = '10m', grant, apiKey = key, apiSecret = secret } = {}) {
  const at = new AccessToken(apiKey, apiSecret, { identity, name, ttl });
  if (grant) at.addGrant(grant);
  return at.toJwt();
}

/** The app backend's admin token: no identity, `roomAdmin: true`, no room. */
async function adminToken() {
  const at = new AccessToken(key, secret, { ttl: '10m' });
  at.addGrant({ roomAdmin: true });
  return at.toJwt();
}

/** A hand-made HS256 JWT, for shapes the SDK refuses to produce (no `exp`, `alg: none`). */
function handMadeJwt(header, claims, signingSecret) {
  const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
  const head = `${b64(header)}.${b64(claims)}`;
  if (header.alg === 'none') return `${head}.`;
  const sig = createHmac('sha256', signingSecret).update(head).digest('base64url');
  return `${head}.${sig}`;
}

function decodeHeader(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());
}

function assertError(r, status, code, what) {
  assert.equal(r.status, status, `${what}: expected ${status} ${code}, got ${show(r)}`);
  assert.ok(r.body && typeof r.body === 'object' && r.body.error, `${what}: no error envelope: ${show(r)}`);
  assert.equal(r.body.error.code, code, `${what}: expected code ${code}, got ${show(r)}`);
  assert.equal(typeof r.body.error.message, 'string', `${what}: error.message must be a string`);
}

async function createRoom(c, body = { title: 'Interop room' }) {
  const r = await c.post('/v1/rooms', { body });
  assert.equal(r.status, 201, `create room: ${show(r)}`);
  return r.body;
}

describe('user tokens minted by livekit-server-sdk AccessToken', () => {
  test('a token without a video grant is accepted by GET /v1/me', async () => {
    const token = await userToken('alice', 'Alice');
    const r = await call(base, 'GET', '/v1/me', { token });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.userId, 'alice');
    assert.equal(r.body.displayName, 'Alice');
    assert.match(r.body.createdAt, ISO_MS);
  });

  test('a token with a video grant is accepted by GET /v1/me', async () => {
    const token = await userToken('alice', 'Alice', {
      grant: { roomJoin: true, room: 'some-room', canPublish: true, canSubscribe: true },
    });
    const r = await call(base, 'GET', '/v1/me', { token });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.userId, 'alice');
    assert.equal(r.body.displayName, 'Alice');
  });

  test('a token signed with another secret is refused (401 unauthenticated)', async () => {
    const token = await userToken('alice', 'Alice', { apiSecret: randomSecret() });
    assertError(await call(base, 'GET', '/v1/me', { token }), 401, 'unauthenticated', 'other secret');
  });

  test('a token issued under another API key is refused', async () => {
    const token = await userToken('alice', 'Alice', { apiKey: 'APIsomeoneelse' });
    assertError(await call(base, 'GET', '/v1/me', { token }), 401, 'unauthenticated', 'other key');
  });

  test('a token whose ttl already passed is refused', async () => {
    const token = await userToken('alice', 'Alice', { ttl: '2 minutes ago' });
    assertError(await call(base, 'GET', '/v1/me', { token }), 401, 'unauthenticated', 'expired token');
  });

  test('an expired token inside the 10 s clock leeway is still accepted', async () => {
    const token = await userToken('alice', 'Alice', { ttl: '3s ago' });
    const r = await call(base, 'GET', '/v1/me', { token });
    assert.equal(r.status, 200, `exp 3 s ago is within the 10 s leeway: ${show(r)}`);
  });

  test('a token expired beyond the leeway (30 s) is refused', async () => {
    const token = await userToken('alice', 'Alice', { ttl: '30s ago' });
    assertError(await call(base, 'GET', '/v1/me', { token }), 401, 'unauthenticated', 'exp 30 s ago');
  });

  test('a correctly signed token without exp is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = handMadeJwt({ alg: 'HS256' }, { iss: key, sub: 'alice', name: 'Alice', nbf: now }, secret);
    assertError(await call(base, 'GET', '/v1/me', { token }), 401, 'unauthenticated', 'no exp');
  });

  test('a Go-SDK style header ({"alg":"HS256","typ":"JWT"}) is accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = handMadeJwt({ alg: 'HS256', typ: 'JWT' },
      { iss: key, sub: 'alice', name: 'Alice', nbf: now, iat: now, exp: now + 600 }, secret);
    const r = await call(base, 'GET', '/v1/me', { token });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.userId, 'alice');
  });

  test('a token not valid before a future nbf (beyond the leeway) is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = handMadeJwt({ alg: 'HS256' },
      { iss: key, sub: 'alice', name: 'Alice', nbf: now + 120, exp: now + 600 }, secret);
    assertError(await call(base, 'GET', '/v1/me', { token }), 401, 'unauthenticated', 'nbf in 2 min');
  });

  test('another HMAC algorithm under the right secret is refused (HS256 only)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: key, sub: 'alice', name: 'Alice', nbf: now, exp: now + 600 };
    const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
    const head = `${b64({ alg: 'HS512' })}.${b64(claims)}`;
    const token = `${head}.${createHmac('sha512', secret).update(head).digest('base64url')}`;
    assertError(await call(base, 'GET', '/v1/me', { token }), 401, 'unauthenticated', 'HS512');
  });

  test('alg none and a tampered payload are refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: key, sub: 'alice', name: 'Alice', nbf: now, exp: now + 600 };
    const none = handMadeJwt({ alg: 'none' }, claims, secret);
    assertError(await call(base, 'GET', '/v1/me', { token: none }), 401, 'unauthenticated', 'alg none');

    const good = await userToken('alice', 'Alice');
    const [h, , s] = good.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url');
    assertError(await call(base, 'GET', '/v1/me', { token: `${h}.${forged}.${s}` }), 401,
      'unauthenticated', 'tampered payload');
  });

  test('missing or non-Bearer Authorization is refused', async () => {
    assertError(await call(base, 'GET', '/v1/me'), 401, 'unauthenticated', 'no header');
    const token = await userToken('alice', 'Alice');
    const r = await call(base, 'GET', '/v1/me', { headers: { authorization: `Basic ${token}` } });
    assertError(r, 401, 'unauthenticated', 'Basic scheme');
  });

  test('a token without identity and without roomAdmin is refused', async () => {
    const at = new AccessToken(key, secret, { ttl: '10m' });
    at.addGrant({ roomList: true });
    assertError(await call(base, 'GET', '/v1/me', { token: await at.toJwt() }), 401,
      'unauthenticated', 'no sub, no roomAdmin');
  });

  test('a roomAdmin token scoped to a room is not the app backend', async () => {
    const at = new AccessToken(key, secret, { ttl: '10m' });
    at.addGrant({ roomAdmin: true, room: 'RM_something' });
    const r = await call(base, 'PUT', '/v1/users/zed', { token: await at.toJwt(), body: { displayName: 'Zed' } });
    assertError(r, 401, 'unauthenticated', 'roomAdmin with room, no sub');
  });

  test('dev-login tokens are LiveKit access tokens that TokenVerifier accepts', async () => {
    const r = await call(base, 'POST', '/v1/auth/dev-login', { body: { userId: 'dora', displayName: 'Dora' } });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.user.userId, 'dora');
    assert.equal(r.body.user.displayName, 'Dora');
    const claims = await new TokenVerifier(key, secret).verify(r.body.token);
    assert.equal(claims.iss, key);
    assert.equal(claims.sub, 'dora');
    assert.equal(claims.name, 'Dora');
    assert.equal(typeof claims.exp, 'number');
    assert.equal(decodeHeader(r.body.token).alg, 'HS256');
  });
});

describe('app backend token (roomAdmin, no identity)', () => {
  let admin;
  before(async () => {
    admin = client(base, await adminToken());
  });

  test('PUT /v1/users/bob creates the user', async () => {
    const r = await admin.put('/v1/users/bob', { body: { displayName: 'Bob' } });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.userId, 'bob');
    assert.equal(r.body.displayName, 'Bob');
    assert.match(r.body.createdAt, ISO_MS);
    // Bob, with a token minted by the SDK, sees the profile the backend wrote.
    const me = await call(base, 'GET', '/v1/me', { token: await userToken('bob', 'Bob') });
    assert.equal(me.status, 200, show(me));
    assert.equal(me.body.userId, 'bob');
  });

  test('PUT /v1/users updates an existing user', async () => {
    const r = await admin.put('/v1/users/bob', {
      body: { displayName: 'Bobby', avatarUrl: 'https://example.com/bob.png' },
    });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.displayName, 'Bobby');
    assert.equal(r.body.avatarUrl, 'https://example.com/bob.png');
    const again = await admin.put('/v1/users/bob', { body: { displayName: 'Bob' } });
    assert.equal(again.status, 200, show(again));
  });

  test('a user token may not PUT /v1/users (403 forbidden)', async () => {
    const r = await call(base, 'PUT', '/v1/users/bob', {
      token: await userToken('alice', 'Alice'),
      body: { displayName: 'Hacked' },
    });
    assertError(r, 403, 'forbidden', 'user token on PUT /v1/users');
  });

  test('creates a room for a host named by hostUserId', async () => {
    const room = await createRoom(admin, { title: 'Backend room', hostUserId: 'bob' });
    assert.equal(room.hostUserId, 'bob');
    assert.equal(room.status, 'idle');
    // The named host is on stage and gets broadcast credentials with its own SDK-minted token.
    const bob = client(base, await userToken('bob', 'Bob'));
    const creds = await bob.post(`/v1/rooms/${room.roomId}/broadcast-token`);
    assert.equal(creds.status, 200, show(creds));
    assert.equal(creds.body.identity, 'bob');
  });

  test('hostUserId is required for the backend and must be a known user', async () => {
    const missing = await admin.post('/v1/rooms', { body: { title: 'No host' } });
    assertError(missing, 400, 'invalid_argument', 'backend without hostUserId');
    assert.equal(missing.body.error.details.field, 'hostUserId');
    const unknown = await admin.post('/v1/rooms', { body: { title: 'Ghost', hostUserId: 'ghost' } });
    assertError(unknown, 404, 'user_not_found', 'unknown hostUserId');
  });

  test('a user token may not name another host', async () => {
    const alice = client(base, await userToken('alice', 'Alice'));
    const r = await alice.post('/v1/rooms', { body: { title: 'Not mine', hostUserId: 'bob' } });
    assertError(r, 400, 'invalid_argument', 'user token with hostUserId');
    assert.equal(r.body.error.details.field, 'hostUserId');
  });

  test('the backend is not a user: GET /v1/me is 403 forbidden', async () => {
    assertError(await admin.get('/v1/me'), 403, 'forbidden', 'admin on /v1/me');
  });
});

describe('broadcast credentials', () => {
  let alice;
  let room;
  before(async () => {
    alice = await devLogin(base, 'alice', 'Alice');
    room = await createRoom(alice, { title: 'Alice live' });
  });

  test('the host gets a token that TokenVerifier accepts with the exact grants', async () => {
    const t0 = Math.floor(Date.now() / 1000);
    const r = await alice.post(`/v1/rooms/${room.roomId}/broadcast-token`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(Object.keys(r.body).sort(), ['expiresAt', 'identity', 'token', 'url']);
    assert.equal(r.body.url, mediaUrl());
    assert.equal(r.body.identity, 'alice');

    const claims = await new TokenVerifier(key, secret).verify(r.body.token);
    assert.equal(decodeHeader(r.body.token).alg, 'HS256');
    assert.equal(claims.iss, key);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.name, 'Alice');
    const v = claims.video;
    assert.ok(v, 'video grant missing');
    assert.equal(v.roomJoin, true);
    assert.equal(v.room, room.roomId);
    assert.equal(v.canPublish, true);
    assert.equal(v.canSubscribe, true);
    assert.equal(v.canPublishData, true);
    assert.deepEqual(v.canPublishSources, ['camera', 'microphone']);
    assert.notEqual(v.hidden, true);
    assert.notEqual(v.roomAdmin, true, 'a broadcast token must not grant roomAdmin');

    assert.match(r.body.expiresAt, ISO_MS);
    assert.equal(r.body.expiresAt, new Date(claims.exp * 1000).toISOString(), 'expiresAt must equal exp');
    const t1 = Math.ceil(Date.now() / 1000);
    assert.ok(claims.exp >= t0 + DEFAULT_MEDIA_TTL_S - 2 && claims.exp <= t1 + DEFAULT_MEDIA_TTL_S + 2,
      `exp ${claims.exp} should be about now + ${DEFAULT_MEDIA_TTL_S}s`);
  });

  test('the token does not verify under another secret', async () => {
    const r = await alice.post(`/v1/rooms/${room.roomId}/broadcast-token`);
    assert.equal(r.status, 200, show(r));
    await assert.rejects(new TokenVerifier(key, randomSecret()).verify(r.body.token));
  });

  test('a user who is not on stage gets 403 not_on_stage', async () => {
    const erin = await devLogin(base, 'erin', 'Erin');
    assertError(await erin.post(`/v1/rooms/${room.roomId}/broadcast-token`), 403, 'not_on_stage',
      'viewer asking for broadcast credentials');
  });

  test('the app backend is not on stage either', async () => {
    const admin = client(base, await adminToken());
    assertError(await admin.post(`/v1/rooms/${room.roomId}/broadcast-token`), 403, 'not_on_stage',
      'backend asking for broadcast credentials');
  });

  test('an unknown room is 404 not_found', async () => {
    assertError(await alice.post('/v1/rooms/RM_doesnotexist/broadcast-token'), 404, 'not_found',
      'unknown room');
  });

  test('an ended room is 409 room_ended', async () => {
    const other = await createRoom(alice, { title: 'Short-lived' });
    const stop = await alice.post(`/v1/rooms/${other.roomId}/stop`);
    assert.equal(stop.status, 200, show(stop));
    assert.equal(stop.body.status, 'ended');
    assertError(await alice.post(`/v1/rooms/${other.roomId}/broadcast-token`), 409, 'room_ended',
      'broadcast credentials in an ended room');
  });
});

describe('viewer credentials', () => {
  let alice;
  let carol;
  let room;
  before(async () => {
    alice = await devLogin(base, 'alice', 'Alice');
    carol = await devLogin(base, 'carol', 'Carol');
    room = await createRoom(alice, { title: 'Watch me' });
  });

  test('any user gets a subscribe-only, hidden token that TokenVerifier accepts', async () => {
    const r = await carol.post(`/v1/rooms/${room.roomId}/viewer-token`);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.url, mediaUrl());
    assert.match(r.body.identity, /^viewer-carol-\S+$/);
    const claims = await new TokenVerifier(key, secret).verify(r.body.token);
    assert.equal(claims.iss, key);
    assert.equal(claims.sub, r.body.identity);
    const v = claims.video;
    assert.ok(v, 'video grant missing');
    assert.equal(v.roomJoin, true);
    assert.equal(v.room, room.roomId);
    assert.equal(v.canPublish, false);
    assert.equal(v.canPublishData, false);
    assert.equal(v.canSubscribe, true);
    assert.equal(v.hidden, true);
    assert.notEqual(v.roomAdmin, true);
    assert.equal(r.body.expiresAt, new Date(claims.exp * 1000).toISOString(), 'expiresAt must equal exp');
  });

  test('every call is a new viewer session with a new identity', async () => {
    const a = await carol.post(`/v1/rooms/${room.roomId}/viewer-token`);
    const b = await carol.post(`/v1/rooms/${room.roomId}/viewer-token`);
    assert.equal(a.status, 200, show(a));
    assert.equal(b.status, 200, show(b));
    assert.ok(a.body.identity.startsWith('viewer-carol-'), a.body.identity);
    assert.ok(b.body.identity.startsWith('viewer-carol-'), b.body.identity);
    assert.notEqual(a.body.identity, b.body.identity);
  });

  test('the host may watch too', async () => {
    const r = await alice.post(`/v1/rooms/${room.roomId}/viewer-token`);
    assert.equal(r.status, 200, show(r));
    assert.ok(r.body.identity.startsWith('viewer-alice-'), r.body.identity);
  });

  test('a viewer media token is not a user token for the API', async () => {
    const r = await carol.post(`/v1/rooms/${room.roomId}/viewer-token`);
    assert.equal(r.status, 200, show(r));
    assertError(await call(base, 'GET', '/v1/me', { token: r.body.token }), 401, 'unauthenticated',
      'viewer media token on /v1/me');
  });

  test('an ended room is 409 room_ended; an unknown room 404', async () => {
    const other = await createRoom(alice, { title: 'Over soon' });
    assert.equal((await alice.post(`/v1/rooms/${other.roomId}/stop`)).status, 200);
    assertError(await carol.post(`/v1/rooms/${other.roomId}/viewer-token`), 409, 'room_ended',
      'viewer credentials in an ended room');
    assertError(await carol.post('/v1/rooms/RM_nope/viewer-token'), 404, 'not_found', 'unknown room');
  });

  test('the app backend gets no viewer credentials (403 forbidden)', async () => {
    const admin = client(base, await adminToken());
    assertError(await admin.post(`/v1/rooms/${room.roomId}/viewer-token`), 403, 'forbidden',
      'backend viewer credentials');
  });
});

describe('co-host broadcast credentials after the invitation flow', () => {
  let host;
  let cohost;
  let outsider;
  let room;
  before(async () => {
    host = await devLogin(base, 'henry', 'Henry');
    cohost = await devLogin(base, 'dave', 'Dave');
    outsider = await devLogin(base, 'frank', 'Frank');
    room = await createRoom(host, { title: 'Henry and friends' });
  });

  test('a pending invitee is not on stage yet', async () => {
    const inv = await host.post(`/v1/rooms/${room.roomId}/invitations`, { body: { inviteeUserId: 'dave' } });
    assert.equal(inv.status, 201, show(inv));
    assert.equal(inv.body.status, 'pending');
    assertError(await cohost.post(`/v1/rooms/${room.roomId}/broadcast-token`), 403, 'not_on_stage',
      'pending invitee');

    const accepted = await cohost.post(`/v1/invitations/${inv.body.invitationId}/accept`);
    assert.equal(accepted.status, 200, show(accepted));
    assert.equal(accepted.body.status, 'approved');
  });

  test("the co-host's broadcast token verifies with its own identity and the same grants", async () => {
    const r = await cohost.post(`/v1/rooms/${room.roomId}/broadcast-token`);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.identity, 'dave');
    assert.equal(r.body.url, mediaUrl());
    const claims = await new TokenVerifier(key, secret).verify(r.body.token);
    assert.equal(claims.sub, 'dave');
    assert.equal(claims.name, 'Dave');
    assert.equal(claims.video.roomJoin, true);
    assert.equal(claims.video.room, room.roomId);
    assert.equal(claims.video.canPublish, true);
    assert.equal(claims.video.canSubscribe, true);
    assert.equal(claims.video.canPublishData, true);
    assert.deepEqual(claims.video.canPublishSources, ['camera', 'microphone']);
    assert.equal(r.body.expiresAt, new Date(claims.exp * 1000).toISOString());

    const stage = await host.get(`/v1/rooms/${room.roomId}/stage`);
    assert.equal(stage.status, 200, show(stage));
    const dave = stage.body.members.find((m) => m.userId === 'dave');
    assert.ok(dave, `dave not on stage: ${show(stage)}`);
    assert.equal(dave.role, 'cohost');
    assert.equal(dave.state, 'backstage');
  });

  test('a user who is not on stage gets 403 not_on_stage', async () => {
    assertError(await outsider.post(`/v1/rooms/${room.roomId}/broadcast-token`), 403, 'not_on_stage',
      'outsider');
  });

  test('after leaving the stage the co-host gets 403 not_on_stage', async () => {
    const left = await cohost.post(`/v1/rooms/${room.roomId}/stage/leave`);
    assert.equal(left.status, 200, show(left));
    assertError(await cohost.post(`/v1/rooms/${room.roomId}/broadcast-token`), 403, 'not_on_stage',
      'co-host after leave');
  });

  test('a removed co-host gets 403 not_on_stage', async () => {
    const inv = await host.post(`/v1/rooms/${room.roomId}/invitations`, { body: { inviteeUserId: 'dave' } });
    assert.equal(inv.status, 201, `re-invite after leaving: ${show(inv)}`);
    const acc = await cohost.post(`/v1/invitations/${inv.body.invitationId}/accept`);
    assert.equal(acc.status, 200, show(acc));
    assert.equal((await cohost.post(`/v1/rooms/${room.roomId}/broadcast-token`)).status, 200);
    const removed = await host.del(`/v1/rooms/${room.roomId}/stage/dave`);
    assert.equal(removed.status, 200, show(removed));
    assertError(await cohost.post(`/v1/rooms/${room.roomId}/broadcast-token`), 403, 'not_on_stage',
      'removed co-host');
  });
});
