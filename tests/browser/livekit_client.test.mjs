// Unmodified livekit-client 2.23.0 (UMD build) in real Chromium against cohostd's LiveKit signalling
// (`/rtc/v1`, single peer connection), plus the Twirp RoomService through livekit-server-sdk.
//
// Two Chromiums: "hostChrome" holds the publishers (host, and the late publisher), "viewChrome" the
// subscriber tabs (each tab its own Room). The room-flow steps build on each other (once one fails the
// rest of that block is skipped): host publishes -> S1 and S2 render 1280x720 and hear audio -> a late
// publisher is seen -> it leaves -> a duplicate identity evicts S2. Token refusal is independent. The
// RoomService block (updateParticipant revoking canPublish, removeParticipant, deleteRoom) runs last on
// the same room.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';

import { SignJWT } from 'jose';
import { RoomServiceClient } from 'livekit-server-sdk';

import {
  LkPage, User, closeAll, http, outputDir, show, sleep, startCohostd, steps, token, waitUntil,
} from './harness.mjs';
import { after0, assertRendering, fmt, has, pageNow, trackOf } from './livekit_assert.mjs';

const ROOM = 'lk-room-1';
const R = { CLIENT_INITIATED: 1, DUPLICATE_IDENTITY: 2, PARTICIPANT_REMOVED: 4, ROOM_DELETED: 5 };

let server;
let out;
const chrome = {};
const pages = {};

before(async () => {
  out = outputDir('livekit_client');
  server = await startCohostd({
    config: { media: { public_ip: '127.0.0.1', workers: 1 } },
    logFile: join(out, 'cohostd.log'),
  });
  chrome.host = await User.launch('hostChrome', server.baseUrl, { outDir: out });
  chrome.view = await User.launch('viewChrome', server.baseUrl, { outDir: out });
});

after(async () => {
  for (const p of Object.values(pages)) await p.close().catch(() => {});
  await closeAll(Object.values(chrome));
  if (server) await server.stop();
});

