// NACK recovery: the server drops 2% of its outgoing video RTP first sends (media.test_drop_video_percent);
// a WHEP subscriber in Chromium must NACK them and get them re-sent, so that after ~8 s of play its
// inbound video shows nackCount > 0, packetsLost near zero (<= 0.5% of packetsReceived) and
// framesDecoded advancing in every sample.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';

import { User, closeAll, digest, outputDir, sleep, startCohostd, token, video } from './harness.mjs';

const ROOM = 'browser-nack';
let server;
let out;
const users = {};

before(async () => {
  out = outputDir('whep_nack');
  server = await startCohostd({
    config: { media: { public_ip: '127.0.0.1', workers: 1, test_drop_video_percent: 2 } },
    logFile: join(out, 'cohostd.log'),
  });
});

after(async () => {
  await closeAll(Object.values(users));
  if (server) await server.stop();
});

test('a subscriber recovers dropped video packets with NACKs', { timeout: 150_000 }, async (t) => {
  users.A = await User.launch('A', server.baseUrl, { outDir: out });
  users.B = await User.launch('B', server.baseUrl, { outDir: out });
  const pub = await users.A.publish(ROOM, await token(server, { identity: 'host', room: ROOM, canSubscribe: false }));
  assert.equal(pub.status, 201, `WHIP: ${pub.status} ${pub.body}`);
  const sub = await users.B.play(ROOM, await token(server, { identity: 'viewer', room: ROOM, canPublish: false }));
  assert.equal(sub.status, 201, `WHEP: ${sub.status} ${sub.body}`);

  const start = await users.B.waitStats((x) => video(x).framesDecoded > 30, {
    timeoutMs: 30_000, what: 'video decoding (> 30 frames)',
  });
  t.diagnostic(`start: ${digest(start)}`);
  let prev = video(start);
  for (let i = 0; i < 8; i++) {
    await sleep(1_000);
    const s = await users.B.stats();
    const v = video(s);
    assert.ok(v.framesDecoded > prev.framesDecoded,
      `second ${i + 1}: framesDecoded stalled at ${v.framesDecoded}; ${digest(s)}`);
    prev = v;
  }
  const end = await users.B.stats();
  const v = video(end);
  t.diagnostic(`end: ${digest(end)}`);
  t.diagnostic(`video: packetsReceived=${v.packetsReceived} packetsLost=${v.packetsLost} nackCount=${v.nackCount} ` +
    `retransmittedPacketsReceived=${v.retransmittedPacketsReceived} framesDecoded=${v.framesDecoded} ` +
    `freezeCount=${v.freezeCount} framesDropped=${v.framesDropped}`);
  await users.B.screenshot(join(out, 'B-playing.png'));
  assert.ok(v.nackCount > 0, `no NACK was sent although the server drops 2% of video packets; ${digest(end)}`);
  assert.ok(v.packetsReceived > 200, `too few video packets to judge: ${v.packetsReceived}`);
  assert.ok(v.packetsLost <= 0.005 * v.packetsReceived,
    `packetsLost ${v.packetsLost} > 0.5% of packetsReceived ${v.packetsReceived}: NACKs were not answered`);
});
