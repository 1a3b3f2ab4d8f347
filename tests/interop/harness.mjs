// Starts a real cohostd for one test file and talks to it over HTTP.
//
// The binary comes from $COHOSTD (ctest sets it to $<TARGET_FILE:cohostd>); without it the default
// build output ../../build/bin/cohostd is used, so `node --test` also works by hand after a build.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import yaml from 'js-yaml';
import WebSocket from 'ws';

const here = dirname(fileURLToPath(import.meta.url));

export const API_KEY = 'APIinterop';

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

/**
 * Spawns cohostd on 127.0.0.1:0 with a fresh data dir, API key `APIinterop`, a random 40-character
 * secret and `--dev-login` (or `--no-dev-login`), and waits (20 s bound) for the stdout line
 * `... ready http://<addr>`. Returns {baseUrl, apiKey, apiSecret, dataDir, pid, output(), stop(), kill(),
 * exitStatus()}.
 *
 * Options for restarts and configuration (all optional):
 * - `config`: a YAML text, or an object dumped to YAML, written to a temporary file passed as
 *   `--config` (the file is removed by stop()).
 * - `dataDir`: reuse this data dir (e.g. the `dataDir` of an earlier, stopped instance); a reused
 *   dir is kept by stop(), a fresh one is removed unless `keepDataDir` is true.
 * - `apiSecret`: use this secret instead of a random one (a restart must keep it).
 */
