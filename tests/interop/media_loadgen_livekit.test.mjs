// apps/media_loadgen against a real cohostd (one media worker), as bench/run --only media runs it:
// `--signalling livekit` (a publisher and subscribers joining through /rtc/v1 with add_track,
// the offer in join_request, mid_to_track_id, ping/ping_req) and the default WHIP/WHEP mode, each
// for a few seconds with a handful of subscribers. Every subscriber must connect, receive audio
// and video, and lose nothing. The binary comes from $MEDIA_LOADGEN, else next to cohostd.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';

import { API_KEY, cohostdPath, startCohostd } from './harness.mjs';

const SUBSCRIBERS = 6;
let server;

function loadgenPath() {
  const p = process.env.MEDIA_LOADGEN || join(dirname(cohostdPath()), 'media_loadgen');
  if (!existsSync(p)) throw new Error(`media_loadgen not found at ${p} (build the media_loadgen target)`);
  return p;
}

/** Runs media_loadgen to completion (45 s bound); resolves {code, stdout, stderr}. */
function runLoadgen(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(loadgenPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function baseArgs(room, secret = server.apiSecret) {
  return ['--url', server.baseUrl, '--api-key', API_KEY, '--api-secret', secret, '--room', room,
    '--subscribers', String(SUBSCRIBERS), '--probes', '2', '--duration', '3s',
    '--server-pid', String(server.pid)];
}

/** The JSON line media_loadgen ends with. */
function report(run) {
  assert.equal(run.code, 0, `media_loadgen failed (${run.code}/${run.signal}):\n${run.stdout}\n${run.stderr}`);
  const last = run.stdout.trim().split('\n').at(-1);
  return JSON.parse(last);
}

function assertDelivered(r, mode) {
  const context = JSON.stringify(r);
  assert.equal(r.scenario, 'media_fanout');
  assert.equal(r.signalling, mode);
  assert.equal(r.subscribers, SUBSCRIBERS);
  assert.equal(r.connected, SUBSCRIBERS, context);
  assert.equal(r.setupFailures, 0, context);
  assert.equal(r.noVideo, 0, `every subscriber receives video: ${context}`);
  assert.ok(r.publisherPacketsPerSecond > 0, context);
  // Each subscriber gets every packet the publisher sent in the window, audio and video.
  assert.equal(r.lossPercent, 0, context);
  assert.equal(r.seqGapPercent, 0, context);
  assert.ok(r.forwardedPacketsPerSecond >= SUBSCRIBERS * r.publisherPacketsPerSecond * 0.99, context);
  assert.equal(r.pass, true, context);
  assert.ok(r.delay.samples > 0, `the probes decrypted media: ${context}`);
  assert.ok(r.joinMs.p50 > 0, context);
}

before(async () => {
  server = await startCohostd({ config: { media: { workers: 1 } } });
});
after(async () => server?.stop());

test('livekit signalling: publisher and subscribers join through /rtc/v1 and get every packet', async () => {
  const r = report(await runLoadgen([...baseArgs('lk-smoke'), '--signalling', 'livekit']));
  assertDelivered(r, 'livekit');
  const lk = r.livekit;
  assert.ok(lk, 'the livekit signalling figures are reported');
  assert.equal(lk.socketsOpen, SUBSCRIBERS + 1, 'every signalling socket is still open after the window');
  assert.equal(lk.socketsDropped, 0);
  assert.equal(lk.leavesReceived, 0);
  assert.equal(lk.trackMapMismatches, 0, 'each answer maps the sections to the publisher\'s two tracks');
  assert.equal(lk.unknownCids, 0);
  assert.equal(lk.staleAnswers, 0);
  assert.equal(lk.unreadableFrames, 0);
  // The publisher is told its two tracks are subscribed to; everyone gets a refresh token.
  assert.equal(lk.trackSubscribed, 2);
  assert.equal(lk.refreshTokens, SUBSCRIBERS + 1);
  // The publisher joined more than one ping interval (5 s) before the report: warm-up 2.5 s +
  // window 3 s + drain 0.5 s. Each ping + ping_req pair gets pong + pong_resp.
  assert.ok(lk.pingsSent >= 1, JSON.stringify(lk));
  assert.ok(lk.pongsReceived >= 2, JSON.stringify(lk));
  // Each join is announced to the participants already there (and to itself), and again when
  // its media connects.
  assert.ok(lk.participantUpdates >= SUBSCRIBERS + 1, JSON.stringify(lk));
});

test('whip signalling (the default) still delivers every packet', async () => {
  const r = report(await runLoadgen(baseArgs('whip-smoke')));
  assertDelivered(r, 'whip');
  assert.equal(r.livekit, undefined);
});

test('a token signed with the wrong secret is refused before any media flows', async () => {
  const run = await runLoadgen([...baseArgs('lk-refused', 'not-the-secret'), '--signalling', 'livekit']);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stderr, /livekit publish refused: upgrade: 401/);
  assert.doesNotMatch(run.stdout + run.stderr, /not-the-secret/, 'the secret is never printed');
});

test('an unknown signalling mode is a usage error', async () => {
  const run = await runLoadgen([...baseArgs('bad-mode'), '--signalling', 'sip']);
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /signalling/);
});
