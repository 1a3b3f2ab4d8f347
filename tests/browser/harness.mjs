// Browser-test harness: a real cohostd per test file and one headless Chromium (Debian's
// /usr/bin/chromium, fake camera and mic) per simulated user, driven by playwright-core.
//
// The cohostd binary comes from $COHOSTD (ctest sets it to $<TARGET_FILE:cohostd>); without it the
// default build output ../../build/bin/cohostd is used, so `node --test` also works by hand after a
// build. Artefacts (screenshots, per-user stats and events, the server log) go to output/<test>/.
//
// Cleanup: every process started here (cohostd, each Chromium) is remembered by PID; stop()/close()
// end them, and a process 'exit' hook SIGKILLs whatever is left, by PID only.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { AccessToken } from 'livekit-server-sdk';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

export const API_KEY = 'APIbrowser';
export const CHROMIUM = process.env.COHOST_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

/**
 * PIDs started by this process and not yet seen to exit, each with a string its command line must
 * still contain (guards against PID reuse); SIGKILLed on process exit.
 */
const livePids = new Map();
process.on('exit', () => {
  for (const [pid, needle] of livePids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * `test()`s for steps that build on each other. `step(name, opts, fn)` is skipped once an earlier
 * step of the same series failed (instead of failing again for the same reason); `step.check(...)`
 * is skipped likewise, but its own failure does not skip the steps after it. `afterEach(t)` runs
 * after each passing step (an assertion every step must also pass); `onFailure(name, t, isStep)`
 * runs when a step or a check fails (screenshots, diagnostics).
 */
export function steps({ afterEach, onFailure } = {}) {
  let failed = false;
  const series = (isStep) => (name, opts, fn) => test(name, opts, async (t) => {
    if (failed) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await fn(t);
      if (isStep && afterEach) await afterEach(t);
    } catch (err) {
      if (isStep) failed = true;
      if (onFailure) await onFailure(name, t, isStep);
      throw err;
    }
  });
  const step = series(true);
  step.check = series(false);
  return step;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** 40 random characters from [A-Za-z0-9], like a LiveKit API secret. */
export function randomSecret(length = 40) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

export function cohostdPath() {
  const p = process.env.COHOSTD || resolve(here, '../../build/bin/cohostd');
  if (!existsSync(p)) {
    throw new Error(`cohostd not found at ${p} (set COHOSTD or build the cohostd target)`);
  }
  return p;
}

/** output/<name>/ under this folder, created (and emptied of an earlier run's files). */
export function outputDir(name) {
  const dir = join(here, 'output', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A minimal YAML writer for nested plain objects of scalars (enough for cohostd configs). */
export function toYaml(obj, indent = '') {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out += `${indent}${k}:\n${toYaml(v, `${indent}  `)}`;
    } else {
      out += `${indent}${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}\n`;
    }
  }
  return out;
}

/**
 * Spawns cohostd with `--http-addr 127.0.0.1:0 --udp-port 0`, a fresh data dir, API key
 * `APIbrowser` and a random secret, plus `--config` with `config` (object or YAML text) when given,
 * and waits (20 s bound) for the line `... ready http://<addr>`. Returns {baseUrl, apiKey,
 * apiSecret, pid, output(), stop()}; stop() SIGTERMs (SIGKILL after 5 s), removes the temporary
 * files and, when `logFile` is given, writes the server's stdout+stderr there.
 */
export async function startCohostd({ config, extraArgs = [], readyTimeoutMs = 20_000, logFile } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cohost-browser-'));
  const apiSecret = randomSecret();
  const args = [
    '--http-addr', '127.0.0.1:0',
    '--udp-port', '0',
    '--data-dir', dataDir,
    '--api-key', API_KEY,
    '--api-secret', apiSecret,
  ];
  if (config !== undefined) {
    const file = join(dataDir, 'cohost-test.yaml');
    writeFileSync(file, typeof config === 'string' ? config : toYaml(config));
    args.push('--config', file);
  }
  args.push(...extraArgs);
  const child = spawn(cohostdPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  livePids.set(child.pid, dataDir);
  child.once('exit', () => livePids.delete(child.pid));
  let output = '';
  const remember = (chunk) => {
    output += chunk.toString();
    if (output.length > 256 * 1024) output = output.slice(-256 * 1024);
  };
  child.stderr.on('data', remember);
  const cleanupFiles = () => {
    if (logFile) writeFileSync(logFile, output);
    rmSync(dataDir, { recursive: true, force: true });
  };

  const baseUrl = await new Promise((resolvePromise, rejectPromise) => {
    const timer = setTimeout(() => {
      done();
      rejectPromise(new Error(`cohostd did not print "ready http://…" within ${readyTimeoutMs} ms.\n${output}`));
    }, readyTimeoutMs);
    const onData = (chunk) => {
      const m = /ready http:\/\/(\S+)/.exec(output);
      if (m) {
        done();
        resolvePromise(`http://${m[1]}`);
      }
    };
    const onExit = (code, signal) => {
      done();
      rejectPromise(new Error(`cohostd exited before ready (code ${code}, signal ${signal}); args ${args.join(' ')}\n${output}`));
    };
    const onError = (err) => {
      done();
      rejectPromise(err);
    };
    function done() {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    child.stdout.on('data', remember);
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', onExit);
    child.on('error', onError);
  }).catch((err) => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    cleanupFiles();
    throw err;
  });

  async function stop() {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
      }, 5_000);
      await exited;
      clearTimeout(timer);
    }
    cleanupFiles();
  }

  const alive = () => child.exitCode === null && child.signalCode === null;
  return { baseUrl, apiKey: API_KEY, apiSecret, pid: child.pid, output: () => output, stop, alive };
}

/** A LiveKit access token for `server` with grant {roomJoin, room, canPublish, canSubscribe}. */
export async function token(server, { identity, room, canPublish = true, canSubscribe = true, ttl = '10m',
  apiSecret } = {}) {
  const at = new AccessToken(server.apiKey, apiSecret ?? server.apiSecret, { identity, ttl });
  const grant = { roomJoin: true, room };
  if (canPublish !== undefined) grant.canPublish = canPublish;
  if (canSubscribe !== undefined) grant.canSubscribe = canSubscribe;
  at.addGrant(grant);
  return at.toJwt();
}

/**
 * One HTTP call from node. Returns {status, headers, text, json} (json = the parsed body when it
 * parses, else null).
 */
export async function http(baseUrl, method, path, { token: bearer, body, contentType } = {}) {
  const headers = {};
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (contentType) headers['content-type'] = contentType;
  const res = await fetch(baseUrl + path, { method, headers, body });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Formats an HTTP result for assertion messages. */
export const show = (r) => `${r.status} ${r.headers?.get?.('content-type') ?? ''} ${r.text ?? ''}`.slice(0, 600);

/**
 * Polls `fn` (sync or async) every `intervalMs` until `predicate(value)` is true; returns that value.
 * After `timeoutMs` it throws, naming `what` and showing the last value (through `describe`).
 */
export async function waitUntil(fn, predicate, { timeoutMs = 15_000, intervalMs = 250, what = 'a condition',
  describe = (v) => JSON.stringify(v) } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (predicate(last)) return last;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${describe(last)}`);
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Stats helpers (on the summaries produced by page_lib.js stats()).

export const inboundVideo = (s) => s.inbound.filter((r) => r.kind === 'video');
export const inboundAudio = (s) => s.inbound.filter((r) => r.kind === 'audio');
/** The busiest inbound video stream (most frames decoded), or an empty object. */
export const video = (s) => inboundVideo(s).sort((a, b) => (b.framesDecoded ?? 0) - (a.framesDecoded ?? 0))[0] ?? {};
export const audio = (s) => inboundAudio(s).sort((a, b) => (b.packetsReceived ?? 0) - (a.packetsReceived ?? 0))[0] ?? {};

/** A one-line digest of a stats summary, for assertion messages. */
export function digest(s) {
  const v = video(s);
  const a = audio(s);
  const out = s.outbound.map((o) => `${o.kind}${o.rid ? `/${o.rid}` : ''}:${o.frameWidth ?? ''}x${o.frameHeight ?? ''}` +
    ` sent=${o.packetsSent} q=${o.qualityLimitationReason ?? ''} tb=${o.targetBitrate ?? ''}`).join(', ');
  return `pc=${s.connectionState} ice=${s.iceConnectionState} dtls=[${s.dtlsStates}] ` +
    `in.video(n=${inboundVideo(s).length}): ${v.frameWidth}x${v.frameHeight} decoded=${v.framesDecoded} ` +
    `pkts=${v.packetsReceived} lost=${v.packetsLost} nack=${v.nackCount} pli=${v.pliCount} freeze=${v.freezeCount} ` +
    `codec=${v.codec} | in.audio(n=${inboundAudio(s).length}): pkts=${a.packetsReceived} | out: ${out} | ` +
    `tracks=${JSON.stringify(s.tracks)} | events=${s.events.slice(-12).map((e) => `${e.t}:${e.what}` +
      `${e.detail !== undefined ? `=${JSON.stringify(e.detail)}` : ''}`).join(' ')}`;
}

// ---------------------------------------------------------------------------------------------
// Simulated users: one persistent Chromium context each.

const pageLib = readFileSync(join(here, 'page_lib.js'), 'utf8');

/** PIDs of our own child processes whose command line mentions `needle`. */
function childPidsMentioning(needle) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // raced with an exit
    }
  }
  return pids;
}

/**
 * A simulated user: a fresh Chromium (persistent context in its own temporary profile) with one page
 * on `${baseUrl}/healthz` and page_lib.js installed. Methods wrap window.cohost.
 */
export class User {
  static async launch(name, baseUrl, { outDir } = {}) {
    const profile = mkdtempSync(join(tmpdir(), `cohost-chromium-${name}-`));
    let context;
    try {
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: false,
        args: CHROMIUM_ARGS,
        viewport: { width: 680, height: 460 },
        timeout: 30_000,
      });
    } catch (err) {
      rmSync(profile, { recursive: true, force: true });
      throw err;
    }
    const pids = childPidsMentioning(profile);
    for (const pid of pids) livePids.set(pid, profile);
    const user = new User(name, baseUrl, context, profile, pids, outDir);
    await context.addInitScript({ content: pageLib });
    user.page = context.pages()[0] ?? await context.newPage();
    user.page.on('console', (m) => user.console.push(`${m.type()}: ${m.text()}`));
    user.page.on('pageerror', (e) => user.console.push(`pageerror: ${e.message}`));
    await user.page.goto(`${baseUrl}/healthz`, { timeout: 15_000 });
    return user;
  }

  constructor(name, baseUrl, context, profile, pids, outDir) {
    Object.assign(this, { name, baseUrl, context, profile, pids, outDir });
    this.console = [];
    this.samples = [];
    this.closed = false;
  }

  /** WHIP publish (see page_lib.js publish). Returns {status, location, contentType, body, offer}. */
  publish(room, bearer, opts = {}) {
    return this.page.evaluate((o) => window.cohost.publish(o), { path: `/whip/${room}`, token: bearer, ...opts });
  }

  /** WHEP play (see page_lib.js play). */
  play(room, bearer, opts = {}) {
    return this.page.evaluate((o) => window.cohost.play(o), { path: `/whep/${room}`, token: bearer, ...opts });
  }

  /** A createOffer() SDP of the publisher or subscriber shape, without sending it (for error tests). */
  offerSdp({ publish = true } = {}) {
    return this.page.evaluate(async (pub) => {
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      if (pub) {
        const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
        for (const t of s.getTracks()) pc.addTransceiver(t, { direction: 'sendonly' });
        const sdp = (await pc.createOffer()).sdp;
        for (const t of s.getTracks()) t.stop();
        pc.close();
        return sdp;
      }
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
      const sdp = (await pc.createOffer()).sdp;
      pc.close();
      return sdp;
    }, publish);
  }

  /** The stats summary of page_lib.js (kept in this.samples too). */
  async stats() {
    const s = await this.page.evaluate(() => window.cohost.stats());
    this.samples.push(s);
    if (this.samples.length > 400) this.samples.splice(0, this.samples.length - 400);
    return s;
  }

  /** Polls stats() until `predicate(stats)`; throws with a digest of the last sample. */
  waitStats(predicate, { timeoutMs = 20_000, intervalMs = 500, what = 'stats' } = {}) {
    return waitUntil(() => this.stats(), predicate, {
      timeoutMs, intervalMs, what: `${this.name}: ${what}`, describe: digest,
    });
  }

  /** DELETE the WHIP/WHEP resource, stop tracks, close the peer connection. Returns the DELETE status. */
  leave(opts = {}) {
    return this.page.evaluate((o) => window.cohost.leave(o), opts);
  }

  async screenshot(file) {
    await this.page.screenshot({ path: file });
  }

  /** Writes the samples, events and console of this user to outDir/<name>.json (when outDir is set). */
  saveArtefacts() {
    if (!this.outDir) return;
    writeFileSync(join(this.outDir, `${this.name}.json`), JSON.stringify({
      name: this.name, console: this.console, samples: this.samples,
    }, null, 1));
  }

  /** Closes Chromium (SIGKILL by PID if it does not exit within 10 s) and removes its profile. */
  async close() {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.page.isClosed()) {
        await Promise.race([this.stats().catch(() => {}), sleep(2_000)]);
      }
    } catch {
      // best effort
    }
    this.saveArtefacts();
    await Promise.race([this.context.close().catch(() => {}), sleep(10_000)]);
    for (const pid of this.pids) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.profile)) process.kill(pid, 'SIGKILL');
      } catch {
        // exited
      }
      livePids.delete(pid);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** Closes users in order, ignoring errors (for after() hooks). */
export async function closeAll(users) {
  for (const u of users) {
    if (u) await u.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// livekit-client pages (livekit_client.test.mjs, bench/livekit_join.mjs).

export const LIVEKIT_UMD = join(here, 'node_modules/livekit-client/dist/livekit-client.umd.js');
export const LIVEKIT_LIB = join(here, 'livekit_lib.js');

/**
 * One page running unmodified livekit-client (UMD build) plus livekit_lib.js (`window.lk`). Several
 * LkPages may share one Chromium (a User's context): each is its own tab with its own Room.
 */
export class LkPage {
  /**
   * Opens a page in `user`'s Chromium (its first page when `reuseFirst`), on `${baseUrl}/healthz`,
   * and loads livekit-client + livekit_lib.js into it.
   */
  static async open(user, name, { reuseFirst = false } = {}) {
    const page = reuseFirst ? user.page : await user.context.newPage();
    const lp = new LkPage(name, user.baseUrl, page, user.outDir);
    page.on('console', (m) => lp.console.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => lp.console.push(`pageerror: ${e.message}`));
    if (!reuseFirst) await page.goto(`${user.baseUrl}/healthz`, { timeout: 15_000 });
    await page.addScriptTag({ path: LIVEKIT_UMD });
    await page.addScriptTag({ path: LIVEKIT_LIB });
    return lp;
  }

  constructor(name, baseUrl, page, outDir) {
    Object.assign(this, { name, baseUrl, page, outDir });
    this.console = [];
    this.wsUrl = baseUrl.replace(/^http/, 'ws');
    this.closed = false;
  }

  /** window.lk.connect against this server; resolves {ok, ms, error, reason, ...}. */
  connect(bearer, opts = {}) {
    return this.page.evaluate((o) => window.lk.connect(o), { url: this.wsUrl, token: bearer, ...opts });
  }

  disconnect() {
    return this.page.evaluate(() => window.lk.disconnect());
  }

  remote(identity) {
    return this.page.evaluate((id) => window.lk.remote(id), identity);
  }

  local() {
    return this.page.evaluate(() => window.lk.local());
  }

  events() {
    return this.page.evaluate(() => window.lk.events.slice());
  }

  /** Polls the page's RoomEvent log until `predicate(events)` holds; returns the events. */
  waitEvents(predicate, { timeoutMs = 15_000, intervalMs = 100, what = 'room events' } = {}) {
    return waitUntil(() => this.events(), predicate, {
      timeoutMs, intervalMs, what: `${this.name}: ${what}`,
      describe: (evs) => evs.slice(-25).map((e) => JSON.stringify(e)).join(' '),
    });
  }

  /** Writes events and console to outDir/<name>.json (best effort) and closes the tab. */
  async close() {
    if (this.closed) return;
    this.closed = true;
    let events = null;
    try {
      if (!this.page.isClosed()) {
        events = await Promise.race([this.events(), sleep(2_000).then(() => null)]);
        await Promise.race([this.disconnect().catch(() => {}), sleep(2_000)]);
      }
    } catch {
      // page gone
    }
    if (this.outDir) {
      writeFileSync(join(this.outDir, `lk-${this.name}.json`), JSON.stringify({
        name: this.name, events, console: this.console,
      }, null, 1));
    }
    await Promise.race([this.page.close().catch(() => {}), sleep(5_000)]);
  }
}

// ---------------------------------------------------------------------------------------------
// Control-plane REST helpers (embedded_journey.test.mjs).

/**
 * POST /v1/auth/dev-login {userId, displayName} (dev login is on: the harness listens on loopback).
 * Returns {token, user}; throws with the answer on anything but 200.
 */
export async function devLogin(baseUrl, userId, displayName = userId) {
  const r = await http(baseUrl, 'POST', '/v1/auth/dev-login', {
    contentType: 'application/json', body: JSON.stringify({ userId, displayName }),
  });
  if (r.status !== 200 || !r.json?.token) throw new Error(`dev-login ${userId}: ${show(r)}`);
  return r.json;
}

/**
 * A REST client for one user token: `(method, path, body?) => http()` result; a `body` object is
 * sent as JSON.
 */
export function restClient(baseUrl, bearer) {
  return (method, path, body) => http(baseUrl, method, path, body === undefined ? { token: bearer } : {
    token: bearer, contentType: 'application/json', body: JSON.stringify(body),
  });
}

/**
 * Enables camera + mic on `lkPage`'s connected Room (livekit-client defaults: 1280x720 with
 * simulcast, unless `videoResolution`). Resolves {ok, error}.
 */
export function lkPublish(lkPage, { videoResolution = null } = {}) {
  return lkPage.page.evaluate(async (res) => {
    const room = window.lk.state.room;
    if (!room) return { ok: false, error: 'no room' };
    try {
      await room.localParticipant.setCameraEnabled(true, res ? { resolution: res } : undefined);
      await room.localParticipant.setMicrophoneEnabled(true);
      return { ok: true };
    } catch (e) {
      window.lk.log('publish.error', { error: String(e?.message ?? e) });
      return { ok: false, error: String(e?.message ?? e) };
    }
  }, videoResolution);
}
