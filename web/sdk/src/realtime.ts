/**
 * The realtime connection (`GET /v1/realtime`, product.md §5, §10): one WebSocket per client,
 * opened on the first subscribe, shared by every topic.
 *
 * - Reconnects with exponential backoff and jitter after any loss, then resubscribes every topic
 *   with `since: lastSeq`, so the server replays what was missed before live events.
 * - Delivers each event to listeners exactly once and in seq order: per topic it remembers the
 *   last delivered seq and drops anything at or below it.
 * - `resync_required` (the gap is older than the server's retention) tells the subscribers to
 *   refetch over REST (the live collections do); events continue after the frame's `seq`.
 * - A client ping every `pingIntervalMs` detects dead sockets: when nothing at all arrives within
 *   `pongTimeoutMs` after it, the socket is abandoned and a new one opened.
 * - Several subscribers of one topic share one server subscription (reference counted);
 *   `unsubscribe` goes out when the last one leaves.
 */
import type { RealtimeEvent } from './models.js';

/** 'idle': nothing subscribed yet (no socket); 'closed': closed by close(), never reopens. */
export type RealtimeState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * The part of the WebSocket API the SDK uses; the browser's WebSocket and the `ws` package's
 * both fit. Text frames only.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (ev: any) => void): void;
}

/** A WebSocket class: `new WebSocket(url)`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface RealtimeOptions {
  /** The WebSocket class (default: the global one; Node 20 has none: pass `ws`'s). */
  WebSocket?: WebSocketConstructor | undefined;
  /** Client ping period in ms (default 15,000). */
  pingIntervalMs?: number | undefined;
  /** A socket with no frame this long after a ping is dead (default 10,000 ms). */
  pongTimeoutMs?: number | undefined;
  /** First reconnect delay in ms (default 500); doubles per failed attempt. */
  reconnectBaseMs?: number | undefined;
  /** Longest reconnect delay in ms (default 15,000). */
  reconnectMaxMs?: number | undefined;
  /** A connect attempt not open within this is abandoned (default 10,000 ms). */
  openTimeoutMs?: number | undefined;
}

/** A refusal of a subscription by the server (`error` frame naming the topic). */
export interface RealtimeError {
  code: string;
  message: string;
  topic?: string;
}

export type EventListener = (event: RealtimeEvent) => void;

/** Optional callbacks of one subscriber. */
export interface SubscribeHandlers {
  /**
   * The server confirmed the subscription on a socket. `resumed` is true when it was a resume
   * (`since`), whose missed events follow; false the first time, when state should be fetched.
   * A subscriber joining a topic that is already confirmed is called at once with resumed=false.
   */
  onSubscribed?(info: { seq: number; resumed: boolean }): void;
  /** The server could not replay the gap: refetch state over REST. */
  onResync?(): void;
  /** The server refused the subscription (`forbidden`, `not_found`, ...). */
  onError?(err: RealtimeError): void;
}

interface Subscriber {
  listener: EventListener;
  handlers: SubscribeHandlers;
}

interface TopicEntry {
  topic: string;
  /** Last seq delivered (or the watermark from `subscribed`/`resync_required`); undefined until confirmed. */
  lastSeq: number | undefined;
  /** Confirmed on the current socket. */
  confirmed: boolean;
  subscribers: Set<Subscriber>;
}

const OPEN = 1;

