// Issue 5 end to end "with the control plane": the co-host journey of product.md §2-§4 and §6 against
// cohostd's embedded media server (`media.mode: embedded`, the default), with unmodified
// livekit-client in real Chromium and only the REST API for credentials and decisions. The media
// server's webhooks reach the control plane in-process; its decisions come back through the embedded
// RoomService (removal -> PARTICIPANT_REMOVED, stop -> ROOM_DELETED).
//
// Users (dev login): alice = host, bob = co-host, carol = viewer. Two Chromiums: "stageChrome" holds
// alice's and bob's tabs, "viewChrome" carol's. The steps build on each other (once one fails the rest
// is skipped): alice connects (room stays idle) then publishes (live) -> carol renders her -> bob is
// invited, accepts, publishes (his stage member goes live, carol gets his tracks) -> alice removes
// bob (PARTICIPANT_REMOVED; his old token is refused before it connects, and room.connect() settles
// at once) -> alice stops the room (ROOM_DELETED, status ended). Artefacts (events per page,
// cohostd.log) go to output/embedded_journey/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';

import {
  LkPage, User, closeAll, devLogin, lkPublish, outputDir, restClient, show, sleep, startCohostd, steps, waitUntil,
} from './harness.mjs';

const R = { CLIENT_INITIATED: 1, DUPLICATE_IDENTITY: 2, PARTICIPANT_REMOVED: 4, ROOM_DELETED: 5 };

let server;
let out;
const chrome = {};
const pages = {};
const api = {};
const S = {}; // journey state: roomId, tokens, invitation

before(async () => {
  out = outputDir('embedded_journey');
  server = await startCohostd({
    config: { media: { public_ip: '127.0.0.1', workers: 1 } },
    logFile: join(out, 'cohostd.log'),
  });
  for (const [who, name] of [['alice', 'Alice'], ['bob', 'Bob'], ['carol', 'Carol']]) {
    api[who] = restClient(server.baseUrl, (await devLogin(server.baseUrl, who, name)).token);
  }
  chrome.stage = await User.launch('stageChrome', server.baseUrl, { outDir: out });
  chrome.view = await User.launch('viewChrome', server.baseUrl, { outDir: out });
});

after(async () => {
  for (const p of Object.values(pages)) await p.close().catch(() => {});
  await closeAll(Object.values(chrome));
  if (server) await server.stop();
});

const fmt = (evs) => evs.map((e) => `${e.t}:${e.ev}${e.identity ? `(${e.identity}${e.kind ? `/${e.kind}` : ''})` : ''}` +
  `${e.reasonName ? `=${e.reasonName}` : ''}${e.error ? `[${e.error}]` : ''}`).join(' ');
const after0 = (evs, t0) => evs.filter((e) => e.t >= t0);
const has = (evs, ev, extra = {}) => evs.some((e) => e.ev === ev && Object.entries(extra).every(([k, v]) => e[k] === v));
const pageNow = (p) => p.page.evaluate(() => Math.round(performance.now()));
const roomState = (p) => p.page.evaluate(() => window.lk.state.room?.state ?? null);
const trackOf = (r, kind) => r.tracks.find((t) => t.kind === kind) ?? {};

/** 200 with a JSON body, or an assertion naming the request and showing the answer. */
async function ok(call, what) {
  const r = await call;
  assert.equal(r.status, 200, `${what}: ${show(r)}`);
  assert.ok(r.json, `${what}: not JSON: ${show(r)}`);
  return r.json;
}

const getRoom = () => ok(api.alice('GET', `/v1/rooms/${S.roomId}`), `GET /v1/rooms/${S.roomId}`);
const getStage = () => ok(api.alice('GET', `/v1/rooms/${S.roomId}/stage`), `GET /v1/rooms/${S.roomId}/stage`);
const member = (stage, userId) => stage.members.find((m) => m.userId === userId);
const stageDigest = (s) => s.members.map((m) => `${m.userId}:${m.role}/${m.state}`).join(', ');

/** Polls GET /v1/rooms/{id} until its status is `status`. */
const waitRoomStatus = (status, timeoutMs = 10_000) => waitUntil(getRoom, (r) => r.status === status,
  { timeoutMs, intervalMs: 200, what: `room status ${status}`, describe: (r) => `status=${r?.status} ${JSON.stringify(r)}` });

