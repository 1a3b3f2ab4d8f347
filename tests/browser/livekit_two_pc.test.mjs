// Unmodified livekit-client 2.23.0 in real Chromium against cohostd's two-peer-connection LiveKit
// signalling (`/rtc`, `singlePeerConnection: false`): the client publishes on its publisher PC and
// receives on a subscriber PC that the SFU offers. Then manual subscriptions (autoSubscribe off,
// setSubscribed, RoomService UpdateSubscriptions), in both modes, and removal.
//
// Two Chromiums: "hostChrome" holds the publishers, "viewChrome" the subscriber tabs. The steps of a
// block build on each other (once one fails the rest of the block is skipped).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';

import { RoomServiceClient } from 'livekit-server-sdk';

import { LkPage, User, closeAll, outputDir, sleep, startCohostd, steps, token, waitUntil } from './harness.mjs';
import { after0, assertRendering, fmt, has, pageNow, trackOf } from './livekit_assert.mjs';

const ROOM = 'lk2-room';
const R = { CLIENT_INITIATED: 1, PARTICIPANT_REMOVED: 4, ROOM_DELETED: 5 };
const TWO_PC = { singlePeerConnection: false };

let server;
let out;
let svc;
const chrome = {};
const pages = {};

before(async () => {
  out = outputDir('livekit_two_pc');
  server = await startCohostd({
    config: { media: { public_ip: '127.0.0.1', workers: 1 }, log: { level: process.env.LK2_LOG ?? 'info' } },
    logFile: join(out, 'cohostd.log'),
  });
  svc = new RoomServiceClient(server.baseUrl, server.apiKey, server.apiSecret);
  chrome.host = await User.launch('hostChrome', server.baseUrl, { outDir: out });
  chrome.view = await User.launch('viewChrome', server.baseUrl, { outDir: out });
});

after(async () => {
  for (const p of Object.values(pages)) await p.close().catch(() => {});
  await closeAll(Object.values(chrome));
  if (server) await server.stop();
});

/** How the page's engine runs: its PC manager mode, the /rtc path it joined on, the PCs' states. */
const transport = (p) => p.page.evaluate(() => {
  const e = window.lk.state.room?.engine;
  const m = e?.pcManager;
  return { mode: m?.mode ?? null, publisher: m?.publisher?.getConnectionState?.() ?? null,
    subscriber: m?.subscriber?.getConnectionState?.() ?? null };
});

/** Sums packetsReceived of the subscriber PC's inbound-rtp streams of `kind` (all of them). */
const subscriberInbound = (p, kind) => p.page.evaluate(async (k) => {
  const pc = window.lk.state.room?.engine?.pcManager?.subscriber?.pc;
  if (!pc) return null;
  let n = 0;
  for (const s of (await pc.getStats()).values()) if (s.type === 'inbound-rtp' && s.kind === k) n += s.packetsReceived ?? 0;
  return n;
}, kind);

/** setSubscribed(on) on `identity`'s publication of `kind`; resolves its sid. */
const setSubscribed = (p, identity, kind, on) => p.page.evaluate(({ id, k, v }) => {
  const room = window.lk.state.room;
  const rp = [...room.remoteParticipants.values()].find((x) => x.identity === id);
  const pub = rp && [...rp.trackPublications.values()].find((x) => x.kind === k);
  if (!pub) return null;
  pub.setSubscribed(v);
  return pub.trackSid;
}, { id: identity, k: kind, v: on });

/** Asserts that the page's audio from `identity` is received and growing. */
async function assertAudio(page, identity) {
  const a0 = await waitUntil(() => page.remote(identity), (r) => (trackOf(r, 'audio').inbound?.packetsReceived ?? 0) > 0,
    { timeoutMs: 15_000, what: `${page.name}: audio of ${identity} received` });
  await sleep(1_000);
  const a1 = await page.remote(identity);
  const n0 = trackOf(a0, 'audio').inbound.packetsReceived;
  const n1 = trackOf(a1, 'audio').inbound?.packetsReceived ?? 0;
  assert.ok(n1 > n0, `${page.name}: audio packetsReceived of ${identity} did not grow (${n0} -> ${n1})`);
}

