// Outgoing webhooks (product.md §5 "signed webhooks", §10 "Outgoing webhook body"): cohostd delivers
// every room/stage/invitation event to the app backend, signed like a LiveKit webhook, at least
// once, retried, in order per room. The receiver here is a plain Node HTTP server that verifies each
// request with the stock livekit-server-sdk `WebhookReceiver`.
//
// Checked against the realtime stream (the same events, from the same outbox): a REST journey's
// events all arrive once each and in order per room; while the receiver answers 500 nothing is
// lost and order holds after recovery; a SIGTERM restart of cohostd on the same data dir neither
// loses nor duplicates an event.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';

import { WebhookReceiver } from 'livekit-server-sdk';

import { API_KEY, client, devLogin, openRealtime, randomSecret, show, startCohostd } from './harness.mjs';

const RETRY_MAX_MS = 500;
const DELIVERY_TIMEOUT_MS = 20_000;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const secret = randomSecret();
const receiver = new WebhookReceiver(API_KEY, secret);
let hookServer;
let hookUrl;
let server;
let dataDir;
let config;
const sockets = [];

/** Every request received: {n, status (what we answered), body (parsed), raw, error, contentType}. */
const attempts = [];
let answerStatus = 200;
const waiters = new Set();
const notify = () => {
  for (const w of [...waiters]) w();
};

function waitUntil(predicate, what, timeoutMs = DELIVERY_TIMEOUT_MS) {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!predicate()) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve();
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received:\n` +
        attempts.map((a) => `${a.status} ${a.raw}`).join('\n') + `\ncohostd:\n${server?.output() ?? ''}`));
    }, timeoutMs);
    waiters.add(check);
  });
}

before(async () => {
  hookServer = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const a = { n: attempts.length + 1, status: 0, raw, body: null, error: null,
      contentType: req.headers['content-type'] ?? '', path: req.url, method: req.method };
    try {
      await receiver.receive(raw, req.headers.authorization);
      a.body = JSON.parse(raw);
      a.status = answerStatus;
    } catch (err) {
      a.error = `${err.message} (authorization: ${req.headers.authorization ? 'present' : 'absent'})`;
      a.status = 401;
    }
    attempts.push(a);
    res.writeHead(a.status, { 'content-type': 'application/json' }).end('{}');
    notify();
  });
  await new Promise((r) => hookServer.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${hookServer.address().port}/hook`;
  config = { webhooks: { urls: [hookUrl], retry_initial: '100ms', retry_max: `${RETRY_MAX_MS}ms` } };
  server = await startCohostd({ apiSecret: secret, config, keepDataDir: true });
  dataDir = server.dataDir;
});

after(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  hookServer?.closeAllConnections();
  await new Promise((r) => (hookServer ? hookServer.close(r) : r()));
});

// ---- helpers ----------------------------------------------------------------------------------

const delivered = () => attempts.filter((a) => a.status >= 200 && a.status < 300);

/** The room a webhook belongs to: `roomId`, else the `room:` topic, else `data.roomId`. */
function roomOf(body) {
  if (typeof body.roomId === 'string') return body.roomId;
  if (typeof body.topic === 'string' && body.topic.startsWith('room:')) return body.topic.slice(5);
  return body.data?.roomId;
}

