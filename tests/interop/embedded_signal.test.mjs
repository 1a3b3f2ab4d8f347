// The embedded SFU's LiveKit signalling (/rtc/v1, and /rtc for two peer connections) at the
// protocol level, with @livekit/protocol's own message classes over a plain WebSocket (no browser):
// join, refresh_token, keep-alive, refusals and bad frames, the server's first subscriber offer,
// and the participant_connection_aborted webhook. tests/browser/livekit_client.test.mjs and
// livekit_two_pc.test.mjs cover media with the real client.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';

import { Ping, SignalRequest, SignalResponse } from '@livekit/protocol';
import { AccessToken, RoomServiceClient, TokenVerifier } from 'livekit-server-sdk';
import WebSocket from 'ws';

import { API_KEY, devLogin, show, startCohostd } from './harness.mjs';

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

/**
 * Opens /rtc/v1 (or `path`, with `query` appended) and collects decoded SignalResponses; resolves
 * once open (or rejects).
 */
function open(token, path = '/rtc/v1', query = '') {
  const url = `${server.baseUrl.replace('http', 'ws')}${path}?access_token=${encodeURIComponent(token)}${query}`;
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
  assert.equal(v0.status, 200, 'the two-peer-connection mode (/rtc) is served');
  assert.equal(v0.headers.get('access-control-allow-origin'), '*');
  const v0bad = await fetch(`${server.baseUrl}/rtc/validate?access_token=${encodeURIComponent(forged)}`);
  assert.equal(v0bad.status, 401);
  assert.match(await v0bad.text(), /signature/);
});

test('the control plane admits joins to its rooms: publishing only for stage members, nobody once ended', async () => {
  const alice = await devLogin(server.baseUrl, 'adm-alice', 'Alice');
  const created = await alice.post('/v1/rooms', { body: { title: 'Admission' } });
  assert.equal(created.status, 201, show(created));
  const room = created.body.roomId;
  const validate = async (token, path = '/rtc/v1') => {
    const res = await fetch(`${server.baseUrl}${path}/validate?access_token=${encodeURIComponent(token)}`);
    return { status: res.status, text: await res.text() };
  };
  // A publisher who is not on the stage (an uninvited user, or a removed co-host's old token).
  const mallory = await tokenFor('adm-mallory', room);
  await assert.rejects(open(mallory).opened, (e) => e.status === 403 && /not on the stage/.test(e.body));
  await assert.rejects(open(mallory, '/rtc').opened, (e) => e.status === 403 && /not on the stage/.test(e.body));
  assert.deepEqual(await validate(mallory), { status: 403, text: 'not on the stage of this room: only its host and co-hosts may publish' });
  assert.equal((await validate(mallory, '/rtc')).status, 403);
  // The host may publish; a subscribe-only token (a viewer) may join; other rooms are not the domain's.
  const host = open(await tokenFor('adm-alice', room));
  await host.opened;
  await host.next((m) => m.message.case === 'join');
  const viewer = open(await tokenFor('adm-carol', room, server.apiSecret, { canPublish: false, hidden: true }));
  await viewer.opened;
  await viewer.next((m) => m.message.case === 'join');
  assert.equal((await validate(await tokenFor('adm-mallory', 'adm-plain-livekit-room'))).status, 200);
  // Once the room has ended nobody joins it again.
  const stopped = await alice.post(`/v1/rooms/${room}/stop`);
  assert.equal(stopped.status, 200, show(stopped));
  assert.deepEqual(await validate(await tokenFor('adm-alice', room)), { status: 403, text: 'the room has ended' });
  const late = await tokenFor('adm-carol', room, server.apiSecret, { canPublish: false, hidden: true });
  await assert.rejects(open(late).opened, (e) => e.status === 403 && /ended/.test(e.body));
  host.ws.close();
  viewer.ws.close();
});

// The v0 query string of livekit-client 2.23.0 in headless Chromium (livekit-protocol.md §4.1).
const V0_QUERY = '&auto_subscribe=1&sdk=js&version=2.23.0&protocol=17&client_protocol=2';