describe('two peer connections: publish, subscribe, late publisher, departure', { concurrency: 1 }, () => {
  const step = steps();

  step('host publishes camera + mic (simulcast); S1 and S2 render 1280x720 and receive audio',
    { timeout: 60_000 }, async (t) => {
      pages.H = await LkPage.open(chrome.host, 'H', { reuseFirst: true });
      const r = await pages.H.connect(await token(server, { identity: 'host', room: ROOM, canSubscribe: false }),
        { publish: true, roomOptions: TWO_PC });
      assert.ok(r.ok, `host connect/publish: ${JSON.stringify(r)}`);
      await waitUntil(() => pages.H.local(), (l) => l.publications.length === 2 &&
        l.outbound.filter((o) => o.kind === 'video' && o.packetsSent > 0).length === 3 &&
        l.outbound.some((o) => o.kind === 'audio' && o.packetsSent > 0),
      { timeoutMs: 20_000, what: 'host: two publications, three simulcast layers and audio sent' });
      const ht = await transport(pages.H);
      t.diagnostic(`host transport ${JSON.stringify(ht)}`);
      // canSubscribe false: no subscriber PC offered, the publisher PC is primary.
      assert.equal(ht.mode, 'publisher-primary', `host PC mode: ${JSON.stringify(ht)}`);

      pages.S1 = await LkPage.open(chrome.view, 'S1', { reuseFirst: true });
      pages.S2 = await LkPage.open(chrome.view, 'S2');
      for (const [name, identity] of [['S1', 'viewer-1'], ['S2', 'viewer-2']]) {
        const c = await pages[name].connect(await token(server, { identity, room: ROOM, canPublish: false }),
          { roomOptions: TWO_PC });
        assert.ok(c.ok, `${name} connect: ${JSON.stringify(c)}`);
        const tr = await transport(pages[name]);
        assert.equal(tr.mode, 'subscriber-primary', `${name} PC mode: ${JSON.stringify(tr)}`);
        assert.equal(tr.subscriber, 'connected', `${name} subscriber PC: ${JSON.stringify(tr)}`);
      }
      for (const name of ['S1', 'S2']) {
        const evs = await pages[name].waitEvents((e) => has(e, 'TrackSubscribed', { identity: 'host', kind: 'video' }) &&
          has(e, 'TrackSubscribed', { identity: 'host', kind: 'audio' }), { what: 'TrackSubscribed(host, audio + video)' });
        t.diagnostic(`${name}: ${fmt(evs)}`);
      }
      for (const name of ['S1', 'S2']) {
        await assertRendering(t, pages[name], 'host', { width: 1280, height: 720 });
        await assertAudio(pages[name], 'host');
      }
      // The server told the host its tracks are subscribed (track_subscribed), once each.
      const he = await pages.H.waitEvents((e) => has(e, 'LocalTrackSubscribed', { kind: 'video' }) &&
        has(e, 'LocalTrackSubscribed', { kind: 'audio' }), { what: 'LocalTrackSubscribed(audio + video) on the host' });
      assert.equal(he.filter((e) => e.ev === 'LocalTrackSubscribed').length, 2, `host: ${fmt(he)}`);
    });

  step('a publisher joining after the subscribers is seen: ParticipantConnected, TrackSubscribed, rendering',
    { timeout: 45_000 }, async (t) => {
      const t0 = { S1: await pageNow(pages.S1), S2: await pageNow(pages.S2) };
      pages.P = await LkPage.open(chrome.host, 'P');
      const r = await pages.P.connect(await token(server, { identity: 'late', room: ROOM }),
        { publish: true, roomOptions: TWO_PC, videoResolution: { width: 640, height: 360, frameRate: 20 } });
      assert.ok(r.ok, `late publisher connect/publish: ${JSON.stringify(r)}`);
      for (const name of ['S1', 'S2']) {
        const evs = after0(await pages[name].waitEvents((e) => has(after0(e, t0[name]), 'TrackSubscribed',
          { identity: 'late', kind: 'video' }), { what: 'ParticipantConnected(late) then TrackSubscribed(late/video)' }), t0[name]);
        t.diagnostic(`${name}: ${fmt(evs)}`);
        const joined = evs.findIndex((e) => e.ev === 'ParticipantConnected' && e.identity === 'late');
        const sub = evs.findIndex((e) => e.ev === 'TrackSubscribed' && e.identity === 'late' && e.kind === 'video');
        assert.ok(joined >= 0 && joined < sub, `${name}: ParticipantConnected(late) must come first: ${fmt(evs)}`);
      }
      for (const name of ['S1', 'S2']) await assertRendering(t, pages[name], 'late', { timeoutMs: 20_000 });
      // The late publisher subscribes too (it may): it receives the host on its own subscriber PC
      // while publishing on the other. (Its tab shares a Chromium with the host's three encoders,
      // so only reception and a first decoded frame are asserted, not a steady frame rate.)
      await pages.P.waitEvents((e) => has(e, 'TrackSubscribed', { identity: 'host', kind: 'video' }),
        { what: 'TrackSubscribed(host/video) on the late publisher' });
      const p0 = await waitUntil(() => pages.P.remote('host'),
        (x) => (trackOf(x, 'video').inbound?.framesDecoded ?? 0) > 0, { timeoutMs: 20_000, what: 'P: a host frame decoded' });
      await sleep(1_000);
      const p1 = await pages.P.remote('host');
      const [n0, n1] = [trackOf(p0, 'video').inbound.packetsReceived, trackOf(p1, 'video').inbound?.packetsReceived ?? 0];
      t.diagnostic(`P <- host: video packets ${n0} -> ${n1}, ${JSON.stringify(trackOf(p1, 'video').inbound)}`);
      assert.ok(n1 > n0, `P: the host's video RTP stopped (${n0} -> ${n1})`);
    });

  step('a participant that disconnects: the others get ParticipantDisconnected and TrackUnsubscribed',
    { timeout: 30_000 }, async (t) => {
      const t0 = {};
      for (const name of ['S1', 'S2', 'H']) t0[name] = await pageNow(pages[name]);
      await pages.P.disconnect();
      assert.ok(has(await pages.P.events(), 'Disconnected', { reason: R.CLIENT_INITIATED }), 'P\'s own Disconnected');
      for (const name of ['S1', 'S2']) {
        const evs = after0(await pages[name].waitEvents((e) => {
          const x = after0(e, t0[name]);
          return has(x, 'ParticipantDisconnected', { identity: 'late' }) &&
            has(x, 'TrackUnsubscribed', { identity: 'late', kind: 'video' }) &&
            has(x, 'TrackUnsubscribed', { identity: 'late', kind: 'audio' });
        }, { what: 'ParticipantDisconnected(late) and TrackUnsubscribed(late, audio + video)' }), t0[name]);
        t.diagnostic(`${name}: ${fmt(evs)}`);
        assert.ok(!has(evs, 'ParticipantDisconnected', { identity: 'host' }), `${name} lost the host too: ${fmt(evs)}`);
      }
      await pages.P.close();
      delete pages.P;
      // The host is still rendered after the offer that ended the late publisher's sections.
      await assertRendering(t, pages.S1, 'host', { width: 1280, height: 720, timeoutMs: 10_000 });
    });
});

