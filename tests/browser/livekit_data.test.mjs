// Data channels of the embedded SFU with unmodified livekit-client 2.23.0 in real Chromium
// (`/rtc/v1`, single peer connection): `localParticipant.publishData` from one page arrives at the
// others as `RoomEvent.DataReceived` with the payload, topic, kind and the sender's identity that the
// SFU stamped; `destinationIdentities` limits who gets it; a token without canPublishData delivers
// nothing; RoomServiceClient.sendData (livekit-server-sdk) reaches the pages, with its destinations.
//
// One Chromium, one tab per participant: A (alice, publishes data), B (bob), C (carol), M (mallory,
// canPublishData false), G (ghost, hidden). No media is published: data channels alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';

import { AccessToken, DataPacket_Kind, RoomServiceClient } from 'livekit-server-sdk';

import { LkPage, User, closeAll, http, outputDir, show, sleep, startCohostd, steps, waitUntil } from './harness.mjs';

const ROOM = 'lk-data-1';
let server;
let out;
let chrome;
const pages = {};

/** A token with an explicit canPublishData (the harness's token() leaves it to canPublish). */
function dataToken(identity, { canPublishData = true, hidden = false } = {}) {
  const at = new AccessToken(server.apiKey, server.apiSecret, { identity, ttl: '10m' });
  at.addGrant({ roomJoin: true, room: ROOM, canPublish: true, canSubscribe: true, canPublishData, hidden });
  return at.toJwt();
}

/** Records every DataReceived of the page's current Room in window.lk.events. */
function watchData(p) {
  return p.page.evaluate(() => {
    const L = window.LivekitClient;
    window.lk.state.room.on(L.RoomEvent.DataReceived, (payload, participant, kind, topic) => {
      window.lk.log('DataReceived', {
        text: new TextDecoder().decode(payload),
        bytes: payload.length,
        from: participant?.identity ?? null,
        kind,
        topic: topic ?? null,
      });
    });
  });
}

/** localParticipant.publishData(text, options) in the page; resolves {ok, error}. */
function publish(p, text, options) {
  return p.page.evaluate(async ({ text: s, options: o }) => {
    try {
      await window.lk.state.room.localParticipant.publishData(new TextEncoder().encode(s), o);
      return { ok: true };
    } catch (e) {
      return { ok: false, error: String(e?.message ?? e) };
    }
  }, { text, options });
}

const received = async (p) => (await p.events()).filter((e) => e.ev === 'DataReceived');
const texts = (evs) => evs.map((e) => e.text);

before(async () => {
  out = outputDir('livekit_data');
  server = await startCohostd({
    config: { media: { public_ip: '127.0.0.1', workers: 1 }, log: { level: 'debug' } },
    logFile: join(out, 'cohostd.log'),
  });
  chrome = await User.launch('dataChrome', server.baseUrl, { outDir: out });
});

after(async () => {
  for (const p of Object.values(pages)) await p.close().catch(() => {});
  if (chrome) await closeAll([chrome]);
  if (server) await server.stop();
});