describe('livekit-client room flow', { concurrency: 1 }, () => {
  const step = steps();

  step('host publishes camera + mic (defaults, simulcast); S1 and S2 render 1280x720 and receive audio',
    { timeout: 60_000 }, async (t) => {
      pages.H = await LkPage.open(chrome.host, 'H', { reuseFirst: true });
      const r = await pages.H.connect(await token(server, { identity: 'host', room: ROOM, canSubscribe: false }),
        { publish: true });
      assert.ok(r.ok, `host connect/publish: ${JSON.stringify(r)}`);
      const loc = await waitUntil(() => pages.H.local(), (l) => l.publications.length === 2 &&
        l.outbound.some((o) => o.kind === 'video' && o.packetsSent > 0) &&
        l.outbound.some((o) => o.kind === 'audio' && o.packetsSent > 0),
      { timeoutMs: 15_000, what: 'host: two publications, audio and video RTP sent' });
      t.diagnostic(`host connected in ${r.ms} ms; outbound ${JSON.stringify(loc.outbound)}`);

      pages.S1 = await LkPage.open(chrome.view, 'S1', { reuseFirst: true });
      pages.S2 = await LkPage.open(chrome.view, 'S2');
      for (const [name, identity] of [['S1', 'viewer-1'], ['S2', 'viewer-2']]) {
        const c = await pages[name].connect(await token(server, { identity, room: ROOM, canPublish: false }));
        assert.ok(c.ok, `${name} connect: ${JSON.stringify(c)}`);
      }
      for (const name of ['S1', 'S2']) {
        const evs = await pages[name].waitEvents((e) => has(e, 'TrackSubscribed', { identity: 'host', kind: 'video' }) &&
          has(e, 'TrackSubscribed', { identity: 'host', kind: 'audio' }), { what: 'TrackSubscribed(host, audio + video)' });
        t.diagnostic(`${name}: ${fmt(evs)}`);
      }
      for (const name of ['S1', 'S2']) {
        const { first, second } = await assertRendering(t, pages[name], 'host', { width: 1280, height: 720 });
        const a0 = trackOf(first, 'audio').inbound?.packetsReceived ?? 0;
        const a1 = trackOf(second, 'audio').inbound?.packetsReceived ?? 0;
        assert.ok(a1 > a0, `${name}: audio packetsReceived of host did not grow (${a0} -> ${a1})`);
      }
    });

  step('a publisher joining after the subscribers is seen: ParticipantConnected, TrackSubscribed, rendering',
    { timeout: 45_000 }, async (t) => {
      const t0 = { S1: await pageNow(pages.S1), S2: await pageNow(pages.S2) };
      pages.P = await LkPage.open(chrome.host, 'P');
      const r = await pages.P.connect(await token(server, { identity: 'late', room: ROOM, canSubscribe: false }),
        { publish: true, videoResolution: { width: 640, height: 360, frameRate: 20 } });
      assert.ok(r.ok, `late publisher connect/publish: ${JSON.stringify(r)}`);
      for (const name of ['S1', 'S2']) {
        const evs = after0(await pages[name].waitEvents((e) => has(after0(e, t0[name]), 'TrackSubscribed',
          { identity: 'late', kind: 'video' }), { what: 'ParticipantConnected(late) then TrackSubscribed(late/video)' }), t0[name]);
        t.diagnostic(`${name}: ${fmt(evs)}`);
        const joined = evs.findIndex((e) => e.ev === 'ParticipantConnected' && e.identity === 'late');
        const sub = evs.findIndex((e) => e.ev === 'TrackSubscribed' && e.identity === 'late' && e.kind === 'video');
        assert.ok(joined >= 0, `${name}: no ParticipantConnected(late): ${fmt(evs)}`);
        assert.ok(joined < sub, `${name}: TrackSubscribed(late) came before ParticipantConnected(late): ${fmt(evs)}`);
      }
      for (const name of ['S1', 'S2']) await assertRendering(t, pages[name], 'late', { timeoutMs: 20_000 });
    });

  step('a participant that disconnects: the others get ParticipantDisconnected and TrackUnsubscribed',
    { timeout: 30_000 }, async (t) => {
      const t0 = {};
      for (const name of ['S1', 'S2', 'H']) t0[name] = await pageNow(pages[name]);
      await pages.P.disconnect();
      const pe = await pages.P.events();
      assert.ok(has(pe, 'Disconnected', { reason: R.CLIENT_INITIATED }), `P's own Disconnected: ${fmt(pe.slice(-5))}`);
      for (const name of ['S1', 'S2']) {
        const evs = after0(await pages[name].waitEvents((e) => {
          const x = after0(e, t0[name]);
          return has(x, 'ParticipantDisconnected', { identity: 'late' }) &&
            has(x, 'TrackUnsubscribed', { identity: 'late', kind: 'video' }) &&
            has(x, 'TrackUnsubscribed', { identity: 'late', kind: 'audio' });
        }, { what: 'ParticipantDisconnected(late) and TrackUnsubscribed(late, audio + video)' }), t0[name]);
        t.diagnostic(`${name}: ${fmt(evs)}`);
        const r = await pages[name].remote('late');
        assert.equal(r.found, false, `${name} still lists 'late' as a remote participant`);
        assert.ok(!has(evs, 'ParticipantDisconnected', { identity: 'host' }), `${name} lost the host too: ${fmt(evs)}`);
      }
      const he = after0(await pages.H.waitEvents((e) => has(after0(e, t0.H), 'ParticipantDisconnected', { identity: 'late' }),
        { what: 'ParticipantDisconnected(late) on the host' }), t0.H);
      t.diagnostic(`H: ${fmt(he)}`);
      await pages.P.close();
      delete pages.P;
      // The host is still rendered by S1 after the change of sections.
      await assertRendering(t, pages.S1, 'host', { width: 1280, height: 720, timeoutMs: 10_000 });
    });

  step('a second connect with the same identity disconnects the first with DUPLICATE_IDENTITY',
    { timeout: 40_000 }, async (t) => {
      const t0 = await pageNow(pages.S2);
      pages.S2b = await LkPage.open(chrome.view, 'S2b');
      const r = await pages.S2b.connect(await token(server, { identity: 'viewer-2', room: ROOM, canPublish: false }));
      assert.ok(r.ok, `second viewer-2 connect: ${JSON.stringify(r)}`);
      const evs = after0(await pages.S2.waitEvents((e) => has(after0(e, t0), 'Disconnected'),
        { what: 'RoomEvent.Disconnected on the first viewer-2' }), t0);
      t.diagnostic(`S2 (first viewer-2): ${fmt(evs)}`);
      const d = evs.find((e) => e.ev === 'Disconnected');
      assert.equal(d.reason, R.DUPLICATE_IDENTITY, `Disconnected reason: ${d.reasonName} (${d.reason})`);
      assert.ok(!has(evs, 'Reconnecting'), `the first viewer-2 tried to reconnect: ${fmt(evs)}`);
      await sleep(1_000);
      const st = await pages.S2.page.evaluate(() => window.lk.state.room.state);
      assert.equal(st, 'disconnected', 'first viewer-2 room state a second later');
      // The new session is a full member: it gets the host's tracks.
      await pages.S2b.waitEvents((e) => has(e, 'TrackSubscribed', { identity: 'host', kind: 'video' }),
        { what: 'TrackSubscribed(host/video) on the new viewer-2' });
      await assertRendering(t, pages.S2b, 'host', { timeoutMs: 15_000 });
      await pages.S2.close();
      delete pages.S2;
    });
});

