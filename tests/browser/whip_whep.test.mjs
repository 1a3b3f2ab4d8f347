// WHIP publish + WHEP playback through the embedded SFU, in real Chromium (fake camera and mic).
//
// Room 1: B starts playing before anything is published; A publishes 1280x720 with three simulcast
// layers; C plays; both decode 1280x720 with audio flowing. D joins late and must decode its first
// frame within 2 s of its WHEP answer (the SFU asks A for a keyframe). Room 2 on the same server
// (E, 320x240 without simulcast) must not leak into room 1. When A leaves, B and C must see their
// RTCDtlsTransport close (the strongest signal Chromium gives, see the last step).
// The error cases of the WHIP/WHEP endpoints run first, with offers made by A's Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';

import {
  User, audio, closeAll, digest, http, inboundAudio, inboundVideo, outputDir, show, sleep, startCohostd, steps,
  token, video,
} from './harness.mjs';

const ROOM = 'browser-room-1';
const ROOM2 = 'browser-room-2';

let server;
let out;
const users = {};

before(async () => {
  out = outputDir('whip_whep');
  server = await startCohostd({
    config: { media: { public_ip: '127.0.0.1', workers: 1 } },
    logFile: join(out, 'cohostd.log'),
  });
  users.A = await User.launch('A', server.baseUrl, { outDir: out });
});

after(async () => {
  await closeAll(Object.values(users));
  if (server) await server.stop();
});

