// Helpers shared by the livekit-client browser tests (livekit_client.test.mjs,
// livekit_two_pc.test.mjs): reading the event log livekit_lib.js keeps in each page, and asserting
// that a remote participant's video really renders.
import assert from 'node:assert/strict';

import { sleep, waitUntil } from './harness.mjs';

/** One line of a page's events: `t:Event(identity/kind)=reason`. */
export const fmt = (evs) => evs.map((e) => `${e.t}:${e.ev}${e.identity ? `(${e.identity}${e.kind ? `/${e.kind}` : ''})` : ''}` +
  `${e.reasonName ? `=${e.reasonName}` : ''}`).join(' ');
/** The events at or after page time `t0`. */
export const after0 = (evs, t0) => evs.filter((e) => e.t >= t0);
/** Whether an event `ev` whose fields include `extra` is in `evs`. */
export const has = (evs, ev, extra = {}) => evs.some((e) => e.ev === ev && Object.entries(extra).every(([k, v]) => e[k] === v));
/** The page's clock (ms since its time origin), to mark "events from now on". */
export const pageNow = (p) => p.page.evaluate(() => Math.round(performance.now()));
/** The remote track of `kind` in a `remote()` result ({} when none). */
export const trackOf = (r, kind) => r.tracks.find((t) => t.kind === kind) ?? {};

/** Waits until `page` decodes `identity`'s video (optionally at w x h) and then sees it advance. */
export async function assertRendering(t, page, identity, { width, height, timeoutMs = 30_000 } = {}) {
  const first = await waitUntil(() => page.remote(identity), (r) => {
    const v = trackOf(r, 'video').inbound;
    const el = r.video;
    return v && v.framesDecoded > 0 && el && el.videoWidth > 0 &&
      (width === undefined || (v.frameWidth === width && v.frameHeight === height &&
        el.videoWidth === width && el.videoHeight === height));
  }, { timeoutMs, intervalMs: 300, what: `${page.name}: ${identity}'s video decoded${width ? ` at ${width}x${height}` : ''}` });
  await sleep(1_000);
  const second = await page.remote(identity);
  const v0 = trackOf(first, 'video').inbound;
  const v1 = trackOf(second, 'video').inbound ?? {};
  const a0 = trackOf(first, 'audio').inbound ?? {};
  const a1 = trackOf(second, 'audio').inbound ?? {};
  t.diagnostic(`${page.name} <- ${identity}: video ${v1.frameWidth}x${v1.frameHeight} decoded ${v0.framesDecoded}->` +
    `${v1.framesDecoded} packets ${v0.packetsReceived}->${v1.packetsReceived} fps=${v1.framesPerSecond} ` +
    `lost=${v1.packetsLost} pli=${v1.pliCount}; element ` +
    `${JSON.stringify(second.video)}; audio pkts ${a0.packetsReceived}->${a1.packetsReceived}`);
  assert.ok(v1.framesDecoded > v0.framesDecoded, `${page.name}: framesDecoded of ${identity} did not grow ` +
    `(${v0.framesDecoded} -> ${v1.framesDecoded})`);
  assert.ok(second.video.currentTime > first.video.currentTime, `${page.name}: <video> currentTime of ${identity} ` +
    `did not advance (${first.video.currentTime} -> ${second.video.currentTime})`);
  if (width !== undefined) {
    assert.equal(`${second.video.videoWidth}x${second.video.videoHeight}`, `${width}x${height}`,
      `${page.name}: <video> size of ${identity}`);
  }
  return { first, second };
}

