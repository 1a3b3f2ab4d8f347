// The embedded SFU's LiveKit signalling (/rtc/v1) at the protocol level, with @livekit/protocol's
// own message classes over a plain WebSocket (no browser): join, refresh_token, keep-alive,
// refusals and bad frames. tests/browser/livekit_client.test.mjs covers media with the real client.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';

import { Ping, SignalRequest, SignalResponse } from '@livekit/protocol';
import { AccessToken, TokenVerifier } from 'livekit-server-sdk';
import WebSocket from 'ws';

import { API_KEY, startCohostd } from './harness.mjs';

let server;

before(async () => {
  server = await startCohostd();
});
after(async () => server?.stop());

async function tokenFor(identity, room, secret = server.apiSecret, grant = {}) {
  const at = new AccessToken(API_KEY, secret, { identity, name: identity.toUpperCase(), ttl: '5m' });
  at.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true, ...grant });
  return at.toJwt();
}

/** Opens /rtc/v1 and collects decoded SignalResponses; resolves once open (or rejects). */
function open(token) {
  const url = `${server.baseUrl.replace('http', 'ws')}/rtc/v1?access_token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const messages = [];
  const waiters = [];
  ws.on('message', (data) => {
    messages.push(SignalResponse.fromBinary(new Uint8Array(data)));
    for (const w of waiters.splice(0)) w();
  });
  const next = (pred, timeoutMs = 5000) => new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('timed out waiting for a message')), timeoutMs);
    const check = () => {
      const m = messages.find(pred);
      if (m) { clearTimeout(deadline); resolve(m); } else waiters.push(check);
    };
    check();
  });
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
  const send = (msg) => ws.send(new SignalRequest({ message: msg }).toBinary());
  return { ws, messages, next, opened, send };
}

test('join comes first, with what livekit-client requires, then a refresh_token with the same grants', async () => {
  const c = open(await tokenFor('sig-alice', 'sig-room'));
  await c.opened;
  const join = await c.next(() => true);
  assert.equal(join.message.case, 'join', 'the first message is the JoinResponse');
  const j = join.message.value;
  assert.equal(j.participant.identity, 'sig-alice');
  assert.equal(j.participant.name, 'SIG-ALICE');
  assert.match(j.participant.sid, /^PA_/);
  assert.equal(j.participant.permission.canPublish, true);
  assert.match(j.room.sid, /^RM_/);
  assert.equal(j.room.name, 'sig-room');
  assert.ok(j.serverInfo.version >= '1.8', `server version ${j.serverInfo.version}`);
  assert.equal(j.pingInterval, 5);
  assert.equal(j.pingTimeout, 15);
  assert.equal(j.clientConfiguration.resumeConnection, 1, 'resume disabled: reconnects are re-joins');
  const refresh = await c.next((m) => m.message.case === 'refreshToken');
  const claims = await new TokenVerifier(API_KEY, server.apiSecret).verify(refresh.message.value);
  assert.equal(claims.sub, 'sig-alice');
  assert.equal(claims.video.room, 'sig-room');
  assert.equal(claims.video.roomJoin, true);
  assert.ok(claims.exp > Date.now() / 1000 + 500, 'a fresh lifetime');
  c.ws.close();
});

test('ping_req is answered with pong_resp echoing the timestamp, and ping with pong', async () => {
  const c = open(await tokenFor('sig-bob', 'sig-room-2'));
  await c.opened;
  await c.next((m) => m.message.case === 'join');
  c.send({ case: 'pingReq', value: new Ping({ timestamp: 123456789n, rtt: 5n }) });
  const pong = await c.next((m) => m.message.case === 'pongResp');
  assert.equal(pong.message.value.lastPingTimestamp, 123456789n);
  assert.ok(pong.message.value.timestamp > 0n);
  c.send({ case: 'ping', value: 42n });
  const p2 = await c.next((m) => m.message.case === 'pong');
  assert.ok(p2.message.value > 0n);
  c.ws.close();
});

test('a second participant sees the first in other_participants, and the first gets its update', async () => {
  const a = open(await tokenFor('sig-c1', 'sig-room-3'));
  await a.opened;
  await a.next((m) => m.message.case === 'join');
  const b = open(await tokenFor('sig-c2', 'sig-room-3'));
  await b.opened;
  const jb = await b.next((m) => m.message.case === 'join');
  assert.deepEqual(jb.message.value.otherParticipants.map((p) => p.identity), ['sig-c1']);
  const upd = await a.next((m) => m.message.case === 'update' &&
    m.message.value.participants.some((p) => p.identity === 'sig-c2'));
  assert.equal(upd.message.value.participants[0].state, 1 /* JOINED */);
  // b leaves: a learns it as DISCONNECTED with a higher version.
  b.send({ case: 'leave', value: { reason: 1 } });
  const gone = await a.next((m) => m.message.case === 'update' &&
    m.message.value.participants.some((p) => p.identity === 'sig-c2' && p.state === 3));
  assert.ok(gone.message.value.participants[0].version > upd.message.value.participants[0].version);
  a.ws.close();
});

test('a garbage frame is ignored: the session stays up and answers the next ping', async () => {
  const c = open(await tokenFor('sig-dave', 'sig-room-4'));
  await c.opened;
  await c.next((m) => m.message.case === 'join');
  c.ws.send(new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]));
  c.ws.send('{"not":"a signal request"');
  c.send({ case: 'ping', value: 7n });
  await c.next((m) => m.message.case === 'pong');
  c.ws.close();
});

test('bad tokens are refused before the upgrade with 401 and the reason', async () => {
  const forged = await tokenFor('sig-eve', 'sig-room', 'z'.repeat(40));
  await assert.rejects(open(forged).opened, (e) => e.status === 401 && /signature/.test(e.body));
  const noJoin = await tokenFor('sig-eve', 'sig-room', server.apiSecret, { roomJoin: false });
  await assert.rejects(open(noJoin).opened, (e) => e.status === 401 && /roomJoin/.test(e.body));
  const res = await fetch(`${server.baseUrl}/rtc/v1/validate?access_token=${encodeURIComponent(forged)}`);
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  const ok = await fetch(`${server.baseUrl}/rtc/v1/validate?access_token=${encodeURIComponent(await tokenFor('x', 'y'))}`);
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), 'success');
  const v0 = await fetch(`${server.baseUrl}/rtc/validate?access_token=${encodeURIComponent(await tokenFor('x', 'y'))}`);
  assert.equal(v0.status, 404, 'the two-peer-connection mode is not served');
});
