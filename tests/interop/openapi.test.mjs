// The running server and docs/api/openapi.yaml agree on the wire: every documented operation is
// exercised against a real cohostd; each answer's status must be documented for that operation,
// its body must validate against the documented schema (undocumented fields are reported), and an
// error's code must be one the documented response names.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { AccessToken } from 'livekit-server-sdk';

import { call, client, devLogin, show, startCohostd } from './harness.mjs';
import { deref, loadOpenApi, validate } from './schema.mjs';

const doc = loadOpenApi();
const exercised = new Set();

let server;
let base;

before(async () => {
  server = await startCohostd();
  base = server.baseUrl;
});

after(async () => {
  if (server) await server.stop();
});

function operation(method, template) {
  const item = doc.paths[template];
  assert.ok(item, `path ${template} is not in openapi.yaml`);
  const op = item[method.toLowerCase()];
  assert.ok(op, `${method} ${template} is not in openapi.yaml`);
  return op;
}

/**
 * Checks one response against the document: `status` is what the scenario expects and is
 * documented for the operation; the body validates (strictly) against the documented schema; for
 * an error, `code` matches and the documented response mentions it.
 */
function conform(method, template, r, status, code) {
  const what = `${method} ${template}`;
  exercised.add(`${method} ${template}`);
  assert.equal(r.status, status, `${what}: expected ${status}${code ? ` ${code}` : ''}, got ${show(r)}`);
  const op = operation(method, template);
  const documented = op.responses[String(r.status)];
  assert.ok(documented, `${what}: status ${r.status} is not documented (documented: ${Object.keys(op.responses).join(', ')}); body ${show(r)}`);
  const response = deref(doc, documented);
  const media = response.content && response.content['application/json'];
  if (media && media.schema) {
    assert.ok(r.body !== null && typeof r.body === 'object', `${what} ${r.status}: expected a JSON body, got ${show(r)}`);
    const errs = validate(doc, media.schema, r.body, '$', 0, true);
    assert.deepEqual(errs, [], `${what} ${r.status}: body does not match the documented schema:\n  ${errs.join('\n  ')}\nbody: ${JSON.stringify(r.body)}`);
  }
  if (code) {
    assert.equal(r.body?.error?.code, code, `${what}: expected error code ${code}, got ${show(r)}`);
    const text = JSON.stringify(response);
    assert.ok(text.includes(`\`${code}\``) || text.includes(`code":"${code}"`),
      `${what} ${r.status}: error code ${code} is not named by the documented response`);
  }
  return r.body;
}

async function adminToken() {
  const at = new AccessToken(server.apiKey, server.apiSecret, { ttl: '10m' });
  at.addGrant({ roomAdmin: true });
  return at.toJwt();
}

/** A raw WebSocket upgrade request; resolves with the status (101 or the refusal's). */
function upgrade(path, headers = {}) {
  const url = new URL(base + path);
  return new Promise((resolveP, rejectP) => {
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolveP({ status: res.statusCode, body: null });
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let body = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolveP({ status: res.statusCode, body });
      });
    });
    req.on('error', rejectP);
    req.end();
  });
}