/** JSON with sorted keys, so key order never matters when comparing data. */
function canon(v) {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
const key = (e) => `${e.event} ${e.at} ${canon(e.data)}`;
const isRoomTopicEvent = (e) => e.event.startsWith('room.') || e.event.startsWith('stage.');
const isInvitationEvent = (e) => e.event.startsWith('invitation.');

let seq = 0;

/** A host with a room; its realtime socket follows room:<id> and user:<host> from seq 0. */
async function newRoom(label) {
  seq += 1;
  const hostId = `wh-host-${label}-${seq}`;
  const host = await devLogin(base(), hostId, `Host ${label}`);
  const r = await host.post('/v1/rooms', { body: { title: `webhooks ${label}` } });
  assert.equal(r.status, 201, show(r));
  const ctx = { label, host, hostId, roomId: r.body.roomId, users: [] };
  await follow(ctx);
  return ctx;
}

function base() {
  return server.baseUrl;
}

/** (Re)binds a room context to the current server and replays its two topics from seq 0. */
async function follow(ctx) {
  ctx.host = client(base(), ctx.host.token); // the port changes across a restart
  ctx.rt?.close();
  ctx.rt = await openRealtime(base(), ctx.host.token);
  sockets.push(ctx.rt);
  ctx.roomTopic = `room:${ctx.roomId}`;
  ctx.userTopic = `user:${ctx.hostId}`;
  await ctx.rt.subscribeReplayed(ctx.roomTopic, 0);
  await ctx.rt.subscribeReplayed(ctx.userTopic, 0);
}

/** The events this room must produce as webhooks, in realtime order per stream. */
function expected(ctx) {
  const roomEvents = ctx.rt.events(ctx.roomTopic);
  const invitations = ctx.rt.events(ctx.userTopic).filter((e) => isInvitationEvent(e) && e.data.roomId === ctx.roomId);
  return { roomEvents, invitations, total: roomEvents.length + invitations.length };
}

async function user(label) {
  seq += 1;
  const id = `wh-user-${label}-${seq}`;
  return { id, c: await devLogin(base(), id, `User ${label}`) };
}

async function invite(ctx, invitee) {
  const r = await ctx.host.post(`/v1/rooms/${ctx.roomId}/invitations`, { body: { inviteeUserId: invitee.id } });
  assert.equal(r.status, 201, `invite: ${show(r)}`);
  return r.body.invitationId;
}

async function ok(promise, what) {
  const r = await promise;
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${show(r)}`);
  return r;
}

/** Waits until the room's realtime stream holds `type` (bounded). */
async function waitRealtime(ctx, topic, type, pred = () => true) {
  return ctx.rt.waitForEvent(topic, (e) => e.event === type && pred(e.data), { what: type });
}

/** Waits until every expected event of the room was delivered, then checks once + order. */
async function checkRoomDelivered(ctx) {
  await waitUntil(() => delivered().filter((a) => roomOf(a.body) === ctx.roomId).length >= expected(ctx).total,
    `${expected(ctx).total} deliveries for room ${ctx.label}`);
  const { roomEvents, invitations, total } = expected(ctx);
  const got = delivered().filter((a) => roomOf(a.body) === ctx.roomId).map((a) => a.body);
  assert.deepEqual(got.filter(isRoomTopicEvent).map(key), roomEvents.map(key),
    `room ${ctx.label}: room/stage webhooks = realtime room:${ctx.roomId} events, once each, same order`);
  assert.deepEqual(got.filter(isInvitationEvent).map(key), invitations.map(key),
    `room ${ctx.label}: invitation webhooks = realtime invitation events, once each, same order`);
  assert.equal(got.length, total, `room ${ctx.label}: no other webhooks: ${got.map((b) => b.event).join(', ')}`);
  // Outbox ids (`EV_<n>`) grow in commit order: deliveries of one room must follow them.
  if (got.every((b) => /^EV_\d+$/.test(b.id))) {
    const ns = got.map((b) => Number(b.id.slice(3)));
    assert.ok(ns.every((n, i) => i === 0 || n > ns[i - 1]), `room ${ctx.label}: ids in commit order: ${ns.join(' ')}`);
  }
  for (const b of got) {
    const rt = b.topic && [...roomEvents, ...invitations].find((e) => key(e) === key(b));
    if (b.seq !== undefined && rt && rt.topic === b.topic) assert.equal(b.seq, rt.seq, `seq of ${b.event}`);
  }
  return got;
}

/** `GET /metrics` as {"name{labels}": value} (Prometheus text format). */
async function scrape() {
  const res = await fetch(`${base()}/metrics`);
  assert.equal(res.status, 200);
  const out = {};
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

// ---- scenarios --------------------------------------------------------------------------------

const rooms = [];

describe('outgoing webhooks', () => {
  test('a REST journey: every event arrives once, in order, signed like LiveKit', async () => {
    const ctx = await newRoom('journey');
    rooms.push(ctx);
    const [a, b, c] = [await user('a'), await user('b'), await user('c')];
    await ok(ctx.host.patch(`/v1/rooms/${ctx.roomId}`, { body: { title: 'renamed' } }), 'patch room');
    const ia = await invite(ctx, a);
    await ok(a.c.post(`/v1/invitations/${ia}/accept`), 'accept');
    const ib = await invite(ctx, b);
    await ok(b.c.post(`/v1/invitations/${ib}/reject`), 'reject');
    const ic = await invite(ctx, c);
    await ok(ctx.host.post(`/v1/invitations/${ic}/cancel`), 'cancel');
    await ok(ctx.host.patch(`/v1/rooms/${ctx.roomId}/stage/${a.id}`, { body: { permissions: { canManageProducts: true } } }), 'permissions');
    await ok(ctx.host.del(`/v1/rooms/${ctx.roomId}/stage/${a.id}`), 'remove');
    await ok(ctx.host.post(`/v1/rooms/${ctx.roomId}/stop`), 'stop');
    await waitRealtime(ctx, ctx.roomTopic, 'room.ended');
    await waitRealtime(ctx, ctx.userTopic, 'invitation.cancelled', (d) => d.invitationId === ic);

    const got = await checkRoomDelivered(ctx);
    const types = got.map((x) => x.event);
    for (const t of ['room.updated', 'invitation.created', 'invitation.accepted', 'stage.joined', 'invitation.rejected',
      'invitation.cancelled', 'stage.updated', 'stage.left', 'room.ended']) {
      assert.ok(types.includes(t), `the journey produced ${t}: ${types.join(', ')}`);
    }
    // Body shape: LiveKit's top-level names keep LiveKit's types; the cohost event rides along.
    const first = attempts.find((x) => x.body && roomOf(x.body) === ctx.roomId);
    assert.match(first.contentType, /^application\/webhook\+json/);
    assert.equal(first.method, 'POST');
    assert.equal(first.path, '/hook');
    for (const body of got) {
      assert.match(body.id, /^EV_/, 'id');
      assert.equal(typeof body.event, 'string');
      assert.match(body.createdAt, /^\d+$/, 'createdAt is unix seconds as a string');
      assert.match(body.at, ISO_MS, 'at');
      assert.ok(Math.abs(Number(body.createdAt) - Date.parse(body.at) / 1000) <= 1, 'createdAt and at agree');
      assert.equal(body.roomId, ctx.roomId, 'roomId');
      assert.equal(typeof body.data, 'object');
    }
  });

  test('while the receiver answers 500 nothing is lost; after recovery every event arrives once, in order', async () => {
    const ctx = await newRoom('retry');
    rooms.push(ctx);
    answerStatus = 500;
    const failedBefore = attempts.filter((x) => x.status === 500).length;
    try {
      const a = await user('ra');
      const ia = await invite(ctx, a);
      await ok(a.c.post(`/v1/invitations/${ia}/accept`), 'accept');
      await ok(a.c.post(`/v1/rooms/${ctx.roomId}/stage/leave`), 'leave');
      const b = await user('rb');
      await invite(ctx, b);
      await ok(ctx.host.patch(`/v1/rooms/${ctx.roomId}`, { body: { title: 'during the outage' } }), 'patch');
      await waitRealtime(ctx, ctx.roomTopic, 'room.updated', (d) => d.title === 'during the outage');
      // Retried (at least three failed attempts), not given up.
      await waitUntil(() => attempts.filter((x) => x.status === 500).length >= failedBefore + 3, 'three failed attempts');
    } finally {
      answerStatus = 200;
    }
    await checkRoomDelivered(ctx);
    // GET /metrics agrees with what the receiver saw (same process so far, no other URL). The
    // sender counts an answer after reading it: poll (bounded) until the last one is counted.
    let metrics = await scrape();
    for (let i = 0; i < 50 && metrics['cohost_webhooks_sent_total{result="ok"}'] < delivered().length; i++) {
      await delay(100);
      metrics = await scrape();
    }
    assert.equal(metrics['cohost_webhooks_sent_total{result="ok"}'], delivered().length, 'ok counter');
    assert.equal(metrics['cohost_webhooks_sent_total{result="retry"}'], attempts.filter((x) => x.status === 500).length,
      'retry counter = the 500 answers');
    assert.equal(metrics['cohost_webhooks_sent_total{result="dropped"}'], 0);
    assert.equal(metrics.cohost_webhooks_backlog, 0, 'nothing left to deliver');
  });

  test('a SIGTERM restart on the same data dir loses nothing and duplicates nothing', async () => {
    const ctx = await newRoom('restart');
    rooms.push(ctx);
    // Events are pending (receiver failing) when cohostd is stopped.
    answerStatus = 500;
    const a = await user('sa');
    const ia = await invite(ctx, a);
    await ok(a.c.post(`/v1/invitations/${ia}/accept`), 'accept');
    await ok(ctx.host.patch(`/v1/rooms/${ctx.roomId}`, { body: { title: 'before restart' } }), 'patch');
    // (The room's creation is a room.updated too: wait for this one.)
    await waitRealtime(ctx, ctx.roomTopic, 'room.updated', (d) => d.title === 'before restart');
    await waitUntil(() => attempts.some((x) => x.status === 500 && roomOf(x.body) === ctx.roomId), 'a failed attempt');
    const before = expected(ctx).total;
    const names = () => [...expected(ctx).roomEvents, ...expected(ctx).invitations].map((e) => `${e.seq}:${e.event}`).join(' ');
    const namesBefore = names();

    await server.stop(); // SIGTERM; the data dir is kept
    assert.deepEqual(server.exitStatus(), { code: 0, signal: null }, `cohostd exits cleanly on SIGTERM:\n${server.output()}`);
    answerStatus = 200;
    server = await startCohostd({ apiSecret: secret, config, dataDir });
    // Sessions and tokens survive (same secret); follow every room again from seq 0.
    for (const r of rooms) await follow(r);
    assert.equal(expected(ctx).total, before, `the restarted server replays the same history: before ${namesBefore}, after ${names()}`);
    await ok(ctx.host.post(`/v1/rooms/${ctx.roomId}/stop`), 'stop after restart');
    await waitRealtime(ctx, ctx.roomTopic, 'room.ended');

    for (const r of rooms) await checkRoomDelivered(r);
    // Late duplicates would come within a few retry intervals: give them that long, once.
    await delay(3 * RETRY_MAX_MS);
    for (const r of rooms) await checkRoomDelivered(r);
    const ids = delivered().map((x) => x.body.id);
    assert.equal(new Set(ids).size, ids.length, `no id delivered twice: ${ids.join(' ')}`);
  });

  test('every request verified with WebhookReceiver (no signature failures)', () => {
    assert.ok(attempts.length > 0, 'webhooks were received');
    assert.deepEqual(attempts.filter((x) => x.error).map((x) => `${x.error}: ${x.raw}`), []);
  });
});
