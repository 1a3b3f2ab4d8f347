// Helpers for demo_journey.test.mjs: a user of the demo app (web/demo, served by cohostd at /) in its
// own Chromium, driven only through the UI, plus checks on what its page shows (stage tiles and
// whether their <video> really plays) and numbered screenshots.
//
// Selectors are the data-testid attributes of @cohost/uikit (web/uikit/README.md) and of the demo
// (web/demo/src). Every console error and uncaught page error of every page is kept, so the test can
// fail on them.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { User, sleep, waitUntil } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '../..');
export const WEB = join(REPO, 'web');
export const DEMO_DIST = join(WEB, 'demo/dist');

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/** Newest modification time (ms) of the files under `dir` (recursively), 0 when none. */
function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure web/demo/dist holds a bundle of the current sources: when it is missing or older than
 * any file under web/{sdk,uikit,demo}/src, runs `npm run build` in web/ (what scripts/build does).
 * Returns what it did, for a diagnostic.
 */
export function ensureDemoBuilt() {
  const bundle = join(DEMO_DIST, 'app.js');
  const built = existsSync(join(DEMO_DIST, 'index.html')) && existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
  const sources = Math.max(...['sdk', 'uikit', 'demo'].map((p) => newestMtime(join(WEB, p, 'src'))),
    statSync(join(WEB, 'demo/index.html')).mtimeMs);
  if (built > sources) return 'web/demo/dist is up to date';
  if (!existsSync(join(WEB, 'node_modules'))) {
    throw new Error('web/node_modules is missing: run scripts/setup, then scripts/build');
  }
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: WEB, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) {
    throw new Error(`npm run build in web/ failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return `built web/ (${built ? 'stale' : 'missing'} bundle): ${r.stdout.trim().split('\n').slice(-1)[0] ?? ''}`;
}

/** The PIDs of `root` and all its descendants (from /proc), root first. */
export function processTree(root) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // raced with an exit
    }
  }
  const out = [];
  const walk = (pid) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** Sends `signal` to each PID (ignoring ones already gone); returns how many got it. */
export function signalAll(pids, signal) {
  let n = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      n += 1;
    } catch {
      // exited
    }
  }
  return n;
}

/**
 * The console errors and uncaught exceptions of a DemoUser's app page, with the HTTP answers >= 400
 * it got appended for context when there are any.
 */
export function consoleErrors(demo) {
  const errors = demo.errors.slice(0, demo.errorsUntil ?? demo.errors.length);
  if (errors.length === 0) return [];
  return [...errors, ...demo.httpErrors.map((h) => `(http ${h})`)];
}

/**
 * Test instrumentation (not part of the app): remembers every RTCPeerConnection the page creates in
 * `window.__demoPcs`, so a failing step can report what WebRTC really received.
 */
const PC_TRACKER = `(() => {
  if (window.__demoPcs) return;
  window.__demoPcs = [];
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.__demoPcs.push(this); }
  };
})();`;

/**
 * One person using the demo: a Chromium of the harness (fake camera + mic) with its page at the
 * app, at `viewport`. Screenshots are numbered in the order they are taken, over all users.
 */
export class DemoUser {
  static shots = 0;

  static async open(name, baseUrl, { outDir, viewport = DESKTOP } = {}) {
    const user = await User.launch(name, baseUrl, { outDir });
    await user.context.addInitScript({ content: PC_TRACKER });
    await user.page.setViewportSize(viewport);
    const demo = new DemoUser(name, user, outDir);
    await user.page.goto(`${baseUrl}/#/`, { timeout: 15_000 });
    return demo;
  }

  constructor(name, user, outDir) {
    Object.assign(this, { name, user, outDir });
    this.page = user.page;
    /** Console errors and uncaught exceptions of the app (with the source URL of each). */
    this.errors = [];
    /** When set, errors from this index on are not counted (logged after its network was cut on purpose). */
    this.errorsUntil = undefined;
    /** Answers with status >= 400 (a console "Failed to load resource" names no URL, this does). */
    this.httpErrors = [];
    // The harness page first loads /healthz (whose favicon request may 404): count from the app on.
    let inApp = false;
    this.page.on('framenavigated', (f) => {
      if (f === this.page.mainFrame()) inApp = new URL(f.url()).pathname === '/';
    });
    this.page.on('console', (m) => {
      if (inApp && m.type() === 'error') this.errors.push(`console.error: ${m.text()} (at ${m.location()?.url ?? '?'})`);
    });
    this.page.on('pageerror', (e) => {
      if (inApp) this.errors.push(`pageerror: ${e.stack ?? e.message}`);
    });
    this.page.on('response', (r) => {
      if (r.status() >= 400) this.httpErrors.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
  }

  get console() {
    return this.user.console;
  }

  /** `[data-testid=<id>]`, optionally with more attribute filters: tid('stage-tile', {'user-id': 'bob'}). */
  tid(id, attrs = {}) {
    return this.page.locator(`[data-testid="${id}"]${Object.entries(attrs).map(([k, v]) => `[data-${k}="${v}"]`).join('')}`);
  }

  /** Waits for a locator to be visible (default 15 s), naming it on failure. */
  async visible(locator, what, timeout = 15_000) {
    try {
      await locator.first().waitFor({ state: 'visible', timeout });
    } catch (err) {
      throw new Error(`${this.name}: ${what} not visible within ${timeout} ms (${err.message.split('\n')[0]})`);
    }
  }

  /** Waits for a locator to be gone (detached or hidden). */
  async gone(locator, what, timeout = 15_000) {
    try {
      await locator.first().waitFor({ state: 'hidden', timeout });
    } catch (err) {
      throw new Error(`${this.name}: ${what} still shown after ${timeout} ms (${err.message.split('\n')[0]})`);
    }
  }

  /** Logs in through the login form. */
  async login(userId, displayName) {
    await this.visible(this.tid('login-form'), 'the login form');
    await this.tid('login-user-id').fill(userId);
    await this.tid('login-display-name').fill(displayName);
    await this.tid('login-submit').click();
    await this.visible(this.tid('whoami', { 'user-id': userId }), `logged in as ${userId}`);
  }

  /**
   * Saves output/<test>/<NN>-<name>-<label>.png and returns its path. With `cropTo` (a locator) the
   * image ends 16 px below that element instead of at the bottom of the viewport.
   */
  async shot(label, { cropTo } = {}) {
    DemoUser.shots += 1;
    const file = join(this.outDir, `${String(DemoUser.shots).padStart(2, '0')}-${this.name}-${label}.png`);
    let clip;
    if (cropTo) {
      const box = await cropTo.boundingBox();
      const size = this.page.viewportSize();
      if (box && size) clip = { x: 0, y: 0, width: size.width, height: Math.min(size.height, Math.ceil(box.y + box.height + 16)) };
    }
    await this.page.screenshot({ path: file, clip });
    return file;
  }

  /** The stage tiles this page shows: [{userId, role, state, hasVideo, badge}]. */
  tiles() {
    return this.page.evaluate(() => Array.from(document.querySelectorAll('[data-testid="stage-tile"]')).map((t) => ({
      userId: t.getAttribute('data-user-id'),
      role: t.getAttribute('data-role'),
      state: t.getAttribute('data-state'),
      hasVideo: t.getAttribute('data-has-video'),
      badge: t.querySelector('[data-testid="tile-state"]')?.textContent ?? null,
    })));
  }

  /** Polls tiles() until `predicate(tiles)`; throws with the last list. */
  waitTiles(predicate, what, timeoutMs = 20_000) {
    return waitUntil(() => this.tiles(), predicate, { timeoutMs, intervalMs: 250, what: `${this.name}: ${what}` });
  }

  /** The <video> of `selector` (first match): size, time, readiness; null when absent. */
  videoState(selector) {
    return this.page.evaluate((sel) => {
      const v = document.querySelector(sel);
      if (!v) return null;
      return {
        videoWidth: v.videoWidth, videoHeight: v.videoHeight, currentTime: v.currentTime,
        readyState: v.readyState, paused: v.paused, hasStream: !!v.srcObject,
      };
    }, selector);
  }

  /**
   * Asserts that the <video> of `selector` plays: it gets a size (videoWidth > 0), then its
   * currentTime advances over about a second. Returns the two samples.
   */
  async assertVideoPlays(selector, what, { timeoutMs = 20_000 } = {}) {
    let first;
    try {
      first = await waitUntil(() => this.videoState(selector), (s) => s && s.videoWidth > 0 && s.readyState >= 2,
        { timeoutMs, intervalMs: 250, what: `${this.name}: ${what} has a decoded frame` });
    } catch (err) {
      err.message += `\n${await this.rtcDigest().catch((e) => `(no WebRTC digest: ${e.message})`)}`;
      throw err;
    }
    const second = await waitUntil(async () => {
      await sleep(300);
      return this.videoState(selector);
    }, (s) => s && s.currentTime > first.currentTime && s.videoWidth > 0,
    { timeoutMs: 10_000, intervalMs: 200, what: `${this.name}: ${what} currentTime advances past ${first.currentTime}` });
    return { first, second };
  }

  /**
   * What WebRTC receives and shows (for failure messages): per peer connection its state and inbound
   * video streams; per <video> of the page its track and size.
   */
  rtcDigest() {
    return this.page.evaluate(async () => {
      const pcs = [];
      for (const pc of window.__demoPcs ?? []) {
        const inbound = [];
        try {
          (await pc.getStats()).forEach((r) => {
            if (r.type === 'inbound-rtp' && r.kind === 'video') {
              inbound.push(`in mid=${r.mid} ssrc=${r.ssrc} track=${r.trackIdentifier} pkts=${r.packetsReceived} dec=${r.framesDecoded} ` +
                `key=${r.keyFramesDecoded} ${r.frameWidth ?? 0}x${r.frameHeight ?? 0} pli=${r.pliCount} nack=${r.nackCount}`);
            } else if (r.type === 'outbound-rtp' && r.kind === 'video') {
              inbound.push(`out mid=${r.mid} rid=${r.rid ?? '-'} ssrc=${r.ssrc} pkts=${r.packetsSent} ${r.frameWidth ?? 0}x${r.frameHeight ?? 0} ` +
                `pli=${r.pliCount} active=${r.active}`);
            }
          });
        } catch (e) {
          inbound.push(`getStats: ${e}`);
        }
        const mids = pc.getTransceivers().map((t) => `${t.mid}:${t.receiver.track?.kind?.[0] ?? '?'}/${t.currentDirection ?? t.direction}`).join(',');
        pcs.push(`pc ${pc.connectionState}/${pc.signalingState} [${mids}]: ${inbound.join(' | ') || 'no video RTP'}`);
      }
      const videos = Array.from(document.querySelectorAll('video')).map((v) => {
        const t = v.srcObject?.getVideoTracks?.()[0];
        const tile = v.closest('[data-testid="stage-tile"]')?.getAttribute('data-user-id') ?? v.getAttribute('data-testid');
        return `${tile}: track=${t?.id ?? '-'} ${t?.readyState ?? ''}${t?.muted ? ' muted' : ''} ${v.videoWidth}x${v.videoHeight} t=${v.currentTime.toFixed(2)}`;
      });
      return `${pcs.join('\n')}\nvideos: ${videos.join(' | ')}`;
    });
  }

  /** The selector of `userId`'s tile video. */
  static tileVideo(userId) {
    return `[data-testid="stage-tile"][data-user-id="${userId}"] video[data-testid="tile-video"]`;
  }

  /**
   * Freezes this user's whole Chromium (browser, network service, renderers) with SIGSTOP: every
   * TCP and UDP flow stops dead, without a FIN or a goodbye, as when a network drops. Returns the
   * frozen PIDs; kill() ends them.
   */
  freeze() {
    this.frozen = this.user.pids.flatMap((pid) => processTree(pid));
    signalAll(this.frozen, 'SIGSTOP');
    return this.frozen;
  }

  /** SIGKILLs a frozen Chromium's processes and cleans up the harness user (profile, PIDs). */
  async kill() {
    if (this.frozen) signalAll(this.frozen, 'SIGKILL');
    await this.user.close();
  }

  close() {
    return this.frozen ? this.kill() : this.user.close();
  }
}