describe('livekit-client data channels', { concurrency: 1 }, () => {
  const step = steps();

  step('five participants connect (no media), one of them hidden', { timeout: 60_000 }, async (t) => {
    const who = [['A', 'alice', {}], ['B', 'bob', {}], ['C', 'carol', {}], ['M', 'mallory', { canPublishData: false }],
      ['G', 'ghost', { hidden: true }]];
    for (const [name, identity, grant] of who) {
      pages[name] = await LkPage.open(chrome, name, { reuseFirst: name === 'A' });
      const r = await pages[name].connect(await dataToken(identity, grant));
      assert.ok(r.ok, `${name} connect: ${JSON.stringify(r)}`);
      await watchData(pages[name]);
      t.diagnostic(`${name} (${identity}) connected in ${r.ms} ms`);
    }
    // Everyone sees everyone but the hidden ghost (the sender must be a known remote participant
    // for DataReceived's participant argument).
    for (const name of Object.keys(pages)) {
      const want = name === 'G' ? 4 : 3;
      await waitUntil(() => pages[name].page.evaluate(() => window.lk.state.room.remoteParticipants.size),
        (n) => n === want, { what: `${name}: ${want} remote participants` });
    }
  });

  step('publishData reliable from A arrives at B, C, M and the hidden G with payload, topic and identity',
    { timeout: 30_000 }, async (t) => {
      const r = await publish(pages.A, 'hello over _reliable', { reliable: true, topic: 'chat' });
      assert.ok(r.ok, `publishData: ${JSON.stringify(r)}`);
      for (const name of ['B', 'C', 'M', 'G']) {
        const evs = await waitUntil(() => received(pages[name]), (e) => e.length >= 1,
          { what: `${name}: DataReceived` });
        t.diagnostic(`${name}: ${JSON.stringify(evs)}`);
        assert.equal(evs.length, 1, `${name} got ${evs.length} packets`);
        assert.equal(evs[0].text, 'hello over _reliable');
        assert.equal(evs[0].topic, 'chat');
        assert.equal(evs[0].from, 'alice', `${name}: sender identity`);
        assert.equal(evs[0].kind, DataPacket_Kind.RELIABLE, `${name}: kind`);
      }
      assert.equal((await received(pages.A)).length, 0, 'the sender got its own packet back');
    });

  step('a burst of reliable packets arrives complete and in order', { timeout: 30_000 }, async () => {
    const burst = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
    for (const s of burst) {
      const r = await publish(pages.A, s, { reliable: true, topic: 'burst' });
      assert.ok(r.ok, `publishData(${s}): ${JSON.stringify(r)}`);
    }
    // A 20 KB packet: several SCTP packets, put back together on both hops.
    const big = 'x'.repeat(20_000);
    assert.ok((await publish(pages.A, big, { reliable: true, topic: 'big' })).ok);
    const evs = await waitUntil(() => received(pages.B), (e) => e.filter((x) => x.topic === 'big').length === 1,
      { what: 'B: the burst and the big packet' });
    assert.deepEqual(texts(evs.filter((e) => e.topic === 'burst')), burst);
    assert.equal(evs.find((e) => e.topic === 'big').bytes, 20_000);
  });

  step('publishData lossy arrives as LOSSY', { timeout: 30_000 }, async (t) => {
    // Lossy packets may be lost by design; on loopback they are not. Send a few to be safe.
    for (let i = 0; i < 3; ++i) {
      assert.ok((await publish(pages.A, `lossy-${i}`, { reliable: false, topic: 'pos' })).ok);
    }
    const evs = await waitUntil(() => received(pages.C), (e) => e.some((x) => x.topic === 'pos'),
      { what: 'C: a lossy packet' });
    const lossy = evs.filter((e) => e.topic === 'pos');
    t.diagnostic(`C got ${lossy.length}/3 lossy packets`);
    for (const e of lossy) {
      assert.match(e.text, /^lossy-\d$/);
      assert.equal(e.kind, DataPacket_Kind.LOSSY);
      assert.equal(e.from, 'alice');
    }
  });

  step('destinationIdentities limits who receives it', { timeout: 30_000 }, async () => {
    const before = { B: (await received(pages.B)).length, C: (await received(pages.C)).length,
      M: (await received(pages.M)).length };
    assert.ok((await publish(pages.A, 'only for bob', { reliable: true, destinationIdentities: ['bob'],
      topic: 'dm' })).ok);
    // A marker to everyone afterwards: once C and M have it, the direct message would have come.
    assert.ok((await publish(pages.A, 'marker-1', { reliable: true, topic: 'marker' })).ok);
    await waitUntil(() => received(pages.B), (e) => e.some((x) => x.text === 'marker-1'), { what: 'B: marker' });
    for (const name of ['C', 'M']) {
      const evs = await waitUntil(() => received(pages[name]), (e) => e.some((x) => x.text === 'marker-1'),
        { what: `${name}: marker` });
      assert.ok(!evs.some((e) => e.topic === 'dm'), `${name} received bob's direct message`);
      assert.equal(evs.length, before[name] + 1);
    }
    const b = (await received(pages.B)).slice(before.B);
    assert.deepEqual(texts(b), ['only for bob', 'marker-1']);
  });

  step('a participant without canPublishData cannot deliver anything', { timeout: 30_000 }, async (t) => {
    const before = { A: (await received(pages.A)).length, B: (await received(pages.B)).length };
    const r = await publish(pages.M, 'from mallory', { reliable: true, topic: 'forbidden' });
    t.diagnostic(`mallory's publishData: ${JSON.stringify(r)}`);
    // Then a packet from bob to everyone: when it has arrived, mallory's would have too.
    assert.ok((await publish(pages.B, 'marker-2', { reliable: true, topic: 'marker' })).ok);
    for (const name of ['A', 'C']) {
      const evs = await waitUntil(() => received(pages[name]), (e) => e.some((x) => x.text === 'marker-2'),
        { what: `${name}: marker from bob` });
      assert.ok(!evs.some((e) => e.topic === 'forbidden'), `${name} received mallory's packet`);
      assert.equal(evs.find((e) => e.text === 'marker-2').from, 'bob');
    }
    assert.equal((await received(pages.A)).length, before.A + 1);
    assert.equal((await received(pages.B)).length, before.B, 'bob got something');
    assert.match(server.output(), /data packet from 'mallory' refused: no canPublishData/);
    assert.doesNotMatch(server.output(), /from mallory/, 'the refused payload was logged');
  });

  step('a hidden participant\'s packets arrive without its identity', { timeout: 30_000 }, async () => {
    assert.ok((await publish(pages.G, 'from the shadows', { reliable: true, topic: 'ghost' })).ok);
    for (const name of ['A', 'B']) {
      const evs = await waitUntil(() => received(pages[name]), (e) => e.some((x) => x.topic === 'ghost'),
        { what: `${name}: the hidden participant's packet` });
      const e = evs.find((x) => x.topic === 'ghost');
      assert.equal(e.text, 'from the shadows');
      assert.equal(e.from, null, `${name}: the hidden sender was revealed`);
    }
  });
});