describe('manual subscriptions (autoSubscribe: false)', { concurrency: 1 }, () => {
  const step = steps();

  step('two peer connections: nothing arrives until setSubscribed(true); unsubscribing stops it; subscribing again works',
    { timeout: 60_000 }, async (t) => {
      assert.ok(pages.H, 'the host page is not there (the first block failed)');
      pages.M = await LkPage.open(chrome.view, 'M');
      const c = await pages.M.connect(await token(server, { identity: 'manual', room: ROOM, canPublish: false }),
        { roomOptions: TWO_PC, connectOptions: { autoSubscribe: false } });
      assert.ok(c.ok, `manual connect: ${JSON.stringify(c)}`);
      // The host's publications are known (from the JoinResponse), not subscribed.
      const known = await waitUntil(() => pages.M.remote('host'), (r) => r.tracks.length === 2,
        { what: 'M: the host\'s two publications' });
      assert.ok(known.tracks.every((x) => !x.subscribed), `M: ${JSON.stringify(known.tracks)}`);
      // Give a wrongly forwarded track every chance to show up before checking it did not.
      await sleep(2_000);
      const before = await pages.M.events();
      t.diagnostic(`M: ${fmt(before)}`);
      assert.ok(!has(before, 'TrackSubscribed'), `M got a track without subscribing: ${fmt(before)}`);
      assert.equal(await subscriberInbound(pages.M, 'video'), 0, 'M received video RTP without subscribing');

      let t0 = await pageNow(pages.M);
      const videoSid = await setSubscribed(pages.M, 'host', 'video', true);
      assert.match(videoSid ?? '', /^TR_/);
      await pages.M.waitEvents((e) => has(after0(e, t0), 'TrackSubscribed', { identity: 'host', kind: 'video' }),
        { what: 'TrackSubscribed(host/video) after setSubscribed(true)' });
      await assertRendering(t, pages.M, 'host', { width: 1280, height: 720 });
      const r = await pages.M.remote('host');
      assert.equal(trackOf(r, 'audio').subscribed, false, 'the host audio was subscribed without asking');

      t0 = await pageNow(pages.M);
      await setSubscribed(pages.M, 'host', 'video', false);
      await pages.M.waitEvents((e) => has(after0(e, t0), 'TrackUnsubscribed', { identity: 'host', kind: 'video' }),
        { what: 'TrackUnsubscribed(host/video) after setSubscribed(false)' });
      // The SFU stops forwarding: the subscriber PC's video packet count stays where it is.
      const n0 = await waitUntil(() => subscriberInbound(pages.M, 'video'), (n) => n !== null,
        { what: 'M subscriber PC stats' });
      await sleep(1_500);
      const n1 = await subscriberInbound(pages.M, 'video');
      t.diagnostic(`M video packets after unsubscribing: ${n0} -> ${n1}`);
      assert.ok(n1 <= n0, `video RTP still arrives after unsubscribing (${n0} -> ${n1})`);

      // Subscribing again reuses the ended section (JSEP recycling) and renders again.
      t0 = await pageNow(pages.M);
      await setSubscribed(pages.M, 'host', 'video', true);
      await pages.M.waitEvents((e) => has(after0(e, t0), 'TrackSubscribed', { identity: 'host', kind: 'video' }),
        { what: 'TrackSubscribed(host/video) after subscribing again' });
      await assertRendering(t, pages.M, 'host', { width: 1280, height: 720 });
    });

  step('RoomService UpdateSubscriptions subscribes and unsubscribes a participant', { timeout: 40_000 }, async (t) => {
    const r0 = await pages.M.remote('host');
    const audioSid = trackOf(r0, 'audio').sid;
    assert.match(audioSid ?? '', /^TR_/);
    let t0 = await pageNow(pages.M);
    await svc.updateSubscriptions(ROOM, 'manual', [audioSid], true);
    await pages.M.waitEvents((e) => has(after0(e, t0), 'TrackSubscribed', { identity: 'host', kind: 'audio' }),
      { what: 'TrackSubscribed(host/audio) after UpdateSubscriptions(subscribe)' });
    await assertAudio(pages.M, 'host');
    t0 = await pageNow(pages.M);
    await svc.updateSubscriptions(ROOM, 'manual', [audioSid], false);
    const evs = await pages.M.waitEvents((e) => has(after0(e, t0), 'TrackUnsubscribed', { identity: 'host', kind: 'audio' }),
      { what: 'TrackUnsubscribed(host/audio) after UpdateSubscriptions(unsubscribe)' });
    t.diagnostic(`M: ${fmt(after0(evs, t0))}`);
    await assert.rejects(svc.updateSubscriptions(ROOM, 'nobody', [audioSid], true), (e) => e.status === 404);
  });

  step('single peer connection: autoSubscribe false, then setSubscribed(true) and (false)', { timeout: 60_000 }, async (t) => {
    pages.V1 = await LkPage.open(chrome.view, 'V1');
    const c = await pages.V1.connect(await token(server, { identity: 'manual-v1', room: ROOM, canPublish: false }),
      { connectOptions: { autoSubscribe: false } });
    assert.ok(c.ok, `manual-v1 connect: ${JSON.stringify(c)}`);
    assert.equal((await transport(pages.V1)).mode, 'publisher-only', 'V1 uses the single peer connection');
    await waitUntil(() => pages.V1.remote('host'), (r) => r.tracks.length === 2,
      { what: 'V1: the host\'s two publications' });
    await sleep(2_000);
    assert.ok(!has(await pages.V1.events(), 'TrackSubscribed'), 'V1 got a track without subscribing');
    let t0 = await pageNow(pages.V1);
    await setSubscribed(pages.V1, 'host', 'video', true);
    await pages.V1.waitEvents((e) => has(after0(e, t0), 'TrackSubscribed', { identity: 'host', kind: 'video' }),
      { what: 'TrackSubscribed(host/video) on the single-PC page' });
    await assertRendering(t, pages.V1, 'host', { width: 1280, height: 720 });
    t0 = await pageNow(pages.V1);
    await setSubscribed(pages.V1, 'host', 'video', false);
    const evs = await pages.V1.waitEvents((e) => has(after0(e, t0), 'TrackUnsubscribed', { identity: 'host', kind: 'video' }),
      { what: 'TrackUnsubscribed(host/video) on the single-PC page' });
    t.diagnostic(`V1: ${fmt(after0(evs, t0))}`);
    assert.ok(!has(after0(evs, t0), 'TrackSubscribed'), `V1 was subscribed again: ${fmt(after0(evs, t0))}`);
    await pages.V1.close();
    delete pages.V1;
  });
});