export async function startCohostd({
  extraArgs = [], devLogin = true, readyTimeoutMs = 20_000, config, dataDir: reuseDataDir,
  keepDataDir = false, apiSecret: givenSecret,
} = {}) {
  const dataDir = reuseDataDir ?? mkdtempSync(join(tmpdir(), 'cohost-interop-'));
  const removeDataDir = !reuseDataDir && !keepDataDir;
  const apiSecret = givenSecret ?? randomSecret();
  let configDir = null;
  const configArgs = [];
  if (config !== undefined) {
    configDir = mkdtempSync(join(tmpdir(), 'cohost-interop-config-'));
    const file = join(configDir, 'cohost.yaml');
    writeFileSync(file, typeof config === 'string' ? config : yaml.dump(config));
    configArgs.push('--config', file);
  }
  const cleanupFiles = () => {
    if (configDir) rmSync(configDir, { recursive: true, force: true });
    if (removeDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const args = [
    '--http-addr', '127.0.0.1:0',
    // The embedded SFU binds UDP too: an ephemeral port, so test files can run side by side.
    ...(extraArgs.includes('--udp-port') ? [] : ['--udp-port', '0']),
    '--data-dir', dataDir,
    '--api-key', API_KEY,
    '--api-secret', apiSecret,
    devLogin ? '--dev-login' : '--no-dev-login',
    ...configArgs,
    ...extraArgs,
  ];
  const child = spawn(cohostdPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const remember = (chunk) => {
    output += chunk.toString();
    if (output.length > 64 * 1024) output = output.slice(-64 * 1024);
  };
  child.stderr.on('data', remember);

  const baseUrl = await new Promise((resolvePromise, rejectPromise) => {
    let stdoutText = '';
    const timer = setTimeout(() => {
      cleanup();
      rejectPromise(new Error(`cohostd did not print "ready http://…" within ${readyTimeoutMs} ms.\n` +
        `stdout+stderr:\n${stdoutText}${output}`));
    }, readyTimeoutMs);
    const onData = (chunk) => {
      remember(chunk);
      stdoutText += chunk.toString();
      const m = /ready http:\/\/(\S+)/.exec(stdoutText);
      if (m) {
        cleanup();
        resolvePromise(`http://${m[1]}`);
      }
    };
    const onExit = (code, signal) => {
      cleanup();
      rejectPromise(new Error(`cohostd exited before ready (code ${code}, signal ${signal}).\n` +
        `stdout+stderr:\n${stdoutText}${output}`));
    };
    const onError = (err) => {
      cleanup();
      rejectPromise(err);
    };
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      // Keep draining stdout so the child never blocks on a full pipe.
      child.stdout.on('data', remember);
    }
    child.stdout.on('data', onData);
    child.on('exit', onExit);
    child.on('error', onError);
  }).catch((err) => {
    if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    cleanupFiles();
    throw err;
  });

  /** SIGTERM (SIGKILL after 5 s), then removes the config file and a fresh data dir. */
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

  /** SIGKILL (a crash), keeping the data dir for a restart; stop() still cleans up afterwards. */
  async function kill() {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGKILL');
      await exited;
    }
  }

  /** {code, signal} once the process has exited, else null. */
  const exitStatus = () => (child.exitCode !== null || child.signalCode !== null
    ? { code: child.exitCode, signal: child.signalCode } : null);

  return { baseUrl, apiKey: API_KEY, apiSecret, dataDir, pid: child.pid, output: () => output, stop, kill, exitStatus };
}

/**
 * One HTTP call. Returns {status, body, headers}; body is parsed JSON when the response is JSON,
 * else the text (or null when empty).
 */
export async function call(baseUrl, method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    h['content-type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(baseUrl + path, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed = text.length ? text : null;
  if (text.length && (res.headers.get('content-type') || '').includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A small client bound to one server and one token. */
export function client(baseUrl, token) {
  const m = (method) => (path, opts = {}) => call(baseUrl, method, path, { token, ...opts });
  return { get: m('GET'), post: m('POST'), put: m('PUT'), patch: m('PATCH'), del: m('DELETE'), token };
}

/** Dev login: returns a client for the user (and the login response as `.login`). */
export async function devLogin(baseUrl, userId, displayName) {
  const r = await call(baseUrl, 'POST', '/v1/auth/dev-login', { body: { userId, displayName } });
  if (r.status !== 200) {
    throw new Error(`dev-login ${userId} -> ${r.status} ${JSON.stringify(r.body)}`);
  }
  return { ...client(baseUrl, r.body.token), login: r.body };
}

/** Formats a status + body for assertion messages. */
export function show(r) {
  return `${r.status} ${typeof r.body === 'string' ? r.body : JSON.stringify(r.body)}`;
}

/**
 * A realtime WebSocket client (`GET /v1/realtime?token=`, product.md §5/§10) that keeps every
 * frame it receives. `subscribe(topic, since?)` resolves with the `subscribed` frame (rejects on an
 * `error` frame for that topic); `events(topic)` lists the `event` frames of a topic in arrival
 * order; `waitForEvent(topic, predicate, {from, timeoutMs})` resolves with the first event at index
 * ≥ `from` (default 0) of `events(topic)` that matches, bounded by `timeoutMs` (default 10 s).
 */
export async function openRealtime(baseUrl, token, { openTimeoutMs = 10_000 } = {}) {
  const url = `${baseUrl.replace(/^http/, 'ws')}/v1/realtime?token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(url);
  const frames = [];
  const waiters = new Set();
  let closed = null;
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  ws.on('message', (data) => {
    try {
      frames.push(JSON.parse(data.toString()));
    } catch {
      frames.push({ type: '<unparsable>', text: data.toString() });
    }
    notify();
  });
  ws.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
    notify();
  });
  await new Promise((resolvePromise, rejectPromise) => {
    const timer = setTimeout(() => rejectPromise(new Error(`realtime: no open within ${openTimeoutMs} ms`)), openTimeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolvePromise();
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      rejectPromise(err);
    });
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      rejectPromise(new Error(`realtime upgrade refused: HTTP ${res.statusCode}`));
    });
  });
  ws.on('error', () => {}); // errors after open surface as `close`

  function waitFrame(predicate, what, timeoutMs) {
    const found = frames.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolvePromise, rejectPromise) => {
      const check = () => {
        const f = frames.find(predicate);
        if (f) {
          done();
          resolvePromise(f);
        } else if (closed) {
          done();
          rejectPromise(new Error(`realtime socket closed (${closed.code} ${closed.reason}) while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        rejectPromise(new Error(`realtime: timed out after ${timeoutMs} ms waiting for ${what}; frames:\n` +
          frames.map((f) => JSON.stringify(f)).join('\n')));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
    });
  }

  const events = (topic) => frames.filter((f) => f.type === 'event' && f.topic === topic);

  return {
    frames,
    events,
    closed: () => closed,
    async subscribe(topic, since, timeoutMs = 10_000) {
      const frame = { type: 'subscribe', topic };
      if (since !== undefined) frame.since = since;
      const mark = frames.length;
      ws.send(JSON.stringify(frame));
      const f = await waitFrame((x, i) => i >= mark && (x.type === 'subscribed' || x.type === 'error') && x.topic === topic,
        `subscribed ${topic}`, timeoutMs);
      if (f.type === 'error') throw new Error(`subscribe ${topic} refused: ${JSON.stringify(f)}`);
      return f;
    },
    /**
     * subscribe(), then waits until the replay (which follows the `subscribed` frame) has arrived:
     * resolves once an event with `seq` ≥ `subscribed.seq` is in `events(topic)`.
     */
    async subscribeReplayed(topic, since, timeoutMs = 10_000) {
      const f = await this.subscribe(topic, since, timeoutMs);
      if (since !== undefined && f.seq > since) {
        await this.waitForEvent(topic, (e) => e.seq >= f.seq, { timeoutMs, what: `replay up to seq ${f.seq}` });
      }
      return f;
    },
    /** Number of events of `topic` received so far (a `from` for waitForEvent). */
    cursor: (topic) => events(topic).length,
    async waitForEvent(topic, predicate, { from = 0, timeoutMs = 10_000, what = 'an event' } = {}) {
      const pick = () => events(topic).slice(from).find(predicate);
      try {
        await waitFrame(() => pick() !== undefined, `${what} on ${topic} (from #${from})`, timeoutMs);
      } catch (err) {
        throw new Error(`${err.message}\nevents on ${topic}: ${events(topic).map((e) =>
          `#${e.seq} ${e.event} ${JSON.stringify(e.data)}`).join('\n')}`);
      }
      return pick();
    },
    close() {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
    },
  };
}