describe('RoomService sendData through livekit-server-sdk', { concurrency: 1 }, () => {
  let svc;
  const need = () => {
    assert.ok(pages.A && pages.B && pages.C, 'the pages are not there (the first block failed)');
    svc ??= new RoomServiceClient(server.baseUrl, server.apiKey, server.apiSecret);
  };

  test('sendData to the room reaches every page, without a sender', { timeout: 30_000 }, async () => {
    need();
    await svc.sendData(ROOM, new TextEncoder().encode('from the server'), DataPacket_Kind.RELIABLE,
      { topic: 'announce' });
    for (const name of ['A', 'B', 'C', 'M', 'G']) {
      const evs = await waitUntil(() => received(pages[name]), (e) => e.some((x) => x.topic === 'announce'),
        { what: `${name}: the server's packet` });
      const e = evs.find((x) => x.topic === 'announce');
      assert.equal(e.text, 'from the server');
      assert.equal(e.from, null, `${name}: a server packet has no participant`);
      assert.equal(e.kind, DataPacket_Kind.RELIABLE);
    }
  });

  test('sendData with destinationIdentities and lossy kind reaches only them', { timeout: 30_000 }, async () => {
    need();
    const sids = await Promise.all(['B', 'C'].map((n) => pages[n].page.evaluate(() => window.lk.state.room.localParticipant.sid)));
    await svc.sendData(ROOM, new TextEncoder().encode('for bob'), DataPacket_Kind.LOSSY,
      { destinationIdentities: ['bob'], topic: 'to-bob' });
    await svc.sendData(ROOM, new TextEncoder().encode('for carol by sid'), DataPacket_Kind.RELIABLE,
      { destinationSids: [sids[1]], topic: 'to-carol' });
    await svc.sendData(ROOM, new TextEncoder().encode('marker-3'), DataPacket_Kind.RELIABLE, { topic: 'marker' });
    for (const name of ['A', 'B', 'C', 'M']) {
      const evs = await waitUntil(() => received(pages[name]), (e) => e.some((x) => x.text === 'marker-3'),
        { what: `${name}: marker-3` });
      const topics = evs.map((e) => e.topic);
      assert.equal(topics.includes('to-bob'), name === 'B', `${name}: to-bob`);
      assert.equal(topics.includes('to-carol'), name === 'C', `${name}: to-carol`);
    }
    const bob = (await received(pages.B)).find((e) => e.topic === 'to-bob');
    assert.equal(bob.kind, DataPacket_Kind.LOSSY);
    assert.equal(bob.text, 'for bob');
  });

  test('updateParticipant revoking canPublishData stops bob\'s packets', { timeout: 30_000 }, async () => {
    need();
    const info = await svc.updateParticipant(ROOM, 'bob', { permission: { canPublish: true, canSubscribe: true,
      canPublishData: false } });
    assert.equal(info?.permission?.canPublishData, false);
    assert.ok((await publish(pages.B, 'after revocation', { reliable: true, topic: 'revoked' })).ok);
    assert.ok((await publish(pages.C, 'marker-4', { reliable: true, topic: 'marker' })).ok);
    const evs = await waitUntil(() => received(pages.A), (e) => e.some((x) => x.text === 'marker-4'),
      { what: 'A: marker-4 from carol' });
    assert.ok(!evs.some((e) => e.topic === 'revoked'), 'A received bob\'s packet after the revocation');
  });

  test('sendData refuses a bad nonce and an unknown room', { timeout: 15_000 }, async (t) => {
    need();
    await assert.rejects(svc.sendData('no-such-room', new Uint8Array([1]), DataPacket_Kind.RELIABLE, {}),
      (e) => e.status === 404 && e.code === 'not_found');
    // The SDK always sends 16 random bytes; a hand-made request with a short nonce is refused.
    const at = new AccessToken(server.apiKey, server.apiSecret, { identity: 'admin', ttl: '10m' });
    at.addGrant({ roomAdmin: true, room: ROOM });
    const r = await http(server.baseUrl, 'POST', '/twirp/livekit.RoomService/SendData', {
      token: await at.toJwt(), contentType: 'application/json',
      body: JSON.stringify({ room: ROOM, data: 'eA==', nonce: 'c2hvcnQ=', topic: 'bad-nonce' }),
    });
    t.diagnostic(`SendData with a 5-byte nonce: ${show(r)}`);
    assert.equal(r.status, 400, show(r));
    assert.equal(r.json?.code, 'invalid_argument', show(r));
    await sleep(500);
    for (const name of ['A', 'B']) {
      assert.ok(!(await received(pages[name])).some((e) => e.topic === 'bad-nonce'), `${name} got the refused packet`);
    }
  });
});

