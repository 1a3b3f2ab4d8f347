// Simulcast layer switching: with media.test_hooks, POST /v1/media/test/bandwidth caps what the SFU
// thinks a WHEP subscriber can receive. Capped at 200 kbps the subscriber must drop to the q layer
// (320 wide); with the cap removed it must come back to 1280. During both switches framesDecoded must
// advance in every 1-second sample and Chromium must count no new freeze.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';

import { User, closeAll, digest, http, outputDir, show, sleep, startCohostd, token, video } from './harness.mjs';

const ROOM = 'browser-layers';
let server;
let out;
const users = {};

before(async () => {
  out = outputDir('whep_layers');
  server = await startCohostd({
    config: { media: { public_ip: '127.0.0.1', workers: 1, test_hooks: true } },
    logFile: join(out, 'cohostd.log'),
  });
});

after(async () => {
  await closeAll(Object.values(users));
  if (server) await server.stop();
});

/**
 * Samples the subscriber once a second until its frameWidth is `width` (at most `timeoutMs`), then
 * `settle` more seconds that must stay at `width`; every sample must show framesDecoded advancing.
 * Returns the samples.
 */
async function switchTo(t, user, width, timeoutMs, label, settle = 3) {
  const samples = [await user.stats()];
  const deadline = Date.now() + timeoutMs;
  let reached = -1;
  for (;;) {
    await sleep(1_000);
    const s = await user.stats();
    const v = video(s);
    const p = video(samples[samples.length - 1]);
    samples.push(s);
    assert.ok(v.framesDecoded > p.framesDecoded,
      `${label}: frozen picture, framesDecoded ${p.framesDecoded} -> ${v.framesDecoded} in one second; ${digest(s)}`);
    if (reached >= 0) {
      assert.equal(v.frameWidth, width, `${label}: width left ${width} after reaching it; ${digest(s)}`);
      if (samples.length - 1 - reached >= settle) break;
    } else if (v.frameWidth === width) {
      reached = samples.length - 1;
      if (settle === 0) break;
    } else if (Date.now() >= deadline) {
      assert.fail(`${label}: frameWidth did not reach ${width} within ${timeoutMs} ms; widths seen ` +
        `${samples.map((x) => video(x).frameWidth).join(',')}; ${digest(s)}`);
    }
  }
  t.diagnostic(`${label}: widths per second ${samples.map((x) => video(x).frameWidth).join(',')}; ` +
    `decoded ${samples.map((x) => video(x).framesDecoded).join(',')}`);
  return samples;
}

test('a capped subscriber drops to the q layer and comes back without freezing', { timeout: 200_000 }, async (t) => {
  users.A = await User.launch('A', server.baseUrl, { outDir: out });
  users.B = await User.launch('B', server.baseUrl, { outDir: out });
  const pub = await users.A.publish(ROOM, await token(server, { identity: 'host', room: ROOM, canSubscribe: false }));
  assert.equal(pub.status, 201, `WHIP: ${pub.status} ${pub.body}`);
  const sub = await users.B.play(ROOM, await token(server, { identity: 'viewer', room: ROOM, canPublish: false }));
  assert.equal(sub.status, 201, `WHEP: ${sub.status} ${sub.body}`);
  const resource = new URL(sub.location, server.baseUrl).pathname;
  const unknown = await http(server.baseUrl, 'POST', '/v1/media/test/bandwidth', {
    contentType: 'application/json', body: JSON.stringify({ resource: `/whep/${ROOM}/no-such-session`, bps: 1000 }),
  });
  assert.equal(unknown.status, 404, `bandwidth hook on an unknown session: ${show(unknown)}`);
  const bad = await http(server.baseUrl, 'POST', '/v1/media/test/bandwidth', {
    contentType: 'application/json', body: JSON.stringify({ resource, bps: -5 }),
  });
  assert.equal(bad.status, 400, `bandwidth hook with bps -5: ${show(bad)}`);

  const full = await users.B.waitStats((x) => {
    const v = video(x);
    return v.framesDecoded > 60 && v.frameWidth === 1280 && v.frameHeight === 720;
  }, { timeoutMs: 40_000, what: 'video at 1280x720 (> 60 frames)' });
  t.diagnostic(`full: ${digest(full)}`);
  const freezes0 = video(full).freezeCount;

  const cap = await http(server.baseUrl, 'POST', '/v1/media/test/bandwidth', {
    contentType: 'application/json', body: JSON.stringify({ resource, bps: 200_000 }),
  });
  assert.equal(cap.status, 204, `bandwidth cap: ${show(cap)}`);
  const down = await switchTo(t, users.B, 320, 15_000, 'cap 200 kbps');
  const low = video(down[down.length - 1]);
  assert.equal(low.frameHeight, 180, `q layer is 320x180, got ${low.frameWidth}x${low.frameHeight}`);
  await users.B.screenshot(join(out, 'B-q-layer.png'));

  const uncap = await http(server.baseUrl, 'POST', '/v1/media/test/bandwidth', {
    contentType: 'application/json', body: JSON.stringify({ resource, bps: 0 }),
  });
  assert.equal(uncap.status, 204, `bandwidth uncap: ${show(uncap)}`);
  const up = await switchTo(t, users.B, 1280, 20_000, 'cap removed');
  const high = video(up[up.length - 1]);
  assert.equal(high.frameHeight, 720, `f layer is 1280x720, got ${high.frameWidth}x${high.frameHeight}`);
  await users.B.screenshot(join(out, 'B-f-layer.png'));

  if (freezes0 !== undefined) {
    t.diagnostic(`freezeCount ${freezes0} -> ${high.freezeCount}, totalFreezesDuration ${high.totalFreezesDuration}`);
    // On failure, the publisher's side too: a layer it switched off (qualityLimitationReason
    // 'bandwidth' or 'cpu') freezes a subscriber on that layer, which is not a switching fault.
    assert.equal(high.freezeCount, freezes0, `Chromium counted a video freeze during the switches ` +
      `(totalFreezesDuration ${high.totalFreezesDuration} s); subscriber: ${digest(up[up.length - 1])}; ` +
      `publisher: ${digest(await users.A.stats())}`);
  } else {
    t.diagnostic('Chromium reports no freezeCount');
  }
});
