/**
 * Test harness of the SDK tests: starts a real cohostd per test file (like
 * tests/interop/harness.mjs), gives SDK clients a recording `ws` WebSocket class the tests can
 * cut, freeze or block, and small wait helpers.
 *
 * The binary is $COHOSTD (ctest sets it), else ../../build/bin/cohostd.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

import {
  CohostClient, CohostError, type CohostClientOptions, type LiveValue, type RealtimeEvent, type WebSocketConstructor,
} from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const API_KEY = 'APIsdktest';

export interface Server {
  baseUrl: string;
  /** The HS256 secret cohostd was started with (to mint app-backend tokens). */
  apiSecret: string;
  pid: number;
  /** stderr+stdout tail, for failure messages. */
  output(): string;
  /** SIGTERM (SIGKILL after 5 s), then removes the data dir and config. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

function cohostdPath(): string {
  const p = process.env.COHOSTD || resolve(here, '../../../build/bin/cohostd');
  if (!existsSync(p)) throw new Error(`cohostd not found at ${p} (set COHOSTD or build the cohostd target)`);
  return p;
}

function randomSecret(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(40), (b) => alphabet[b % alphabet.length]).join('');
}

/**
 * Spawns cohostd on 127.0.0.1:0 (UDP port 0) with a fresh data dir, dev login on, and `config`
 * (YAML text) when given; resolves once it prints `ready http://<addr>` (20 s bound).
 */
export async function startCohostd(opts: { config?: string } = {}): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cohost-sdk-'));
  const apiSecret = randomSecret();
  const args = ['--http-addr', '127.0.0.1:0', '--udp-port', '0', '--data-dir', dataDir, '--api-key', API_KEY,
    '--api-secret', apiSecret, '--dev-login'];
  if (opts.config !== undefined) {
    const file = join(dataDir, 'test-config.yaml');
    writeFileSync(file, opts.config);
    args.push('--config', file);
  }
  const child = spawn(cohostdPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  const remember = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-64 * 1024);
  };
  child.stderr.on('data', remember);
  const cleanup = (): void => rmSync(dataDir, { recursive: true, force: true });
  const baseUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`cohostd not ready within 20 s:\n${output}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      remember(chunk);
      const m = /ready http:\/\/(\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveUrl(`http://${m[1]}`);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`cohostd exited before ready (code ${code}, signal ${signal}):\n${output}`));
    });
  }).catch((err: unknown) => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    cleanup();
    throw err;
  });
  return {
    baseUrl,
    apiSecret,
    pid: child.pid ?? 0,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid, 'SIGTERM');
        const t = setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
        }, 5_000);
        await exited;
        clearTimeout(t);
      }
      children.delete(child);
      cleanup();
    },
  };
}

/** A `ws` socket the test can cut (terminate), freeze (a black hole both ways) or refuse to create. */
export interface LabSocket {
  frozen: boolean;
  terminate(): void;
  readonly readyState: number;
}

/** Records every socket and every frame the SDK sends; `blocked` makes new connections fail. */
export interface SocketLab {
  WebSocket: WebSocketConstructor;
  sockets: LabSocket[];
  /** Frames sent, with the index of the socket that sent them. */
  sent: Array<{ socket: number; frame: Record<string, unknown> }>;
  blocked: boolean;
  /** The current (last created) socket. */
  current(): LabSocket;
}

export function socketLab(): SocketLab {
  const lab: SocketLab = {
    WebSocket: undefined as unknown as WebSocketConstructor,
    sockets: [],
    sent: [],
    blocked: false,
    current() {
      const s = lab.sockets.at(-1);
      if (!s) throw new Error('no socket yet');
      return s;
    },
  };
  class Lab extends WebSocket {
    frozen = false;
    private readonly index: number;

    constructor(url: string) {
      if (lab.blocked) throw new Error('connection blocked by the test');
      super(url);
      this.index = lab.sockets.length;
      lab.sockets.push(this);
    }

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    override send(data: any, ...rest: any[]): void {
      if (this.frozen) return;
      lab.sent.push({ socket: this.index, frame: JSON.parse(String(data)) as Record<string, unknown> });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (super.send as any)(data, ...rest);
    }

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    override addEventListener(type: any, listener: any, options?: any): void {
      const wrapped = type === 'message'
        ? (ev: unknown) => {
          if (!this.frozen) listener(ev);
        }
        : listener;
      super.addEventListener(type, wrapped, options);
    }
  }
  lab.WebSocket = Lab as unknown as WebSocketConstructor;
  return lab;
}

/** Dev login of a client whose realtime uses `lab` (a fresh lab when omitted) and fast test timings. */
export async function login(server: Server, userId: string, opts: { lab?: SocketLab } & Partial<CohostClientOptions> = {},
): Promise<{ client: CohostClient; lab: SocketLab }> {
  const lab = opts.lab ?? socketLab();
  const { lab: _lab, ...rest } = opts;
  const client = await CohostClient.devLogin(server.baseUrl, userId, `User ${userId}`, {
    WebSocket: lab.WebSocket,
    realtime: { reconnectBaseMs: 50, reconnectMaxMs: 400, pingIntervalMs: 1_000, pongTimeoutMs: 1_000 },
    live: { fallbackFetchMs: 15_000, retryBaseMs: 100 },
    ...rest,
  });
  return { client, lab };
}

/**
 * Resolves once `predicate()` is true, checking every 20 ms; rejects after `timeoutMs` (a bound
 * against hangs, not a timing assertion) with `what` and the last state from `describe`.
 */
export async function waitFor(what: string, predicate: () => boolean, { timeoutMs = 20_000, describe }: {
  timeoutMs?: number; describe?: () => unknown;
} = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${describe ? `; last state: ${JSON.stringify(describe())}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves with the live value once `predicate(value)` holds (see waitFor). */
export async function until<T>(lv: LiveValue<T>, what: string, predicate: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  await waitFor(what, () => lv.value !== undefined && predicate(lv.value), { timeoutMs, describe: () => lv.value });
  return lv.value as T;
}

/** Resolves with the CohostError `p` rejects with; fails the test when `p` succeeds or rejects otherwise. */
export async function refusal(p: Promise<unknown>): Promise<CohostError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CohostError, `expected CohostError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a refusal, the call succeeded');
}

/** A fetch wrapper that counts requests per "METHOD path" (query stripped). */
export function countingFetch(): { fetch: typeof fetch; count(method: string, path: string): number } {
  const counts = new Map<string, number>();
  return {
    fetch: (input, init) => {
      const url = new URL(String(input));
      const key = `${init?.method ?? 'GET'} ${url.pathname}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return fetch(input, init);
    },
    count: (method, path) => counts.get(`${method} ${path}`) ?? 0,
  };
}

/**
 * A listener that keeps every event in `all` and the ones a test asserts on in `got`: a
 * subscriber counts as a viewer, so `viewers.count` events interleave at times the test does not control.
 */
export function recorder(): { all: RealtimeEvent[]; got: RealtimeEvent[]; listener: (e: RealtimeEvent) => void } {
  const r = {
    all: [] as RealtimeEvent[],
    got: [] as RealtimeEvent[],
    listener: (e: RealtimeEvent) => {
      r.all.push(e);
      if (e.type !== 'viewers.count') r.got.push(e);
    },
  };
  return r;
}

/** Asserts `events` have seqs first, first+1, ... (no duplicate, no gap, in order). */
export function assertContiguous(events: RealtimeEvent[], first = events[0]?.seq ?? 0): void {
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => first + i), 'seqs must be contiguous');
}