describe('token refusal', { concurrency: 1 }, () => {
  const signed = (secret, claims, { iat, exp }) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' })
    .setIssuer(server.apiKey).setSubject(claims.sub).setIssuedAt(iat).setNotBefore(iat).setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));
  const nowS = () => Math.floor(Date.now() / 1000);
  const grant = (identity) => ({ sub: identity, name: identity, video: { roomJoin: true, room: ROOM } });

  test('an expired and a forged token: room.connect rejects, /rtc/v1/validate answers 401 saying why',
    { timeout: 40_000 }, async (t) => {
      const expired = await signed(server.apiSecret, grant('expired-user'), { iat: nowS() - 7200, exp: nowS() - 3600 });
      const forged = await token(server, { identity: 'forged-user', room: ROOM, apiSecret: 'y'.repeat(40) });
      const valid = await token(server, { identity: 'validate-only', room: ROOM });

      const ok = await http(server.baseUrl, 'GET', `/rtc/v1/validate?access_token=${encodeURIComponent(valid)}`);
      assert.equal(ok.status, 200, `validate of a good token: ${show(ok)}`);
      for (const [what, tok, re] of [['expired', expired, /expired/i], ['forged', forged, /invalid|signature/i]]) {
        const v = await http(server.baseUrl, 'GET', `/rtc/v1/validate?access_token=${encodeURIComponent(tok)}`);
        t.diagnostic(`validate(${what}): ${show(v)}`);
        assert.equal(v.status, 401, `validate(${what}): ${show(v)}`);
        assert.match(v.text, re, `validate(${what}) body does not say why: ${show(v)}`);
      }
      const noTok = await http(server.baseUrl, 'GET', '/rtc/v1/validate');
      assert.equal(noTok.status, 401, `validate without a token: ${show(noTok)}`);
      assert.match(noTok.text, /token/i, `validate without a token: ${show(noTok)}`);

      pages.X = await LkPage.open(chrome.view, 'X');
      const t0 = pages.S1 ? await pageNow(pages.S1) : null;
      for (const [what, tok, re] of [['expired', expired, /expired/i], ['forged', forged, /invalid|signature/i]]) {
        const r = await pages.X.connect(tok, { timeoutMs: 15_000 });
        t.diagnostic(`room.connect(${what}): ${JSON.stringify(r)}`);
        assert.equal(r.ok, false, `room.connect with the ${what} token resolved`);
        assert.doesNotMatch(r.error, /took over/, `room.connect(${what}) hung instead of rejecting`);
        // ConnectionErrorReason.NotAllowed (0): the client read the 401 of /validate.
        assert.equal(r.reasonName, 'NotAllowed', `room.connect(${what}) reason: ${JSON.stringify(r)}`);
        assert.match(r.error, re, `room.connect(${what}) error does not carry the server's reason: ${r.error}`);
      }
      if (pages.S1 && t0 !== null) {
        const evs = after0(await pages.S1.events(), t0);
        assert.ok(!has(evs, 'ParticipantConnected'), `a refused token showed up in the room: ${fmt(evs)}`);
      }
      await pages.X.close();
      delete pages.X;
    });
});