/** Asserts the JSON error envelope {"error":{"code","message"}} and the status. */
function assertError(r, status, what) {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${show(r)}`);
  assert.ok(r.json && r.json.error && typeof r.json.error.code === 'string' && typeof r.json.error.message === 'string',
    `${what}: expected the JSON error envelope {"error":{"code","message"}}, got ${show(r)}`);
}

describe('WHIP/WHEP request errors', { concurrency: 1 }, () => {
  let pubOffer;
  let subOffer;
  before(async () => {
    pubOffer = await users.A.offerSdp({ publish: true });
    subOffer = await users.A.offerSdp({ publish: false });
  });
  const post = (kind, room, { bearer, body, contentType = 'application/sdp' } = {}) =>
    http(server.baseUrl, 'POST', `/${kind}/${room}`, { token: bearer, body, contentType });

  test('WHIP without a token is 401', async () => {
    assertError(await post('whip', ROOM, { body: pubOffer }), 401, 'no token');
  });

  test('WHIP with a token signed by another secret is 401', async () => {
    const forged = await token(server, { identity: 'forger', room: ROOM, apiSecret: 'x'.repeat(40) });
    assertError(await post('whip', ROOM, { bearer: forged, body: pubOffer }), 401, 'bad signature');
  });

  test('WHIP with a token for another room is 403', async () => {
    const other = await token(server, { identity: 'elsewhere', room: 'some-other-room' });
    assertError(await post('whip', ROOM, { bearer: other, body: pubOffer }), 403, 'token for another room');
  });

  test('WHIP with canPublish:false is 403', async () => {
    const viewer = await token(server, { identity: 'viewer-only', room: ROOM, canPublish: false });
    assertError(await post('whip', ROOM, { bearer: viewer, body: pubOffer }), 403, 'canPublish:false');
  });

  test('WHEP with canSubscribe:false is 403', async () => {
    const deaf = await token(server, { identity: 'no-subscribe', room: ROOM, canSubscribe: false });
    assertError(await post('whep', ROOM, { bearer: deaf, body: subOffer }), 403, 'canSubscribe:false');
  });

  test('WHIP with a garbage SDP body is 400', async () => {
    const t = await token(server, { identity: 'garbage', room: ROOM });
    assertError(await post('whip', ROOM, { bearer: t, body: 'this is not an SDP offer\r\n' }), 400, 'garbage SDP');
  });

  test('WHEP with a garbage SDP body is 400', async () => {
    const t = await token(server, { identity: 'garbage-sub', room: ROOM });
    assertError(await post('whep', ROOM, { bearer: t, body: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=video\r\n' }), 400,
      'truncated SDP');
  });

  test('WHIP with Content-Type application/json is 415', async () => {
    const t = await token(server, { identity: 'json', room: ROOM });
    assertError(await post('whip', ROOM, { bearer: t, body: pubOffer, contentType: 'application/json' }), 415,
      'wrong content type');
  });

  test('DELETE of an unknown resource is 404', async () => {
    const t = await token(server, { identity: 'deleter', room: ROOM });
    const r1 = await http(server.baseUrl, 'DELETE', `/whip/${ROOM}/no-such-resource`, { token: t });
    assert.equal(r1.status, 404, `DELETE /whip unknown: ${show(r1)}`);
    const r2 = await http(server.baseUrl, 'DELETE', `/whep/${ROOM}/no-such-resource`, { token: t });
    assert.equal(r2.status, 404, `DELETE /whep unknown: ${show(r2)}`);
  });

  test('the bandwidth test hook does not exist without media.test_hooks', async () => {
    const r = await http(server.baseUrl, 'POST', '/v1/media/test/bandwidth', {
      contentType: 'application/json', body: JSON.stringify({ resource: `/whep/${ROOM}/x`, bps: 1000 }),
    });
    assert.equal(r.status, 404, `test hook without test_hooks: ${show(r)}`);
  });
});

describe('publish over WHIP, play over WHEP', { concurrency: 1 }, () => {
  const loc = {};
  // Later steps build on earlier ones: once one fails, the rest are skipped rather than piling up.
  const step = steps();

  step('B starts playing room 1 before anything is published (WHEP 201)', { timeout: 60_000 }, async () => {
    users.B = await User.launch('B', server.baseUrl, { outDir: out });
    const t = await token(server, { identity: 'viewer-B', room: ROOM, canPublish: false });
    const r = await users.B.play(ROOM, t);
    assert.equal(r.status, 201, `WHEP B: ${r.status} ${r.body}`);
    assert.match(r.contentType ?? '', /^application\/sdp/, 'WHEP answer content type');
    assert.match(r.location ?? '', new RegExp(`^(https?://[^/]+)?/whep/${ROOM}/[^/]+$`), 'WHEP Location');
    loc.B = r.location;
  });

  step('A publishes camera + mic with simulcast q/h/f over WHIP', { timeout: 60_000 }, async (t) => {
    const bearer = await token(server, { identity: 'host-A', room: ROOM, canSubscribe: false });
    const r = await users.A.publish(ROOM, bearer, { width: 1280, height: 720, frameRate: 30, simulcast: true });
    assert.equal(r.status, 201, `WHIP A: ${r.status} ${r.body}`);
    assert.match(r.contentType ?? '', /^application\/sdp/, 'WHIP answer content type');
    assert.match(r.location ?? '', new RegExp(`^(https?://[^/]+)?/whip/${ROOM}/[^/]+$`), 'WHIP Location');
    loc.A = r.location;
    loc.Atoken = bearer;
    const s = await users.A.waitStats((x) => x.connectionState === 'connected' &&
      ['q', 'h', 'f'].every((rid) => x.outbound.some((o) => o.kind === 'video' && o.rid === rid && o.packetsSent > 0)) &&
      x.outbound.some((o) => o.kind === 'audio' && o.packetsSent > 0),
    { timeoutMs: 20_000, what: 'connected, sending audio and the three simulcast layers' });
    t.diagnostic(`A: ${digest(s)}`);
  });

  step('C plays room 1 (WHEP 201)', { timeout: 60_000 }, async () => {
    users.C = await User.launch('C', server.baseUrl, { outDir: out });
    const t = await token(server, { identity: 'viewer-C', room: ROOM, canPublish: false });
    const r = await users.C.play(ROOM, t);
    assert.equal(r.status, 201, `WHEP C: ${r.status} ${r.body}`);
    loc.C = r.location;
  });

  step('B and C decode 1280x720 video (> 60 frames) and receive audio', { timeout: 90_000 }, async (t) => {
    for (const name of ['B', 'C']) {
      const u = users[name];
      const s = await u.waitStats((x) => {
        const v = video(x);
        return v.framesDecoded > 60 && v.frameWidth === 1280 && v.frameHeight === 720;
      }, { timeoutMs: 40_000, what: 'inbound video framesDecoded > 60 at 1280x720' });
      t.diagnostic(`${name}: ${digest(s)}`);
      const a0 = audio(s).packetsReceived ?? 0;
      await sleep(1_000);
      const s2 = await u.stats();
      assert.ok((audio(s2).packetsReceived ?? 0) > a0,
        `${name}: audio packetsReceived did not grow (${a0} -> ${audio(s2).packetsReceived}); ${digest(s2)}`);
      assert.ok(s2.videoElement && s2.videoElement.videoWidth === 1280,
        `${name}: the <video> element shows ${JSON.stringify(s2.videoElement)}`);
    }
    await users.B.screenshot(join(out, 'B-playing.png'));
  });

  step('late joiner D decodes its first frame within 2 s of its WHEP answer', { timeout: 60_000 }, async (t) => {
    users.D = await User.launch('D', server.baseUrl, { outDir: out });
    const bearer = await token(server, { identity: 'viewer-D', room: ROOM, canPublish: false });
    const r = await users.D.play(ROOM, bearer);
    assert.equal(r.status, 201, `WHEP D: ${r.status} ${r.body}`);
    loc.D = r.location;
    const s = await users.D.waitStats((x) => x.firstFrameMs !== null, { timeoutMs: 10_000, intervalMs: 200,
      what: 'a first decoded frame' });
    t.diagnostic(`D: first frame ${s.firstFrameMs} ms after the WHEP answer; ${digest(s)}`);
    assert.ok(s.firstFrameMs <= 2_000, `D's first frame came ${s.firstFrameMs} ms after the answer (> 2000)`);
  });

  step('room 2 (E, 320x240 without simulcast) does not leak into room 1', { timeout: 120_000 }, async (t) => {
    // D leaves room 1 (WHEP DELETE) and becomes the viewer of room 2.
    const del = await users.D.leave();
    assert.equal(del, 200, `DELETE of D's WHEP resource: ${del}`);
    await users.D.page.goto(`${server.baseUrl}/healthz`);
    users.E = await User.launch('E', server.baseUrl, { outDir: out });
    const pubToken = await token(server, { identity: 'host-E', room: ROOM2, canSubscribe: false });
    const r = await users.E.publish(ROOM2, pubToken, { width: 320, height: 240, frameRate: 30, simulcast: false });
    assert.equal(r.status, 201, `WHIP E: ${r.status} ${r.body}`);
    const viewToken = await token(server, { identity: 'viewer-D2', room: ROOM2, canPublish: false });
    const r2 = await users.D.play(ROOM2, viewToken);
    assert.equal(r2.status, 201, `WHEP D (room 2): ${r2.status} ${r2.body}`);
    const sd = await users.D.waitStats((x) => {
      const v = video(x);
      return v.framesDecoded > 30 && v.frameWidth === 320 && v.frameHeight === 240;
    }, { timeoutMs: 30_000, what: 'room 2 video at 320x240' });
    t.diagnostic(`D (room 2): ${digest(sd)}`);
    assert.equal(inboundVideo(sd).length, 1, `room-2 viewer has one inbound video: ${digest(sd)}`);

    // Meanwhile B must keep exactly one video and one audio stream, still 1280x720 and advancing.
    let prev = null;
    for (let i = 0; i < 4; i++) {
      const s = await users.B.stats();
      assert.equal(inboundVideo(s).length, 1, `B has exactly one inbound video: ${digest(s)}`);
      assert.equal(inboundAudio(s).length, 1, `B has exactly one inbound audio: ${digest(s)}`);
      const v = video(s);
      assert.ok(v.frameWidth === 1280 && v.frameHeight === 720, `B still at 1280x720: ${digest(s)}`);
      if (prev) assert.ok(v.framesDecoded > prev, `B's framesDecoded advances (${prev} -> ${v.framesDecoded})`);
      prev = v.framesDecoded;
      await sleep(1_000);
    }
    assert.equal(await users.E.leave(), 200, 'DELETE of E\'s WHIP resource');
    await users.D.leave();
    await users.E.close();
    await users.D.close();
  });

  step('A leaves: B and C see their DTLS transport closed', { timeout: 60_000 }, async (t) => {
    // What Chromium 156 shows when the publisher leaves (server: RTCP BYE per forwarded stream, then
    // a DTLS close_notify to a subscriber left with nothing to play): RTCDtlsTransport.state becomes
    // 'closed' (statechange within ~20 ms of the DELETE) and RTP stops. The RTCP BYE shows nothing:
    // the receiver tracks stay 'live' and unmuted, and pc.connectionState stays 'connected' (ICE is
    // still up) for at least the 8 s watched. The DTLS state is the signal asserted; the rest is
    // reported as diagnostics.
    const before = {};
    for (const name of ['B', 'C']) before[name] = await users[name].stats();
    const del = await users.A.leave();
    assert.equal(del, 200, `DELETE of A's WHIP resource: ${del}`);
    const again = await http(server.baseUrl, 'DELETE', loc.A, { token: loc.Atoken });
    assert.equal(again.status, 404, `a second DELETE of A's WHIP resource: ${show(again)}`);
    for (const name of ['B', 'C']) {
      const u = users[name];
      const t0 = before[name].t;
      const closed = await u.waitStats((x) => x.dtlsStates.length > 0 && x.dtlsStates.every((d) => d === 'closed'),
        { timeoutMs: 5_000, intervalMs: 100, what: 'RTCDtlsTransport.state "closed" after the publisher left' });
      const ev = closed.events.find((e) => e.t >= t0 && e.what === 'dtls.state' && e.detail === 'closed');
      assert.ok(ev, `${name}: no 'statechange' event to "closed" on the RTCDtlsTransport`);
      // Media stops: no more RTP arrives.
      await sleep(500);
      const s0 = await u.stats();
      await sleep(1_500);
      const s1 = await u.stats();
      assert.equal(video(s1).packetsReceived, video(s0).packetsReceived, `${name}: video RTP still arriving`);
      assert.equal(audio(s1).packetsReceived, audio(s0).packetsReceived, `${name}: audio RTP still arriving`);
      // getStats() lags the RTCDtlsTransport object by a moment; 2 s later it agrees.
      assert.equal(s1.transport?.dtlsState, 'closed', `${name}: transport stats dtlsState`);
      const seen = s1.events.filter((e) => e.t >= t0).map((e) => `${e.t - t0}ms:${e.what}` +
        `${e.detail !== undefined ? `=${JSON.stringify(e.detail)}` : ''}`);
      t.diagnostic(`${name} after A left (ms since just before the DELETE): ${seen.join(' ')}; ` +
        `pc=${s1.connectionState} ice=${s1.iceConnectionState} dtls=[${s1.dtlsStates}] ` +
        `tracks=${JSON.stringify(s1.tracks.map((x) => `${x.kind}:${x.readyState}${x.muted ? ':muted' : ''}`))} ` +
        `transport.dtlsState=${s1.transport?.dtlsState}`);
    }
    // Not in the contract: what a WHEP DELETE answers once the server has closed the session.
    const bDel = await users.B.leave();
    t.diagnostic(`B's WHEP DELETE after the publisher left: ${bDel}`);
  });
});