describe('removal with two peer connections', { concurrency: 1 }, () => {
  test('removeParticipant gives PARTICIPANT_REMOVED, deleteRoom gives ROOM_DELETED', { timeout: 40_000 }, async (t) => {
    assert.ok(pages.S1 && pages.H, 'the room-flow pages are not there (an earlier block failed)');
    const t0 = { S1: await pageNow(pages.S1), S2: await pageNow(pages.S2) };
    await svc.removeParticipant(ROOM, 'viewer-1');
    const se = after0(await pages.S1.waitEvents((e) => has(after0(e, t0.S1), 'Disconnected'),
      { what: 'Disconnected on the removed viewer-1' }), t0.S1);
    t.diagnostic(`S1: ${fmt(se)}`);
    assert.equal(se.find((e) => e.ev === 'Disconnected').reason, R.PARTICIPANT_REMOVED);
    assert.ok(!has(se, 'Reconnecting'), `the removed page tried to reconnect: ${fmt(se)}`);
    await pages.S2.waitEvents((e) => has(after0(e, t0.S2), 'ParticipantDisconnected', { identity: 'viewer-1' }),
      { what: 'ParticipantDisconnected(viewer-1) on S2' });

    const left = ['H', 'S2', 'M'].filter((n) => pages[n]);
    const t1 = {};
    for (const n of left) t1[n] = await pageNow(pages[n]);
    await svc.deleteRoom(ROOM);
    for (const n of left) {
      const evs = after0(await pages[n].waitEvents((e) => has(after0(e, t1[n]), 'Disconnected'),
        { what: 'Disconnected after deleteRoom' }), t1[n]);
      assert.equal(evs.find((e) => e.ev === 'Disconnected').reason, R.ROOM_DELETED, `${n}: ${fmt(evs)}`);
    }
  });
});