describe('openapi.yaml matches the running server', () => {
  let host; let guest; let viewer; let admin;
  let room; let invitation;

  test('ops and auth', async () => {
    conform('GET', '/healthz', await call(base, 'GET', '/healthz'), 200);

    const login = await call(base, 'POST', '/v1/auth/dev-login', { body: { userId: 'olga', displayName: 'Olga' } });
    conform('POST', '/v1/auth/dev-login', login, 200);
    conform('POST', '/v1/auth/dev-login', await call(base, 'POST', '/v1/auth/dev-login', { body: '{"userId":' }), 400, 'invalid_json');
    conform('POST', '/v1/auth/dev-login', await call(base, 'POST', '/v1/auth/dev-login', { body: { userId: 'no spaces' } }), 400, 'invalid_argument');
    conform('POST', '/v1/auth/dev-login', await call(base, 'POST', '/v1/auth/dev-login', { body: { userId: 'x', extra: 1 } }), 400, 'invalid_argument');

    host = client(base, login.body.token);
    guest = await devLogin(base, 'pete', 'Pete');
    viewer = await devLogin(base, 'quinn', 'Quinn');
    admin = client(base, await adminToken());

    conform('GET', '/v1/me', await host.get('/v1/me'), 200);
    conform('GET', '/v1/me', await call(base, 'GET', '/v1/me'), 401, 'unauthenticated');
    conform('GET', '/v1/me', await admin.get('/v1/me'), 403, 'forbidden');
  });

  test('users', async () => {
    const found = conform('GET', '/v1/users', await host.get('/v1/users?query=PE&limit=10'), 200);
    assert.deepEqual(found.users.map((u) => u.userId), ['pete']);
    conform('GET', '/v1/users', await host.get('/v1/users?limit=0'), 400, 'invalid_argument');
    conform('GET', '/v1/users', await call(base, 'GET', '/v1/users'), 401, 'unauthenticated');

    conform('PUT', '/v1/users/{userId}', await admin.put('/v1/users/rita', { body: { displayName: 'Rita', avatarUrl: 'https://example.com/r.png' } }), 200);
    conform('PUT', '/v1/users/{userId}', await admin.put('/v1/users/rita', { body: { displayName: '' } }), 400, 'invalid_argument');
    conform('PUT', '/v1/users/{userId}', await admin.put('/v1/users/rita', { body: '[' }), 400, 'invalid_json');
    conform('PUT', '/v1/users/{userId}', await host.put('/v1/users/rita', { body: { displayName: 'R' } }), 403, 'forbidden');
    conform('PUT', '/v1/users/{userId}', await call(base, 'PUT', '/v1/users/rita', { body: { displayName: 'R' } }), 401, 'unauthenticated');
  });

  test('rooms', async () => {
    room = conform('POST', '/v1/rooms', await host.post('/v1/rooms', {
      body: { title: 'Doc room', description: 'about docs', metadata: { lang: 'en' }, maxCoHosts: 2 },
    }), 201);
    assert.equal(room.maxCoHosts, 2);
    assert.deepEqual(room.metadata, { lang: 'en' });
    conform('POST', '/v1/rooms', await host.post('/v1/rooms', { body: { title: '' } }), 400, 'invalid_argument');
    conform('POST', '/v1/rooms', await host.post('/v1/rooms', { body: { title: 'x', maxCoHosts: 9 } }), 400, 'invalid_argument');
    conform('POST', '/v1/rooms', await host.post('/v1/rooms', { body: 'nope' }), 400, 'invalid_json');
    conform('POST', '/v1/rooms', await admin.post('/v1/rooms', { body: { title: 'x', hostUserId: 'nobody' } }), 404, 'user_not_found');
    conform('POST', '/v1/rooms', await call(base, 'POST', '/v1/rooms', { body: { title: 'x' } }), 401, 'unauthenticated');

    const list = conform('GET', '/v1/rooms', await host.get('/v1/rooms?status=idle&limit=5'), 200);
    assert.ok(list.rooms.some((r) => r.roomId === room.roomId));
    conform('GET', '/v1/rooms', await host.get('/v1/rooms?status=bogus'), 400, 'invalid_argument');
    conform('GET', '/v1/rooms', await call(base, 'GET', '/v1/rooms'), 401, 'unauthenticated');

    conform('GET', '/v1/rooms/{roomId}', await guest.get(`/v1/rooms/${room.roomId}`), 200);
    conform('GET', '/v1/rooms/{roomId}', await guest.get('/v1/rooms/RM_missing'), 404, 'not_found');
    conform('GET', '/v1/rooms/{roomId}', await call(base, 'GET', `/v1/rooms/${room.roomId}`), 401, 'unauthenticated');

    conform('PATCH', '/v1/rooms/{roomId}', await host.patch(`/v1/rooms/${room.roomId}`, { body: { title: 'Doc room 2', slowModeSeconds: 5 } }), 200);
    conform('PATCH', '/v1/rooms/{roomId}', await host.patch(`/v1/rooms/${room.roomId}`, { body: { slowModeSeconds: 301 } }), 400, 'invalid_argument');
    conform('PATCH', '/v1/rooms/{roomId}', await guest.patch(`/v1/rooms/${room.roomId}`, { body: { title: 'mine' } }), 403, 'not_host');
    conform('PATCH', '/v1/rooms/{roomId}', await host.patch('/v1/rooms/RM_missing', { body: { title: 'x' } }), 404, 'not_found');
    conform('PATCH', '/v1/rooms/{roomId}', await call(base, 'PATCH', `/v1/rooms/${room.roomId}`, { body: { title: 'x' } }), 401, 'unauthenticated');
  });

  test('invitations', async () => {
    const path = `/v1/rooms/${room.roomId}/invitations`;
    const T = '/v1/rooms/{roomId}/invitations';
    const key = { 'Idempotency-Key': 'doc-test-1' };
    invitation = conform('POST', T, await host.post(path, { body: { inviteeUserId: 'pete' }, headers: key }), 201);
    assert.equal(invitation.status, 'pending');
    const replay = conform('POST', T, await host.post(path, { body: { inviteeUserId: 'pete' }, headers: key }), 201);
    assert.deepEqual(replay, invitation, 'an Idempotency-Key replay must return the stored response');
    const dup = conform('POST', T, await host.post(path, { body: { inviteeUserId: 'pete' } }), 409, 'already_invited');
    assert.equal(dup.error.details.invitationId, invitation.invitationId);
    conform('POST', T, await host.post(path, { body: { inviteeUserId: 'olga' } }), 400, 'cannot_invite_self');
    conform('POST', T, await host.post(path, { body: { inviteeUserId: 'quinn', expiresInSeconds: 5 } }), 400, 'invalid_argument');
    conform('POST', T, await host.post(path, { body: { inviteeUserId: 'nobody' } }), 404, 'user_not_found');
    conform('POST', T, await host.post('/v1/rooms/RM_missing/invitations', { body: { inviteeUserId: 'pete' } }), 404, 'not_found');
    conform('POST', T, await guest.post(path, { body: { inviteeUserId: 'quinn' } }), 403, 'not_host');
    conform('POST', T, await call(base, 'POST', path, { body: { inviteeUserId: 'quinn' } }), 401, 'unauthenticated');

    conform('GET', T, await host.get(`${path}?status=pending`), 200);
    conform('GET', T, await host.get(`${path}?status=nope`), 400, 'invalid_argument');
    conform('GET', T, await guest.get(path), 403, 'not_host');
    conform('GET', T, await host.get('/v1/rooms/RM_missing/invitations'), 404, 'not_found');
    conform('GET', T, await call(base, 'GET', path), 401, 'unauthenticated');

    const mine = conform('GET', '/v1/me/invitations', await guest.get('/v1/me/invitations?status=pending'), 200);
    assert.ok(mine.invitations.some((i) => i.invitationId === invitation.invitationId));
    conform('GET', '/v1/me/invitations', await guest.get('/v1/me/invitations?status=bad'), 400, 'invalid_argument');
    conform('GET', '/v1/me/invitations', await admin.get('/v1/me/invitations'), 403, 'forbidden');
    conform('GET', '/v1/me/invitations', await call(base, 'GET', '/v1/me/invitations'), 401, 'unauthenticated');

    const I = '/v1/invitations/{invitationId}';
    conform('GET', I, await guest.get(`/v1/invitations/${invitation.invitationId}`), 200);
    conform('GET', I, await viewer.get(`/v1/invitations/${invitation.invitationId}`), 404, 'not_found');
    conform('GET', I, await call(base, 'GET', `/v1/invitations/${invitation.invitationId}`), 401, 'unauthenticated');

    const A = '/v1/invitations/{invitationId}/accept';
    // The host may see the invitation but not answer it; a stranger may not even see it.
    conform('POST', A, await host.post(`/v1/invitations/${invitation.invitationId}/accept`), 403, 'not_invitee');
    conform('POST', A, await viewer.post(`/v1/invitations/${invitation.invitationId}/accept`), 404, 'not_found');
    conform('POST', A, await call(base, 'POST', `/v1/invitations/${invitation.invitationId}/accept`), 401, 'unauthenticated');
    conform('POST', A, await guest.post('/v1/invitations/IN_missing/accept'), 404, 'not_found');
    const accepted = conform('POST', A, await guest.post(`/v1/invitations/${invitation.invitationId}/accept`), 200);
    assert.equal(accepted.status, 'approved');
    assert.equal(conform('POST', A, await guest.post(`/v1/invitations/${invitation.invitationId}/accept`), 200).status, 'approved');

    const R = '/v1/invitations/{invitationId}/reject';
    const lost = conform('POST', R, await guest.post(`/v1/invitations/${invitation.invitationId}/reject`), 409, 'invitation_not_pending');
    assert.equal(lost.error.details.status, 'approved');
    conform('POST', R, await host.post(`/v1/invitations/${invitation.invitationId}/reject`), 403, 'not_invitee');
    conform('POST', R, await viewer.post(`/v1/invitations/${invitation.invitationId}/reject`), 404, 'not_found');
    conform('POST', R, await guest.post('/v1/invitations/IN_missing/reject'), 404, 'not_found');
    conform('POST', R, await call(base, 'POST', `/v1/invitations/${invitation.invitationId}/reject`), 401, 'unauthenticated');

    const toQuinn = conform('POST', T, await host.post(path, { body: { inviteeUserId: 'quinn', expiresInSeconds: 60 } }), 201);
    const full = conform('POST', T, await host.post(path, { body: { inviteeUserId: 'rita' } }), 409, 'stage_full');
    assert.equal(full.error.details.maxCoHosts, 2);
    conform('POST', R, await viewer.post(`/v1/invitations/${toQuinn.invitationId}/reject`), 200);
    const again = conform('POST', T, await host.post(path, { body: { inviteeUserId: 'quinn' } }), 201);

    const C = '/v1/invitations/{invitationId}/cancel';
    // The invitee sees it but may not cancel it; a stranger may not even see it.
    conform('POST', C, await viewer.post(`/v1/invitations/${again.invitationId}/cancel`), 403, 'not_host');
    conform('POST', C, await guest.post(`/v1/invitations/${again.invitationId}/cancel`), 404, 'not_found');
    conform('POST', C, await call(base, 'POST', `/v1/invitations/${again.invitationId}/cancel`), 401, 'unauthenticated');
    conform('POST', C, await host.post('/v1/invitations/IN_missing/cancel'), 404, 'not_found');
    assert.equal(conform('POST', C, await host.post(`/v1/invitations/${again.invitationId}/cancel`), 200).status, 'cancelled');
    conform('POST', C, await host.post(`/v1/invitations/${toQuinn.invitationId}/cancel`), 409, 'invitation_not_pending');
  });

  test('stage', async () => {
    const S = `/v1/rooms/${room.roomId}/stage`;
    const stage = conform('GET', '/v1/rooms/{roomId}/stage', await viewer.get(S), 200);
    assert.deepEqual(stage.members.map((m) => [m.userId, m.role]), [['olga', 'host'], ['pete', 'cohost']]);
    conform('GET', '/v1/rooms/{roomId}/stage', await viewer.get('/v1/rooms/RM_missing/stage'), 404, 'not_found');
    conform('GET', '/v1/rooms/{roomId}/stage', await call(base, 'GET', S), 401, 'unauthenticated');

    const M = '/v1/rooms/{roomId}/stage/{userId}';
    const member = conform('PATCH', M, await host.patch(`${S}/pete`, { body: { permissions: { canManageProducts: true } } }), 200);
    assert.equal(member.permissions.canManageProducts, true);
    conform('PATCH', M, await host.patch(`${S}/pete`, { body: { permissions: {} } }), 400, 'invalid_argument');
    conform('PATCH', M, await guest.patch(`${S}/pete`, { body: { permissions: { canManageProducts: false } } }), 403, 'not_host');
    conform('PATCH', M, await host.patch(`${S}/quinn`, { body: { permissions: { canManageProducts: true } } }), 404, 'not_found');
    conform('PATCH', M, await call(base, 'PATCH', `${S}/pete`, { body: { permissions: { canManageProducts: true } } }), 401, 'unauthenticated');

    const B = '/v1/rooms/{roomId}/broadcast-token';
    conform('POST', B, await guest.post(`/v1/rooms/${room.roomId}/broadcast-token`), 200);
    conform('POST', B, await viewer.post(`/v1/rooms/${room.roomId}/broadcast-token`), 403, 'not_on_stage');
    conform('POST', B, await host.post('/v1/rooms/RM_missing/broadcast-token'), 404, 'not_found');
    conform('POST', B, await call(base, 'POST', `/v1/rooms/${room.roomId}/broadcast-token`), 401, 'unauthenticated');
    const V = '/v1/rooms/{roomId}/viewer-token';
    conform('POST', V, await viewer.post(`/v1/rooms/${room.roomId}/viewer-token`), 200);
    conform('POST', V, await admin.post(`/v1/rooms/${room.roomId}/viewer-token`), 403, 'forbidden');
    conform('POST', V, await viewer.post('/v1/rooms/RM_missing/viewer-token'), 404, 'not_found');
    conform('POST', V, await call(base, 'POST', `/v1/rooms/${room.roomId}/viewer-token`), 401, 'unauthenticated');

    const L = '/v1/rooms/{roomId}/stage/leave';
    conform('POST', L, await viewer.post(`${S}/leave`), 403, 'not_on_stage');
    conform('POST', L, await host.post(`${S}/leave`), 403, 'forbidden');
    conform('POST', L, await call(base, 'POST', `${S}/leave`), 401, 'unauthenticated');
    conform('POST', L, await viewer.post('/v1/rooms/RM_missing/stage/leave'), 404, 'not_found');
    const afterLeave = conform('POST', L, await guest.post(`${S}/leave`), 200);
    assert.deepEqual(afterLeave.members.map((m) => m.userId), ['olga']);

    const inv = conform('POST', '/v1/rooms/{roomId}/invitations', await host.post(`/v1/rooms/${room.roomId}/invitations`, { body: { inviteeUserId: 'pete' } }), 201);
    conform('POST', '/v1/invitations/{invitationId}/accept', await guest.post(`/v1/invitations/${inv.invitationId}/accept`), 200);
    conform('DELETE', M, await guest.del(`${S}/olga`), 403, 'not_host');
    conform('DELETE', M, await host.del(`${S}/olga`), 403, 'forbidden');
    conform('DELETE', M, await call(base, 'DELETE', `${S}/pete`), 401, 'unauthenticated');
    const afterRemove = conform('DELETE', M, await host.del(`${S}/pete`), 200);
    assert.deepEqual(afterRemove.members.map((m) => m.userId), ['olga']);
    conform('DELETE', M, await host.del(`${S}/pete`), 404, 'not_found');
  });

  test('stop and the ended room', async () => {
    const P = '/v1/rooms/{roomId}/stop';
    conform('POST', P, await guest.post(`/v1/rooms/${room.roomId}/stop`), 403, 'not_host');
    conform('POST', P, await call(base, 'POST', `/v1/rooms/${room.roomId}/stop`), 401, 'unauthenticated');
    conform('POST', P, await host.post('/v1/rooms/RM_missing/stop'), 404, 'not_found');
    const ended = conform('POST', P, await host.post(`/v1/rooms/${room.roomId}/stop`), 200);
    assert.equal(ended.status, 'ended');
    assert.equal(ended.endReason, 'stopped');
    conform('POST', P, await host.post(`/v1/rooms/${room.roomId}/stop`), 409, 'room_ended');
    conform('PATCH', '/v1/rooms/{roomId}', await host.patch(`/v1/rooms/${room.roomId}`, { body: { title: 'late' } }), 409, 'room_ended');
    conform('POST', '/v1/rooms/{roomId}/invitations', await host.post(`/v1/rooms/${room.roomId}/invitations`, { body: { inviteeUserId: 'quinn' } }), 409, 'room_ended');
    conform('POST', '/v1/rooms/{roomId}/broadcast-token', await host.post(`/v1/rooms/${room.roomId}/broadcast-token`), 409, 'room_ended');
    conform('POST', '/v1/rooms/{roomId}/viewer-token', await viewer.post(`/v1/rooms/${room.roomId}/viewer-token`), 409, 'room_ended');
  });

  test('realtime upgrade', async () => {
    conform('GET', '/v1/realtime', await call(base, 'GET', '/v1/realtime', { token: host.token }), 426, 'invalid_argument');
    conform('GET', '/v1/realtime', await upgrade('/v1/realtime'), 401, 'unauthenticated');
    conform('GET', '/v1/realtime', await upgrade(`/v1/realtime?token=${encodeURIComponent(host.token)}`), 101);
    conform('GET', '/v1/realtime', await upgrade('/v1/realtime', { Authorization: `Bearer ${host.token}` }), 101);
  });

  test('conventions: unknown path, other method, oversized body', async () => {
    const unknown = await host.get('/v1/nothing-here');
    assert.equal(unknown.status, 404, show(unknown));
    assert.equal(unknown.body.error.code, 'not_found');
    const wrong = await host.del('/v1/rooms');
    assert.equal(wrong.status, 405, show(wrong));
    assert.equal(wrong.body.error.code, 'method_not_allowed');
    assert.ok(wrong.headers.get('allow'), 'a 405 carries Allow');

    const big = JSON.stringify({ title: 'x', description: 'y'.repeat(70 * 1024) });
    let r;
    try {
      r = await host.post('/v1/rooms', { body: big });
    } catch (err) {
      assert.fail(`oversized body: the connection failed instead of answering 413 (${err.cause?.code ?? err.message})`);
    }
    conform('POST', '/v1/rooms', r, 413, 'payload_too_large');
  });

  test('dev login answers 404 not_found when disabled', async () => {
    const off = await startCohostd({ devLogin: false });
    try {
      const r = await call(off.baseUrl, 'POST', '/v1/auth/dev-login', { body: { userId: 'olga' } });
      conform('POST', '/v1/auth/dev-login', r, 404, 'not_found');
    } finally {
      await off.stop();
    }
  });

  test('media webhook and metrics', async () => {
    const body = JSON.stringify({ event: 'room_started', id: 'EV_openapi1', createdAt: '1795820002',
      room: { sid: 'RM_sid', name: 'RM_unknown' } });
    const at = new AccessToken(server.apiKey, server.apiSecret, { ttl: '5m' });
    at.sha256 = createHash('sha256').update(body).digest('base64');
    const jwt = await at.toJwt();
    const headers = { 'content-type': 'application/webhook+json' };
    conform('POST', '/v1/livekit/webhook', await call(base, 'POST', '/v1/livekit/webhook',
      { body, headers: { ...headers, authorization: jwt } }), 200);
    conform('POST', '/v1/livekit/webhook', await call(base, 'POST', '/v1/livekit/webhook',
      { body, headers: { ...headers, authorization: `Bearer ${jwt}` } }), 401, 'unauthenticated');
    conform('POST', '/v1/livekit/webhook', await call(base, 'POST', '/v1/livekit/webhook',
      { body: body.replace('RM_unknown', 'RM_tampered'), headers: { ...headers, authorization: jwt } }), 401, 'unauthenticated');

    const metrics = await call(base, 'GET', '/metrics');
    conform('GET', '/metrics', metrics, 200);
    assert.match(metrics.headers.get('content-type') || '', /^text\/plain; version=0\.0\.4/);
    assert.match(String(metrics.body), /^cohost_livekit_webhooks_total\{.*result="(applied|ignored)".*\} [1-9]/m);
  });

  test('engagement: chat, moderation, reactions, viewers, products', async () => {
    const r = conform('POST', '/v1/rooms', await host.post('/v1/rooms', { body: { title: 'Shop live' } }), 201);
    const R = r.roomId;
    const inv = conform('POST', '/v1/rooms/{roomId}/invitations', await host.post(`/v1/rooms/${R}/invitations`, { body: { inviteeUserId: 'pete' } }), 201);
    conform('POST', '/v1/invitations/{invitationId}/accept', await guest.post(`/v1/invitations/${inv.invitationId}/accept`), 200);

    const MS = '/v1/rooms/{roomId}/messages';
    const msg = conform('POST', MS, await viewer.post(`/v1/rooms/${R}/messages`, { body: { text: 'hi all' } }), 201);
    assert.equal(msg.author.role, 'viewer');
    conform('POST', MS, await viewer.post(`/v1/rooms/${R}/messages`, { body: { text: '   ' } }), 400, 'invalid_argument');
    conform('POST', MS, await call(base, 'POST', `/v1/rooms/${R}/messages`, { body: { text: 'x' } }), 401, 'unauthenticated');
    conform('POST', MS, await viewer.post('/v1/rooms/RM_missing/messages', { body: { text: 'x' } }), 404, 'not_found');
    const page = conform('GET', MS, await viewer.get(`/v1/rooms/${R}/messages?limit=10`), 200);
    assert.deepEqual(page.messages.map((m) => m.text), ['hi all']);
    conform('GET', MS, await viewer.get(`/v1/rooms/${R}/messages?cursor=bad`), 400, 'invalid_argument');
    conform('GET', MS, await call(base, 'GET', `/v1/rooms/${R}/messages`), 401, 'unauthenticated');
    conform('GET', MS, await viewer.get('/v1/rooms/RM_missing/messages'), 404, 'not_found');

    const D = '/v1/rooms/{roomId}/messages/{messageId}';
    conform('DELETE', D, await admin.del(`/v1/rooms/${R}/messages/${msg.messageId}`, {}), 200);
    conform('DELETE', D, await host.del(`/v1/rooms/${R}/messages/${msg.messageId}`), 404, 'not_found');
    const second = conform('POST', MS, await host.post(`/v1/rooms/${R}/messages`, { body: { text: 'mine' } }), 201);
    conform('DELETE', D, await viewer.del(`/v1/rooms/${R}/messages/${second.messageId}`), 403, 'forbidden');
    conform('DELETE', D, await call(base, 'DELETE', `/v1/rooms/${R}/messages/${second.messageId}`), 401, 'unauthenticated');

    const MO = '/v1/rooms/{roomId}/moderation';
    const muted = conform('POST', MO, await guest.post(`/v1/rooms/${R}/moderation`, { body: { action: 'mute', userId: 'quinn', durationSeconds: 60 } }), 200);
    assert.equal(muted.muted, true);
    conform('POST', MS, await viewer.post(`/v1/rooms/${R}/messages`, { body: { text: 'x' } }), 403, 'muted');
    conform('POST', MO, await guest.post(`/v1/rooms/${R}/moderation`, { body: { action: 'ban', userId: 'quinn' } }), 403, 'forbidden');
    conform('POST', MO, await host.post(`/v1/rooms/${R}/moderation`, { body: { action: 'mute', userId: 'quinn' } }), 400, 'invalid_argument');
    conform('POST', MO, await host.post(`/v1/rooms/${R}/moderation`, { body: { action: 'mute', userId: 'ghost', durationSeconds: 5 } }), 404, 'user_not_found');
    conform('POST', MO, await call(base, 'POST', `/v1/rooms/${R}/moderation`, { body: { action: 'unmute', userId: 'quinn' } }), 401, 'unauthenticated');
    conform('POST', MO, await host.post(`/v1/rooms/${R}/moderation`, { body: { action: 'unmute', userId: 'quinn' } }), 200);

    const RE = '/v1/rooms/{roomId}/reactions';
    conform('POST', RE, await viewer.post(`/v1/rooms/${R}/reactions`, { body: { reaction: 'heart' } }), 202);
    conform('POST', RE, await viewer.post(`/v1/rooms/${R}/reactions`, { body: { reaction: 'nope' } }), 400, 'invalid_argument');
    conform('POST', RE, await call(base, 'POST', `/v1/rooms/${R}/reactions`, { body: { reaction: 'heart' } }), 401, 'unauthenticated');
    // Sent all at once: one by one, a loaded machine can spread them over more than the
    // limiter's window, and the limit would never be hit.
    const burst = await Promise.all(Array.from({ length: 60 },
      () => viewer.post(`/v1/rooms/${R}/reactions`, { body: { reaction: 'fire' } })));
    const limited = burst.find((x) => x.status === 429);
    assert.ok(limited, 'the per-user reaction limit was never hit');
    conform('POST', RE, limited, 429, 'rate_limited');

    const V = '/v1/rooms/{roomId}/viewers';
    const viewers = conform('GET', V, await viewer.get(`/v1/rooms/${R}/viewers`), 200);
    assert.equal(viewers.count, 0);
    conform('GET', V, await viewer.get('/v1/rooms/RM_missing/viewers'), 404, 'not_found');
    conform('GET', V, await call(base, 'GET', `/v1/rooms/${R}/viewers`), 401, 'unauthenticated');

    const P = '/v1/products';
    const shoe = conform('POST', P, await admin.post(P, { body: { productId: 'shoe-1', name: 'Red shoe', url: 'https://shop.example/shoe', price: '19.9', currency: 'USD' } }), 201);
    assert.equal(shoe.price, '19.90');
    conform('POST', P, await admin.post(P, { body: { name: 'Hat', url: 'https://shop.example/hat', price: '5', currency: 'EUR', imageUrl: 'https://shop.example/hat.png' } }), 201);
    conform('POST', P, await admin.post(P, { body: { productId: 'shoe-1', name: 'Again', url: 'https://shop.example/x', price: '1', currency: 'USD' } }), 409, 'conflict');
    conform('POST', P, await admin.post(P, { body: { name: 'Bad', url: 'https://shop.example/x', price: '1.999', currency: 'USD' } }), 400, 'invalid_argument');
    conform('POST', P, await host.post(P, { body: { name: 'Mine', url: 'https://shop.example/x', price: '1', currency: 'USD' } }), 403, 'forbidden');
    conform('POST', P, await call(base, 'POST', P, { body: {} }), 401, 'unauthenticated');
    const found = conform('GET', P, await viewer.get(`${P}?query=shoe`), 200);
    assert.deepEqual(found.products.map((p) => p.productId), ['shoe-1']);
    conform('GET', P, await viewer.get(`${P}?cursor=bad`), 400, 'invalid_argument');
    conform('GET', P, await call(base, 'GET', P), 401, 'unauthenticated');
    const PI = '/v1/products/{productId}';
    conform('GET', PI, await viewer.get(`${P}/shoe-1`), 200);
    conform('GET', PI, await viewer.get(`${P}/nope`), 404, 'not_found');
    conform('GET', PI, await call(base, 'GET', `${P}/shoe-1`), 401, 'unauthenticated');
    conform('PATCH', PI, await admin.patch(`${P}/shoe-1`, { body: { name: 'Red shoe 2' } }), 200);
    conform('PATCH', PI, await admin.patch(`${P}/shoe-1`, { body: { status: 'gone' } }), 400, 'invalid_argument');
    conform('PATCH', PI, await host.patch(`${P}/shoe-1`, { body: { name: 'x' } }), 403, 'forbidden');
    conform('PATCH', PI, await admin.patch(`${P}/nope`, { body: { name: 'x' } }), 404, 'not_found');
    conform('PATCH', PI, await call(base, 'PATCH', `${P}/shoe-1`, { body: { name: 'x' } }), 401, 'unauthenticated');

    const RP = '/v1/rooms/{roomId}/products';
    const tagged = conform('PUT', RP, await host.put(`/v1/rooms/${R}/products`, { body: { productIds: ['shoe-1'] } }), 200);
    assert.equal(tagged.products.length, 1);
    conform('PUT', RP, await host.put(`/v1/rooms/${R}/products`, { body: { productIds: Array.from({ length: 21 }, (_, i) => `p${i}`) } }), 400, 'too_many_products');
    conform('PUT', RP, await host.put(`/v1/rooms/${R}/products`, { body: { productIds: ['nope'] } }), 400, 'invalid_argument');
    conform('PUT', RP, await guest.put(`/v1/rooms/${R}/products`, { body: { productIds: [] } }), 403, 'forbidden');
    conform('PUT', RP, await host.put('/v1/rooms/RM_missing/products', { body: { productIds: [] } }), 404, 'not_found');
    conform('PUT', RP, await call(base, 'PUT', `/v1/rooms/${R}/products`, { body: { productIds: [] } }), 401, 'unauthenticated');
    conform('GET', RP, await viewer.get(`/v1/rooms/${R}/products`), 200);
    conform('GET', RP, await viewer.get('/v1/rooms/RM_missing/products'), 404, 'not_found');
    conform('GET', RP, await call(base, 'GET', `/v1/rooms/${R}/products`), 401, 'unauthenticated');

    const PIN = '/v1/rooms/{roomId}/products/{productId}/pin';
    conform('POST', PIN, await guest.post(`/v1/rooms/${R}/products/shoe-1/pin`), 403, 'forbidden');
    conform('PATCH', '/v1/rooms/{roomId}/stage/{userId}', await host.patch(`/v1/rooms/${R}/stage/pete`, { body: { permissions: { canManageProducts: true } } }), 200);
    const pinned = conform('POST', PIN, await guest.post(`/v1/rooms/${R}/products/shoe-1/pin`), 200);
    assert.equal(pinned.pinnedProductId, 'shoe-1');
    conform('POST', PIN, await host.post(`/v1/rooms/${R}/products/nope/pin`), 404, 'not_found');
    conform('POST', PIN, await call(base, 'POST', `/v1/rooms/${R}/products/shoe-1/pin`), 401, 'unauthenticated');
    const UNPIN = '/v1/rooms/{roomId}/products/unpin';
    const unpinned = conform('POST', UNPIN, await host.post(`/v1/rooms/${R}/products/unpin`), 200);
    assert.equal(unpinned.pinnedProductId, null);
    conform('POST', UNPIN, await viewer.post(`/v1/rooms/${R}/products/unpin`), 403, 'forbidden');
    conform('POST', UNPIN, await host.post('/v1/rooms/RM_missing/products/unpin'), 404, 'not_found');
    conform('POST', UNPIN, await call(base, 'POST', `/v1/rooms/${R}/products/unpin`), 401, 'unauthenticated');

    const EV = '/v1/rooms/{roomId}/products/{productId}/events';
    conform('POST', EV, await viewer.post(`/v1/rooms/${R}/products/shoe-1/events`, { body: { type: 'click' } }), 202);
    conform('POST', EV, await viewer.post(`/v1/rooms/${R}/products/shoe-1/events`, { body: { type: 'click' } }), 202);
    conform('POST', EV, await viewer.post(`/v1/rooms/${R}/products/shoe-1/events`, { body: { type: 'buy' } }), 400, 'invalid_argument');
    conform('POST', EV, await viewer.post(`/v1/rooms/${R}/products/nope/events`, { body: { type: 'view' } }), 404, 'not_found');
    conform('POST', EV, await call(base, 'POST', `/v1/rooms/${R}/products/shoe-1/events`, { body: { type: 'view' } }), 401, 'unauthenticated');
    const ST = '/v1/rooms/{roomId}/products/stats';
    const stats = conform('GET', ST, await host.get(`/v1/rooms/${R}/products/stats`), 200);
    assert.equal(stats.products[0].clicks, 1);
    assert.deepEqual(stats.products[0].byMember.map((m) => m.userId).sort(), ['olga', 'pete']);
    conform('GET', ST, await viewer.get(`/v1/rooms/${R}/products/stats`), 403, 'not_host');
    conform('GET', ST, await host.get('/v1/rooms/RM_missing/products/stats'), 404, 'not_found');
    conform('GET', ST, await call(base, 'GET', `/v1/rooms/${R}/products/stats`), 401, 'unauthenticated');

    // Slow mode and ban last: they change what the viewer may do.
    conform('PATCH', '/v1/rooms/{roomId}', await host.patch(`/v1/rooms/${R}`, { body: { slowModeSeconds: 60 } }), 200);
    // quinn posted 'hi all' moments ago (deleted messages still count for the interval).
    conform('POST', MS, await viewer.post(`/v1/rooms/${R}/messages`, { body: { text: 'again' } }), 429, 'slow_mode');
    conform('POST', MS, await guest.post(`/v1/rooms/${R}/messages`, { body: { text: 'co-hosts are exempt' } }), 201);
    conform('POST', MO, await host.post(`/v1/rooms/${R}/moderation`, { body: { action: 'ban', userId: 'quinn' } }), 200);
    conform('POST', MS, await viewer.post(`/v1/rooms/${R}/messages`, { body: { text: 'x' } }), 403, 'banned');
    conform('GET', MS, await viewer.get(`/v1/rooms/${R}/messages`), 403, 'banned');
    conform('POST', RE, await viewer.post(`/v1/rooms/${R}/reactions`, { body: { reaction: 'heart' } }), 403, 'banned');
    conform('POST', EV, await viewer.post(`/v1/rooms/${R}/products/shoe-1/events`, { body: { type: 'view' } }), 403, 'banned');
    conform('DELETE', D, await viewer.del(`/v1/rooms/${R}/messages/${second.messageId}`), 403, 'banned');
    conform('POST', '/v1/rooms/{roomId}/viewer-token', await viewer.post(`/v1/rooms/${R}/viewer-token`), 403, 'banned');

    conform('POST', '/v1/rooms/{roomId}/stop', await host.post(`/v1/rooms/${R}/stop`), 200);
    conform('POST', MS, await host.post(`/v1/rooms/${R}/messages`, { body: { text: 'late' } }), 409, 'room_ended');
    conform('POST', RE, await host.post(`/v1/rooms/${R}/reactions`, { body: { reaction: 'heart' } }), 409, 'room_ended');
    conform('POST', MO, await host.post(`/v1/rooms/${R}/moderation`, { body: { action: 'unban', userId: 'quinn' } }), 409, 'room_ended');
    conform('POST', PIN, await host.post(`/v1/rooms/${R}/products/shoe-1/pin`), 409, 'room_ended');
    conform('PUT', RP, await guest.put(`/v1/rooms/${R}/products`, { body: { productIds: [] } }), 403, 'forbidden');
  });

  test('every documented operation was exercised', () => {
    const all = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const m of ['get', 'put', 'post', 'delete', 'patch']) if (item[m]) all.push(`${m.toUpperCase()} ${p}`);
    }
    const missed = all.filter((o) => !exercised.has(o));
    assert.deepEqual(missed, [], `operations the scenario did not exercise: ${missed.join(', ')}`);
  });
});