test('/rtc (two peer connections): join says subscriber_primary and fast_publish, then the SFU offers the subscriber PC',
  async () => {
    const c = open(await tokenFor('v0-alice', 'v0-room'), '/rtc', V0_QUERY);
    await c.opened;
    const join = await c.next(() => true);
    assert.equal(join.message.case, 'join', 'the first message is the JoinResponse');
    assert.equal(join.message.value.subscriberPrimary, true);
    assert.equal(join.message.value.fastPublish, true);
    const offer = await c.next((m) => m.message.case === 'offer');
    const o = offer.message.value;
    assert.equal(o.type, 'offer');
    assert.equal(o.id, 1);
    // Nothing is published yet: the data section alone, which the client's PC connects on.
    assert.match(o.sdp, /^a=ice-lite\r$/m);
    assert.match(o.sdp, /^m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel\r$/m);
    assert.match(o.sdp, /^a=setup:actpass\r$/m);
    assert.match(o.sdp, /^a=candidate:.* typ host\r$/m);
    assert.doesNotMatch(o.sdp, /^m=(audio|video)/m);
    assert.deepEqual(Object.keys(o.midToTrackId), []);
    // A garbage answer is refused and changes nothing; the session stays up.
    c.send({ case: 'answer', value: { type: 'answer', sdp: 'v=0 not sdp', id: 1 } });
    c.send({ case: 'ping', value: 1n });
    await c.next((m) => m.message.case === 'pong');
    c.ws.close();

    // Without canSubscribe the publisher PC is primary and no subscriber PC is offered.
    const d = open(await tokenFor('v0-pub', 'v0-room', server.apiSecret, { canSubscribe: false }), '/rtc', V0_QUERY);
    await d.opened;
    const dj = await d.next((m) => m.message.case === 'join');
    assert.equal(dj.message.value.subscriberPrimary, false);
    assert.equal(dj.message.value.fastPublish, true);
    d.send({ case: 'ping', value: 2n });
    await d.next((m) => m.message.case === 'pong');
    assert.ok(!d.messages.some((m) => m.message.case === 'offer'), 'an offer without canSubscribe');
    d.ws.close();
  });

/** `GET /metrics`: the value of `cohost_livekit_webhooks_total` summed over results, for `event`. */
async function webhookCount(event) {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) {
    const m = /^cohost_livekit_webhooks_total\{(.*)\} (\d+)/.exec(line);
    if (m && m[1].includes(`event="${event}"`)) n += Number(m[2]);
  }
  return n;
}

test('a participant whose media never connects is reported with participant_connection_aborted, not participant_left',
  async () => {
    const aborted0 = await webhookCount('participant_connection_aborted');
    const left0 = await webhookCount('participant_left');
    for (const [path, query] of [['/rtc/v1', ''], ['/rtc', V0_QUERY]]) {
      const c = open(await tokenFor(`abort-${path.length}`, 'abort-room'), path, query);
      await c.opened;
      await c.next((m) => m.message.case === 'join');
      c.ws.close();  // gone without a leave, before any media
    }
    const deadline = Date.now() + 5000;
    while (await webhookCount('participant_connection_aborted') < aborted0 + 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // At least ours (the closes of earlier tests may land in the same counter).
    assert.ok(await webhookCount('participant_connection_aborted') >= aborted0 + 2);
    assert.equal(await webhookCount('participant_left'), left0, 'participant_left for a participant never connected');
  });

test('RoomService UpdateSubscriptions: accepted for a participant, not_found for an unknown one or room', async () => {
  const svc = new RoomServiceClient(server.baseUrl, API_KEY, server.apiSecret);
  const c = open(await tokenFor('sub-manual', 'sub-room'), '/rtc', V0_QUERY.replace('auto_subscribe=1', 'auto_subscribe=0'));
  await c.opened;
  await c.next((m) => m.message.case === 'join');
  // Nothing is published: the subscription is kept for the track, and no new offer is needed.
  await svc.updateSubscriptions('sub-room', 'sub-manual', ['TR_later'], true);
  await assert.rejects(svc.updateSubscriptions('sub-room', 'nobody', ['TR_x'], true),
    (e) => e.status === 404 && e.code === 'not_found');
  await assert.rejects(svc.updateSubscriptions('no-room', 'sub-manual', ['TR_x'], true),
    (e) => e.status === 404 && e.code === 'not_found');
  const wrong = new RoomServiceClient(server.baseUrl, API_KEY, 'q'.repeat(40));
  await assert.rejects(wrong.updateSubscriptions('sub-room', 'sub-manual', ['TR_x'], false), (e) => e.status === 401);
  c.send({ case: 'ping', value: 3n });
  await c.next((m) => m.message.case === 'pong');
  const offers = c.messages.filter((m) => m.message.case === 'offer');
  assert.equal(offers.length, 1, 'only the first subscriber offer: nothing changed');
  c.ws.close();
});
