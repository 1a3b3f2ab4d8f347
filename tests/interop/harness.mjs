// Starts a real cohostd for one test file and talks to it over HTTP.
//
// The binary comes from $COHOSTD (ctest sets it to $<TARGET_FILE:cohostd>); without it the default
// build output ../../build/bin/cohostd is used, so `node --test` also works by hand after a build.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
 * `... ready http://<addr>`. Returns {baseUrl, apiKey, apiSecret, pid, output(), stop()}.
 */
export async function startCohostd({ extraArgs = [], devLogin = true, readyTimeoutMs = 20_000 } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cohost-interop-'));
  const apiSecret = randomSecret();
  const args = [
    '--http-addr', '127.0.0.1:0',
    '--data-dir', dataDir,
    '--api-key', API_KEY,
    '--api-secret', apiSecret,
    devLogin ? '--dev-login' : '--no-dev-login',
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
    rmSync(dataDir, { recursive: true, force: true });
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
    rmSync(dataDir, { recursive: true, force: true });
  }

  return { baseUrl, apiKey: API_KEY, apiSecret, pid: child.pid, output: () => output, stop };
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
