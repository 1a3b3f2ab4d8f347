#!/usr/bin/env node
// Join latency of unmodified livekit-client 2.23.0 against cohostd's LiveKit signalling (/rtc/v1).
//
// A host page publishes camera + mic with livekit-client defaults (1280x720, q/h/f simulcast). A
// viewer page then joins the room JOINS times in sequence, each time with a fresh Room and a fresh
// identity, and measures the time from the start of room.connect() to the first remote video frame
// decoded (inbound-rtp framesDecoded > 0 on the host's video track, polled every 10 ms), and how long
// room.connect() itself took. Prints one JSON line with p50/p90 and the load average.
//
// Usage: node bench/livekit_join.mjs [--joins N] [--cohostd PATH]
// Needs the npm packages of tests/browser (`npm ci` there) and Debian's /usr/bin/chromium.
// Every process it starts (cohostd, two Chromiums) is stopped by PID before it exits.
import { cpus, loadavg } from 'node:os';

import { LkPage, User, closeAll, startCohostd, token, waitUntil } from '../tests/browser/harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
};
const JOINS = Number(arg('--joins', '20'));
if (arg('--cohostd', null)) process.env.COHOSTD = arg('--cohostd', null);
const ROOM = 'bench-join';

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

async function main() {
  const load0 = loadavg();
  const server = await startCohostd({ config: { media: { public_ip: '127.0.0.1', workers: 1 } } });
  const users = [];
  const pages = [];
  try {
    users.push(await User.launch('bench-host', server.baseUrl));
    users.push(await User.launch('bench-viewer', server.baseUrl));
    const host = await LkPage.open(users[0], 'host', { reuseFirst: true });
    pages.push(host);
    const h = await host.connect(await token(server, { identity: 'host', room: ROOM, canSubscribe: false }),
      { publish: true });
    if (!h.ok) throw new Error(`host could not publish: ${JSON.stringify(h)}`);
    await waitUntil(() => host.local(), (l) => l.outbound.some((o) => o.kind === 'video' && o.packetsSent > 0),
      { timeoutMs: 15_000, what: 'host sending video' });

    const viewer = await LkPage.open(users[1], 'viewer', { reuseFirst: true });
    pages.push(viewer);
    const firstFrame = [];
    const connect = [];
    const sizes = {};
    for (let i = 0; i < JOINS; i++) {
      const bearer = await token(server, { identity: `viewer-${i}`, room: ROOM, canPublish: false });
      const r = await viewer.connect(bearer, { watchFirstFrame: true, timeoutMs: 20_000 });
      if (!r.ok) throw new Error(`join ${i} failed: ${JSON.stringify(r)}`);
      const ms = await waitUntil(() => viewer.page.evaluate(() => window.lk.firstFrame()), (v) => v !== null,
        { timeoutMs: 15_000, intervalMs: 50, what: `join ${i}: first decoded frame` });
      const ev = (await viewer.events()).filter((e) => e.ev === 'FirstFrame').pop();
      const size = `${ev?.width}x${ev?.height}`;
      sizes[size] = (sizes[size] ?? 0) + 1;
      firstFrame.push(ms);
      connect.push(r.ms);
      await viewer.disconnect();
    }
    const ff = [...firstFrame].sort((a, b) => a - b);
    const cc = [...connect].sort((a, b) => a - b);
    console.log(JSON.stringify({
      bench: 'livekit_join',
      joins: JOINS,
      first_frame_ms: { p50: pct(ff, 50), p90: pct(ff, 90), min: ff[0], max: ff[ff.length - 1] },
      connect_ms: { p50: pct(cc, 50), p90: pct(cc, 90), min: cc[0], max: cc[cc.length - 1] },
      first_frame_sizes: sizes,
      samples_ms: firstFrame,
      loadavg_before: load0.map((x) => Number(x.toFixed(2))),
      loadavg_after: loadavg().map((x) => Number(x.toFixed(2))),
      cpus: cpus().length,
    }));
  } finally {
    for (const p of pages) await p.close().catch(() => {});
    await closeAll(users);
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