describe('RoomService (Twirp) through livekit-server-sdk', { concurrency: 1 }, () => {
  let svc;
  let available = null;
  const needService = async (t) => {
    if (available === null) {
      const r = await http(server.baseUrl, 'POST', '/twirp/livekit.RoomService/ListRooms',
        { contentType: 'application/json', body: '{}' });
      available = r.status !== 404;
      if (!available) t.diagnostic(`POST /twirp/livekit.RoomService/ListRooms: ${show(r)}`);
    }
    assert.ok(available, 'the Twirp RoomService is not served (ListRooms answered 404)');
    assert.ok(pages.H && pages.S1, 'the room-flow pages are not there (an earlier block failed)');
    svc ??= new RoomServiceClient(server.baseUrl, server.apiKey, server.apiSecret);
  };

  test('updateParticipant revoking canPublish unpublishes the host\'s tracks', { timeout: 30_000 }, async (t) => {
    await needService(t);
    const t0 = { H: await pageNow(pages.H), S1: await pageNow(pages.S1) };
    const info = await svc.updateParticipant(ROOM, 'host', { permission: { canPublish: false, canSubscribe: false,
      canPublishData: false } });
    t.diagnostic(`updateParticipant answered ${JSON.stringify({ identity: info?.identity, permission: info?.permission })}`);
    assert.equal(info?.permission?.canPublish, false, 'the returned ParticipantInfo keeps canPublish');
    const he = after0(await pages.H.waitEvents((e) => has(after0(e, t0.H), 'ParticipantPermissionsChanged',
      { local: true, canPublish: false }), { what: 'ParticipantPermissionsChanged(canPublish false) on the host' }), t0.H);
    t.diagnostic(`H: ${fmt(he)}`);
    const se = after0(await pages.S1.waitEvents((e) => {
      const x = after0(e, t0.S1);
      return has(x, 'TrackUnsubscribed', { identity: 'host', kind: 'video' }) &&
        has(x, 'TrackUnsubscribed', { identity: 'host', kind: 'audio' });
    }, { what: 'TrackUnsubscribed(host, audio + video) after the permission was revoked' }), t0.S1);
    t.diagnostic(`S1: ${fmt(se)}`);
    const r = await pages.S1.remote('host');
    assert.ok(r.found, 'S1 no longer knows the host participant (it should only lose its tracks)');
    assert.equal(r.tracks.length, 0, `S1 still lists host publications: ${JSON.stringify(r.tracks)}`);
  });

  test('removeParticipant: the removed page gets PARTICIPANT_REMOVED, the others ParticipantDisconnected',
    { timeout: 30_000 }, async (t) => {
      await needService(t);
      const others = ['H', 'S2b'].filter((n) => pages[n]);
      const t0 = {};
      for (const n of ['S1', ...others]) t0[n] = await pageNow(pages[n]);
      await svc.removeParticipant(ROOM, 'viewer-1');
      const se = after0(await pages.S1.waitEvents((e) => has(after0(e, t0.S1), 'Disconnected'),
        { what: 'Disconnected on the removed viewer-1' }), t0.S1);
      t.diagnostic(`S1: ${fmt(se)}`);
      const d = se.find((e) => e.ev === 'Disconnected');
      assert.equal(d.reason, R.PARTICIPANT_REMOVED, `Disconnected reason: ${d.reasonName} (${d.reason})`);
      assert.ok(!has(se, 'Reconnecting'), `the removed page tried to reconnect: ${fmt(se)}`);
      for (const n of others) {
        const evs = after0(await pages[n].waitEvents((e) => has(after0(e, t0[n]), 'ParticipantDisconnected',
          { identity: 'viewer-1' }), { what: 'ParticipantDisconnected(viewer-1)' }), t0[n]);
        t.diagnostic(`${n}: ${fmt(evs)}`);
      }
      await sleep(1_000);
      assert.equal(await pages.S1.page.evaluate(() => window.lk.state.room.state), 'disconnected',
        'the removed page\'s room state a second later');
    });

  test('deleteRoom: everyone left gets ROOM_DELETED', { timeout: 30_000 }, async (t) => {
    await needService(t);
    const left = ['H', 'S2b'].filter((n) => pages[n]);
    const t0 = {};
    for (const n of left) t0[n] = await pageNow(pages[n]);
    await svc.deleteRoom(ROOM);
    for (const n of left) {
      const evs = after0(await pages[n].waitEvents((e) => has(after0(e, t0[n]), 'Disconnected'),
        { what: 'Disconnected after deleteRoom' }), t0[n]);
      t.diagnostic(`${n}: ${fmt(evs)}`);
      const d = evs.find((e) => e.ev === 'Disconnected');
      assert.equal(d.reason, R.ROOM_DELETED, `${n}: Disconnected reason: ${d.reasonName} (${d.reason})`);
    }
    const rooms = await svc.listRooms();
    assert.ok(!rooms.some((r) => r.name === ROOM), `listRooms still shows ${ROOM}: ${JSON.stringify(rooms.map((r) => r.name))}`);
  });
});