/** Polls the stage until `userId`'s member is in `state`. */
const waitMemberState = (userId, state, timeoutMs = 10_000) => waitUntil(getStage, (s) => member(s, userId)?.state === state,
  { timeoutMs, intervalMs: 200, what: `stage member ${userId} ${state}`, describe: stageDigest });

/** Waits until `page` decodes `identity`'s video into its <video> and sees currentTime advance. */
async function assertRendering(t, page, identity, { timeoutMs = 20_000 } = {}) {
  const first = await waitUntil(() => page.remote(identity), (r) => {
    const v = trackOf(r, 'video').inbound;
    return v && v.framesDecoded > 0 && r.video && r.video.videoWidth > 0;
  }, { timeoutMs, intervalMs: 300, what: `${page.name}: ${identity}'s video decoded into its <video>`,
    describe: (r) => JSON.stringify(r) });
  await sleep(1_000);
  const second = await page.remote(identity);
  const v0 = trackOf(first, 'video').inbound;
  const v1 = trackOf(second, 'video').inbound ?? {};
  t.diagnostic(`${page.name} <- ${identity}: video ${v1.frameWidth}x${v1.frameHeight} decoded ${v0.framesDecoded}->` +
    `${v1.framesDecoded} fps=${v1.framesPerSecond} lost=${v1.packetsLost}; element ${JSON.stringify(second.video)}; ` +
    `audio pkts=${trackOf(second, 'audio').inbound?.packetsReceived}`);
  assert.ok(second.video.videoWidth > 0, `${page.name}: <video> of ${identity} has no size: ${JSON.stringify(second.video)}`);
  assert.ok(v1.framesDecoded > v0.framesDecoded, `${page.name}: framesDecoded of ${identity} did not grow ` +
    `(${v0.framesDecoded} -> ${v1.framesDecoded})`);
  assert.ok(second.video.currentTime > first.video.currentTime, `${page.name}: <video> currentTime of ${identity} ` +
    `did not advance (${first.video.currentTime} -> ${second.video.currentTime})`);
}