/** Runs `fn`, reporting (not swallowing) a throw without breaking the caller's loop. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    setTimeout(() => {
      throw err;
    }, 0);
  }
}

export class Realtime {
  private readonly url: () => string;
  private readonly WS: WebSocketConstructor | undefined;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly reconnectBaseMs: number;
  private readonly reconnectMaxMs: number;
  private readonly openTimeoutMs: number;

  private _state: RealtimeState = 'idle';
  private ws: WebSocketLike | null = null;
  private readonly topicMap = new Map<string, TopicEntry>();
  /** Per socket: topics with unsubscribe frames whose `unsubscribed` has not arrived (frames ignored). */
  private draining = new Map<string, number>();
  private readonly stateListeners = new Set<(s: RealtimeState) => void>();
  private readonly errorListeners = new Set<(e: RealtimeError) => void>();
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private openTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private lastRx = 0;
  private readonly onOnline = (): void => {
    if (this._state === 'reconnecting' && this.ws === null) this.reconnect();
  };

  /** `url()` is the full `ws(s)://…/v1/realtime?token=…` URL (read at each connect). */
  constructor(url: () => string, opts: RealtimeOptions = {}) {
    this.url = url;
    this.WS = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    this.pingIntervalMs = opts.pingIntervalMs ?? 15_000;
    this.pongTimeoutMs = opts.pongTimeoutMs ?? 10_000;
    this.reconnectBaseMs = opts.reconnectBaseMs ?? 500;
    this.reconnectMaxMs = opts.reconnectMaxMs ?? 15_000;
    this.openTimeoutMs = opts.openTimeoutMs ?? 10_000;
  }

  /** The connection state. */
  get state(): RealtimeState {
    return this._state;
  }

  /** Calls `cb` on every state change (not with the current state); returns the unsubscribe. */
  onState(cb: (s: RealtimeState) => void): () => void {
    this.stateListeners.add(cb);
    return () => this.stateListeners.delete(cb);
  }

  /** Calls `cb` for every `error` frame (topic refusals included); returns the unsubscribe. */
  onError(cb: (e: RealtimeError) => void): () => void {
    this.errorListeners.add(cb);
    return () => this.errorListeners.delete(cb);
  }

  /** The topics with at least one subscriber. */
  topics(): string[] {
    return [...this.topicMap.keys()];
  }

  /** The last seq delivered on `topic` (undefined before the server confirmed it). */
  lastSeq(topic: string): number | undefined {
    return this.topicMap.get(topic)?.lastSeq;
  }

  /**
   * Subscribes `listener` to `topic` (`room:<roomId>` or `user:<userId>`); opens the socket if
   * needed. Returns the unsubscribe function (idempotent).
   */
  subscribe(topic: string, listener: EventListener, handlers: SubscribeHandlers = {}): () => void {
    if (this._state === 'closed') throw new Error('cohost realtime: the client is closed');
    if (!this.WS) {
      throw new Error('cohost realtime: no WebSocket available; pass the `WebSocket` option (e.g. from the `ws` package)');
    }
    if (typeof topic !== 'string' || !/^(room|user):.+/.test(topic)) {
      throw new Error(`cohost realtime: bad topic ${JSON.stringify(topic)} (room:<id> or user:<id>)`);
    }
    const sub: Subscriber = { listener, handlers };
    let entry = this.topicMap.get(topic);
    if (!entry) {
      entry = { topic, lastSeq: undefined, confirmed: false, subscribers: new Set([sub]) };
      this.topicMap.set(topic, entry);
      if (this.isOpen()) this.sendSubscribe(entry);
      else this.ensureStarted();
    } else {
      entry.subscribers.add(sub);
      // The topic has a watermark: every later event will be delivered (live, replayed or via a
      // resync), so the newcomer may fetch state right away.
      if (entry.lastSeq !== undefined) {
        const seq = entry.lastSeq;
        queueMicrotask(() => {
          if (entry?.subscribers.has(sub)) sub.handlers.onSubscribed?.({ seq, resumed: false });
        });
      }
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const e = this.topicMap.get(topic);
      if (!e || !e.subscribers.delete(sub) || e.subscribers.size > 0) return;
      this.topicMap.delete(topic);
      if (this.isOpen() && this.ws) {
        this.draining.set(topic, (this.draining.get(topic) ?? 0) + 1);
        this.send({ type: 'unsubscribe', topic });
      }
    };
  }

  /** Drops the current socket (if any) and connects again at once. */
  reconnect(): void {
    if (this._state === 'closed') return;
    this.attempt = 0;
    if (this.ws) this.abandon('reconnect requested');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.connect();
  }

  /** Closes the socket for good; no reconnect, no more events. */
  close(): void {
    if (this._state === 'closed') return;
    clearTimeout(this.reconnectTimer);
    this.stopTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      try {
        ws.close(1000, 'client closed');
      } catch {
        // already closing
      }
    }
    this.topicMap.clear();
    this.removeOnline();
    this.setState('closed');
  }

  // ---- connection ----------------------------------------------------------------------------

  private isOpen(): boolean {
    return this.ws !== null && this._state === 'open' && this.ws.readyState === OPEN;
  }

  private ensureStarted(): void {
    if (this._state === 'idle') {
      const g = globalThis as { addEventListener?: (t: string, f: () => void) => void };
      g.addEventListener?.('online', this.onOnline);
      this.connect();
    }
  }

  private removeOnline(): void {
    const g = globalThis as { removeEventListener?: (t: string, f: () => void) => void };
    g.removeEventListener?.('online', this.onOnline);
  }

  private connect(): void {
    if (this._state === 'closed' || !this.WS) return;
    this.setState(this._state === 'idle' || this._state === 'connecting' ? 'connecting' : 'reconnecting');
    let ws: WebSocketLike;
    try {
      ws = new this.WS(this.url());
    } catch {
      this.ws = null;
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.draining = new Map();
    this.openTimer = setTimeout(() => {
      if (this.ws === ws) this.abandon('open timeout');
    }, this.openTimeoutMs);
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      clearTimeout(this.openTimer);
      this.attempt = 0;
      this.lastRx = Date.now();
      this.setState('open');
      for (const entry of this.topicMap.values()) this.sendSubscribe(entry);
      this.startPing();
    });
    ws.addEventListener('message', (ev: { data: unknown }) => {
      if (this.ws !== ws) return;
      this.lastRx = Date.now();
      this.onText(typeof ev.data === 'string' ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer));
    });
    ws.addEventListener('close', () => {
      if (this.ws === ws) this.onLost();
    });
    ws.addEventListener('error', () => {
      // A `close` follows; an error before open may come alone in some runtimes.
      if (this.ws === ws && ws.readyState !== OPEN) this.abandon('socket error');
    });
  }

  /** Stops using the current socket at once (no close handshake wait) and schedules a reconnect. */
  private abandon(why: string): void {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      try {
        ws.close(4000, why);
      } catch {
        // a socket that never opened may refuse close codes
      }
    }
    this.onLost();
  }

  private onLost(): void {
    this.ws = null;
    this.stopTimers();
    for (const entry of this.topicMap.values()) entry.confirmed = false;
    if (this._state !== 'closed') this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.setState('reconnecting');
    clearTimeout(this.reconnectTimer);
    const ceiling = Math.min(this.reconnectMaxMs, this.reconnectBaseMs * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2); // "equal jitter"
    this.attempt = Math.min(this.attempt + 1, 30);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  private startPing(): void {
    this.pingTimer = setInterval(() => {
      if (!this.ws) return;
      const sentAt = Date.now();
      this.send({ type: 'ping' });
      // One deadline at a time, for the oldest unanswered ping (the period may be shorter than the timeout).
      if (this.pongTimer !== undefined) return;
      this.pongTimer = setTimeout(() => {
        this.pongTimer = undefined;
        if (this.ws && this.lastRx < sentAt) this.abandon('ping timeout');
      }, this.pongTimeoutMs);
    }, this.pingIntervalMs);
  }

  private stopTimers(): void {
    clearTimeout(this.openTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.openTimer = this.pingTimer = this.pongTimer = undefined;
  }

  private setState(s: RealtimeState): void {
    if (this._state === s) return;
    this._state = s;
    for (const cb of [...this.stateListeners]) safely(() => cb(s));
  }

  private send(frame: object): void {
    try {
      this.ws?.send(JSON.stringify(frame));
    } catch {
      // the socket is going away; `close` follows and everything is resent after reconnecting
    }
  }

  private sendSubscribe(entry: TopicEntry): void {
    entry.confirmed = false;
    const frame: { type: string; topic: string; since?: number } = { type: 'subscribe', topic: entry.topic };
    if (entry.lastSeq !== undefined) frame.since = entry.lastSeq;
    this.send(frame);
  }

  // ---- frames --------------------------------------------------------------------------------

  private onText(text: string): void {
    let f: Record<string, unknown>;
    try {
      f = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return; // not ours to fix; the server only sends JSON
    }
    if (!f || typeof f !== 'object') return;
    const topic = typeof f.topic === 'string' ? f.topic : undefined;
    if (f.type === 'unsubscribed' && topic !== undefined) {
      const n = this.draining.get(topic) ?? 0;
      if (n <= 1) this.draining.delete(topic);
      else this.draining.set(topic, n - 1);
      return;
    }
    if (f.type === 'pong') return;
    if (f.type === 'error') {
      const err: RealtimeError = { code: String(f.code ?? 'internal'), message: String(f.message ?? '') };
      if (topic !== undefined) err.topic = topic;
      const entry = topic !== undefined && !this.draining.has(topic) ? this.topicMap.get(topic) : undefined;
      if (entry) {
        entry.confirmed = false;
        for (const sub of [...entry.subscribers]) safely(() => sub.handlers.onError?.(err));
      }
      for (const cb of [...this.errorListeners]) safely(() => cb(err));
      return;
    }
    if (topic === undefined || this.draining.has(topic)) return;
    const entry = this.topicMap.get(topic);
    if (!entry) return;
    const seq = typeof f.seq === 'number' ? f.seq : undefined;
    switch (f.type) {
      case 'subscribed': {
        entry.confirmed = true;
        const resumed = entry.lastSeq !== undefined;
        // A topic behind our watermark (the server lost its data) would have its events dropped
        // as duplicates: restart from its seq and refetch.
        const wentBack = resumed && seq !== undefined && seq < (entry.lastSeq ?? 0);
        if (!resumed || wentBack) entry.lastSeq = seq ?? 0;
        const info = { seq: entry.lastSeq ?? 0, resumed };
        for (const sub of [...entry.subscribers]) safely(() => sub.handlers.onSubscribed?.(info));
        if (wentBack) for (const sub of [...entry.subscribers]) safely(() => sub.handlers.onResync?.());
        return;
      }
      case 'resync_required': {
        if (seq !== undefined) entry.lastSeq = seq;
        for (const sub of [...entry.subscribers]) safely(() => sub.handlers.onResync?.());
        return;
      }
      case 'event': {
        if (seq === undefined || entry.lastSeq === undefined || seq <= entry.lastSeq) return; // duplicate or stale
        const gap = seq > entry.lastSeq + 1;
        entry.lastSeq = seq;
        const name = String(f.event ?? '');
        const event: RealtimeEvent = { type: name, event: name, topic, seq, at: String(f.at ?? ''), data: f.data };
        for (const sub of [...entry.subscribers]) safely(() => sub.listener(event));
        // The server promises no gaps; if one shows anyway, state may be stale: refetch.
        if (gap) for (const sub of [...entry.subscribers]) safely(() => sub.handlers.onResync?.());
        return;
      }
      default:
        return;
    }
  }
}