describe('rejoin', { concurrency: 1 }, () => {
  // A publisher that leaves and comes back under the same identity is rendered again by a
  // single-PC subscriber that saw its first session (the section that carried the ended track
  // must not be rebound while the client still shows the old track on it).
  test('a subscriber renders a publisher again after it left and re-joined as the same identity',
    { timeout: 90_000 }, async (t) => {
      const ROOM2 = 'lk-rejoin-1';
      const sub = await LkPage.open(chrome.view, 'rejoin-sub');
      pages.rejoinSub = sub;
      const c = await sub.connect(await token(server, { identity: 'rejoin-sub', room: ROOM2, canPublish: false }));
      assert.ok(c.ok, `subscriber connect: ${JSON.stringify(c)}`);
      for (let round = 1; round <= 2; round++) {
        const pub = await LkPage.open(chrome.host, `rejoin-pub${round}`);
        const p = await pub.connect(await token(server, { identity: 'bob', room: ROOM2 }),
          { publish: true, videoResolution: { width: 640, height: 360, frameRate: 20 } });
        assert.ok(p.ok, `round ${round}: bob connect: ${JSON.stringify(p)}`);
        const r = await waitUntil(() => sub.remote('bob'), (x) => x.video && x.video.videoWidth > 0,
          { timeoutMs: 20_000, what: `round ${round}: the subscriber decodes bob's video` });
        t.diagnostic(`round ${round}: ${JSON.stringify(r.video)}`);
        await pub.disconnect();
        await pub.close();
        await sleep(1_500);
      }
    });
});