describe('co-host journey against the embedded media server', { concurrency: 1 }, () => {
  const step = steps();

  step('alice creates a room; connecting without publishing keeps it idle, publishing makes it live',
    { timeout: 30_000 }, async (t) => {
      const created = await api.alice('POST', '/v1/rooms', { title: 'Embedded journey' });
      assert.equal(created.status, 201, `POST /v1/rooms: ${show(created)}`);
      S.roomId = created.json?.roomId;
      assert.match(S.roomId ?? '', /^RM_/, `POST /v1/rooms: ${show(created)}`);
      assert.equal(created.json.status, 'idle', `new room: ${show(created)}`);

      const cred = await ok(api.alice('POST', `/v1/rooms/${S.roomId}/broadcast-token`), 'alice broadcast-token');
      assert.equal(cred.identity, 'alice', `broadcast credentials: ${JSON.stringify(cred)}`);
      t.diagnostic(`room ${S.roomId}; broadcast credentials url=${cred.url} identity=${cred.identity} expiresAt=${cred.expiresAt}`);
      S.aliceToken = cred.token;

      pages.alice = await LkPage.open(chrome.stage, 'alice', { reuseFirst: true });
      const c = await pages.alice.connect(S.aliceToken, { timeoutMs: 15_000 });
      assert.ok(c.ok, `alice connect (no publish): ${JSON.stringify(c)}`);
      // Connected but silent for 2 s: the room stays idle and the host offline (a media event drives
      // idle -> live, not the connection).
      const until = Date.now() + 2_000;
      while (Date.now() < until) {
        const room = await getRoom();
        assert.equal(room.status, 'idle', `room status while alice is connected without publishing: ${JSON.stringify(room)}`);
        await sleep(250);
      }
      const stage0 = await getStage();
      assert.equal(member(stage0, 'alice')?.state, 'offline', `host member before publishing: ${stageDigest(stage0)}`);

      const p = await lkPublish(pages.alice);
      assert.ok(p.ok, `alice publish: ${JSON.stringify(p)}`);
      const room = await waitRoomStatus('live');
      assert.ok(room.liveAt, `live room without liveAt: ${JSON.stringify(room)}`);
      const stage1 = await waitMemberState('alice', 'live');
      t.diagnostic(`room live at ${room.liveAt}; stage: ${stageDigest(stage1)}`);
    });

  step('carol subscribes with viewer credentials and renders alice\'s video', { timeout: 30_000 }, async (t) => {
    const cred = await ok(api.carol('POST', `/v1/rooms/${S.roomId}/viewer-token`), 'carol viewer-token');
    assert.match(cred.identity, /^viewer-carol-/, `viewer credentials: ${JSON.stringify(cred)}`);
    S.carolIdentity = cred.identity;
    pages.carol = await LkPage.open(chrome.view, 'carol', { reuseFirst: true });
    const c = await pages.carol.connect(cred.token, { timeoutMs: 15_000 });
    assert.ok(c.ok, `carol connect: ${JSON.stringify(c)}`);
    const evs = await pages.carol.waitEvents((e) => has(e, 'TrackSubscribed', { identity: 'alice', kind: 'video' }) &&
      has(e, 'TrackSubscribed', { identity: 'alice', kind: 'audio' }), { what: 'TrackSubscribed(alice, audio + video)' });
    t.diagnostic(`carol: ${fmt(evs)}`);
    await assertRendering(t, pages.carol, 'alice');
    // A hidden viewer is neither a stage member nor a reason to change the room.
    const stage = await getStage();
    assert.deepEqual(stage.members.map((m) => m.userId), ['alice'], `stage after carol joined: ${stageDigest(stage)}`);
  });

  step('alice invites bob, bob accepts and publishes: his member goes live and carol gets his tracks',
    { timeout: 40_000 }, async (t) => {
      const inv = await api.alice('POST', `/v1/rooms/${S.roomId}/invitations`, { inviteeUserId: 'bob' });
      assert.equal(inv.status, 201, `POST invitations: ${show(inv)}`);
      assert.equal(inv.json?.status, 'pending', `POST invitations: ${show(inv)}`);
      const acc = await ok(api.bob('POST', `/v1/invitations/${inv.json.invitationId}/accept`), 'bob accepts');
      assert.equal(acc.status, 'approved', `accepted invitation: ${JSON.stringify(acc)}`);
      const stage0 = await getStage();
      assert.equal(member(stage0, 'bob')?.state, 'backstage', `bob after accepting: ${stageDigest(stage0)}`);
      assert.equal(member(stage0, 'bob')?.role, 'cohost', `bob after accepting: ${stageDigest(stage0)}`);

      const cred = await ok(api.bob('POST', `/v1/rooms/${S.roomId}/broadcast-token`), 'bob broadcast-token');
      assert.equal(cred.identity, 'bob', `bob's credentials: ${JSON.stringify(cred)}`);
      S.bobToken = cred.token;

      const t0 = await pageNow(pages.carol);
      pages.bob = await LkPage.open(chrome.stage, 'bob');
      const c = await pages.bob.connect(S.bobToken, { publish: true, timeoutMs: 15_000,
        videoResolution: { width: 640, height: 360, frameRate: 20 } });
      assert.ok(c.ok, `bob connect + publish: ${JSON.stringify(c)}`);
      const stage1 = await waitMemberState('bob', 'live');
      t.diagnostic(`stage: ${stageDigest(stage1)}`);
      const evs = after0(await pages.carol.waitEvents((e) => {
        const x = after0(e, t0);
        return has(x, 'TrackSubscribed', { identity: 'bob', kind: 'video' }) &&
          has(x, 'TrackSubscribed', { identity: 'bob', kind: 'audio' });
      }, { what: 'TrackSubscribed(bob, audio + video)' }), t0);
      t.diagnostic(`carol: ${fmt(evs)}`);
      await assertRendering(t, pages.carol, 'bob');
      assert.equal((await getRoom()).status, 'live', 'room status with host and co-host live');
    });

  step('alice removes bob: PARTICIPANT_REMOVED for bob, ParticipantDisconnected for carol; his old token ' +
    'is refused before it connects and he never returns to the stage', { timeout: 40_000 }, async (t) => {
    const t0 = { bob: await pageNow(pages.bob), carol: await pageNow(pages.carol) };
    const del = await ok(api.alice('DELETE', `/v1/rooms/${S.roomId}/stage/bob`), 'DELETE stage/bob');
    assert.ok(!member(del, 'bob'), `stage answered by DELETE still lists bob: ${stageDigest(del)}`);

    const be = after0(await pages.bob.waitEvents((e) => has(after0(e, t0.bob), 'Disconnected'),
      { what: 'Disconnected on bob after the removal', timeoutMs: 10_000 }), t0.bob);
    t.diagnostic(`bob: ${fmt(be)}`);
    const d = be.find((e) => e.ev === 'Disconnected');
    assert.equal(d.reason, R.PARTICIPANT_REMOVED, `bob's Disconnected reason: ${d.reasonName} (${d.reason})`);
    assert.ok(!has(be, 'Reconnecting'), `bob's page tried to reconnect: ${fmt(be)}`);
    const ce = after0(await pages.carol.waitEvents((e) => has(after0(e, t0.carol), 'ParticipantDisconnected',
      { identity: 'bob' }), { what: 'ParticipantDisconnected(bob) on carol', timeoutMs: 10_000 }), t0.carol);
    t.diagnostic(`carol: ${fmt(ce)}`);
    assert.ok(!has(ce, 'ParticipantDisconnected', { identity: 'alice' }), `carol lost alice too: ${fmt(ce)}`);
    assert.equal((await getRoom()).status, 'live', 'removing a co-host changed the room status');

    // The old broadcast token still verifies, but bob is no longer on stage: the signalling asks
    // the control plane (admission) and refuses the join before the upgrade (403, which
    // livekit-client reads from /validate as NotAllowed). Watch the stage all along. room.connect()
    // is not awaited here: its settling is checked by the next test.
    const t1 = { bob: await pageNow(pages.bob), carol: await pageNow(pages.carol) };
    const stageSeen = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const s = await getStage();
        stageSeen.push(stageDigest(s));
        await sleep(150);
      }
    })();
    const started = Date.now();
    S.oldTokenConnect = { started, result: null, ms: null };
    S.oldTokenConnect.pending = pages.bob.connect(S.bobToken, { publish: true, timeoutMs: 30_000,
      videoResolution: { width: 640, height: 360, frameRate: 20 } }).catch((e) => ({ ok: false, error: `evaluate: ${e.message}` }))
      .then((r) => Object.assign(S.oldTokenConnect, { result: r, ms: Date.now() - started }));
    let final;
    try {
      final = await waitUntil(async () => ({ state: await roomState(pages.bob), evs: after0(await pages.bob.events(), t1.bob) }),
        (x) => x.state === 'disconnected' && (has(x.evs, 'Disconnected') || S.oldTokenConnect.result?.ok === false),
        { timeoutMs: 6_000, intervalMs: 100, what: 'bob (old token) disconnected or refused',
          describe: (x) => `state=${x.state} connect=${JSON.stringify(S.oldTokenConnect.result)} ${fmt(x.evs)}` });
      // Stay around a little: the removed publisher must not come back on its own.
      await sleep(1_500);
    } finally {
      watching = false;
      await watcher;
    }
    const evs = after0(await pages.bob.events(), t1.bob);
    const d2 = evs.find((e) => e.ev === 'Disconnected');
    t.diagnostic(`bob (old token) after ${Date.now() - started} ms: state=${await roomState(pages.bob)} ` +
      `connect=${JSON.stringify(S.oldTokenConnect.result)} ${fmt(evs)}`);
    assert.equal(await roomState(pages.bob), 'disconnected', `bob's room state: ${fmt(evs)}`);
    // livekit-client reports a refused join as Disconnected(USER_REJECTED), never as a removal.
    assert.ok(!d2 || d2.reasonName === 'USER_REJECTED', `bob (old token) was not refused at the door: ${fmt(evs)}`);
    assert.equal(S.oldTokenConnect.result?.ok, false, `bob (old token) was not refused: ${fmt(evs)}`);
    assert.match(S.oldTokenConnect.result?.error ?? '', /not on the stage/,
      `bob (old token) refused for another reason: ${JSON.stringify(S.oldTokenConnect.result)}`);
    t.diagnostic(`bob (old token) refused ${S.oldTokenConnect.ms} ms after connect.start (${final.state})`);
    assert.ok(!has(evs, 'Reconnecting') && !has(evs, 'Reconnected'), `bob tried to reconnect: ${fmt(evs)}`);
    assert.ok(!evs.some((e) => e.ev === 'LocalTrackPublished'), `bob published with the old token: ${fmt(evs)}`);
    const seenBob = stageSeen.filter((s) => /\bbob:/.test(s));
    assert.equal(seenBob.length, 0, `bob reappeared on the stage: ${seenBob.slice(0, 3).join(' | ')}`);
    const stage = await getStage();
    assert.ok(!member(stage, 'bob'), `stage after bob's second attempt: ${stageDigest(stage)}`);
    t.diagnostic(`stage polled ${stageSeen.length} times, never with bob; now: ${stageDigest(stage)}`);
    // carol never saw him come back.
    assert.equal((await pages.carol.remote('bob')).found, false, 'carol lists bob');
    const ce2 = after0(await pages.carol.events(), t1.carol);
    assert.ok(!has(ce2, 'ParticipantConnected', { identity: 'bob' }), `carol saw bob join again: ${fmt(ce2)}`);
    // bob cannot get fresh credentials either.
    const denied = await api.bob('POST', `/v1/rooms/${S.roomId}/broadcast-token`);
    assert.equal(denied.status, 403, `bob's broadcast-token after removal: ${show(denied)}`);
    assert.equal(denied.json?.error?.code, 'not_on_stage', `bob's broadcast-token after removal: ${show(denied)}`);
  });

  // Before the admission check, the old token joined, and the control plane's removal arrived
  // ~25 ms after its media connected, before livekit-client had settled connect(), which then
  // stayed pending to its 15 s peerConnectionTimeout. A refused join settles at once.
  test('bob\'s room.connect() with the old token settles within 5 s', { timeout: 10_000 }, async (t) => {
    const c = S.oldTokenConnect;
    assert.ok(c, 'the removal step did not get that far');
    await Promise.race([c.pending, sleep(Math.max(0, 5_000 - (Date.now() - c.started)))]);
    t.diagnostic(`connect(): ${c.result ? `${JSON.stringify(c.result)} after ${c.ms} ms` : `still pending after ${Date.now() - c.started} ms`}`);
    assert.ok(c.result, `room.connect() still pending ${Date.now() - c.started} ms after it started`);
  });

  step('alice stops the room: alice and carol get ROOM_DELETED, the room is ended', { timeout: 30_000 }, async (t) => {
    const t0 = { alice: await pageNow(pages.alice), carol: await pageNow(pages.carol) };
    const stopped = await ok(api.alice('POST', `/v1/rooms/${S.roomId}/stop`), 'POST stop');
    assert.equal(stopped.status, 'ended', `stop answered: ${JSON.stringify(stopped)}`);
    for (const name of ['alice', 'carol']) {
      const evs = after0(await pages[name].waitEvents((e) => has(after0(e, t0[name]), 'Disconnected'),
        { what: 'Disconnected after stop', timeoutMs: 10_000 }), t0[name]);
      t.diagnostic(`${name}: ${fmt(evs)}`);
      const d = evs.find((e) => e.ev === 'Disconnected');
      assert.equal(d.reason, R.ROOM_DELETED, `${name}: Disconnected reason: ${d.reasonName} (${d.reason})`);
      assert.ok(!has(evs, 'Reconnecting'), `${name} tried to reconnect: ${fmt(evs)}`);
    }
    const room = await getRoom();
    assert.equal(room.status, 'ended', `room after stop: ${JSON.stringify(room)}`);
    assert.equal(room.endReason, 'stopped', `room after stop: ${JSON.stringify(room)}`);
    const again = await api.alice('POST', `/v1/rooms/${S.roomId}/broadcast-token`);
    assert.equal(again.status, 409, `broadcast-token in an ended room: ${show(again)}`);
    await sleep(500);
    for (const name of ['alice', 'carol']) {
      assert.equal(await roomState(pages[name]), 'disconnected', `${name}'s room state after stop`);
    }
  });
});