describe('a two-peer-connection participant (`/rtc`, singlePeerConnection false)', { concurrency: 1 }, () => {
  test('exchanges packets with single-PC participants, one copy each way', { timeout: 60_000 }, async (t) => {
    assert.ok(pages.A && pages.C, 'the pages are not there (the first block failed)');
    pages.V = await LkPage.open(chrome, 'V');
    const r = await pages.V.connect(await dataToken('vera'), { roomOptions: { singlePeerConnection: false } });
    assert.ok(r.ok, `V connect: ${JSON.stringify(r)}`);
    await watchData(pages.V);
    await waitUntil(() => pages.A.page.evaluate(() => window.lk.state.room.remoteParticipants.size),
      (n) => n === 4, { what: 'A: vera joined' });
    // Server -> V: the server-created channels of its subscriber connection (or its publisher's).
    assert.ok((await publish(pages.A, 'to vera', { reliable: true, topic: 'v0-in' })).ok);
    const vin = await waitUntil(() => received(pages.V), (e) => e.some((x) => x.topic === 'v0-in'),
      { timeoutMs: 20_000, what: 'V: alice\'s packet' });
    assert.equal(vin.find((x) => x.topic === 'v0-in').from, 'alice');
    // V -> others: from its publisher connection, which it opens for the first send.
    const s = await publish(pages.V, 'from vera', { reliable: true, topic: 'v0-out' });
    assert.ok(s.ok, `V publishData: ${JSON.stringify(s)}`);
    const aout = await waitUntil(() => received(pages.C), (e) => e.some((x) => x.topic === 'v0-out'),
      { timeoutMs: 20_000, what: 'C: vera\'s packet' });
    assert.equal(aout.find((x) => x.topic === 'v0-out').from, 'vera');
    // A marker after both: no second copy, no echo to vera.
    assert.ok((await publish(pages.A, 'marker-5', { reliable: true, topic: 'marker' })).ok);
    const v = await waitUntil(() => received(pages.V), (e) => e.some((x) => x.text === 'marker-5'),
      { what: 'V: marker-5' });
    t.diagnostic(`V received: ${JSON.stringify(v.map((e) => e.topic))}`);
    assert.equal(v.filter((x) => x.topic === 'v0-in').length, 1, 'vera got two copies');
    assert.equal(v.filter((x) => x.topic === 'v0-out').length, 0, 'vera got her own packet back');
  });
});
