/**
 * Live values: state a UI observes instead of polling. A LiveCore fetches the state over REST once
 * the realtime subscription of its topic is confirmed (so no event can fall between the fetch and
 * the subscription), then applies the `data` of each event. Events arriving while a fetch is in
 * flight are queued and applied, in seq order, to the fetched snapshot (events carry the resource
 * after the change, so re-applying one the snapshot already contains is harmless). After
 * `resync_required` it refetches the same way.
 *
 * Cores are reference counted: every observeX() call returns its own LiveValue handle; handles of
 * the same key share one core and one realtime subscription, released when the last handle closes.
 */
import { CohostError } from './errors.js';
import type { RealtimeEvent } from './models.js';
import type { Realtime, RealtimeError } from './realtime.js';

/** A value kept current by the SDK. */
export interface LiveValue<T> {
  /** The current value; undefined until the first fetch answered. */
  readonly value: T | undefined;
  /** The last error (REST fetch or realtime refusal); cleared by the next successful fetch. */
  readonly error: Error | undefined;
  /** Calls `cb` at once with the current value if there is one, then on every change. Returns the unsubscribe. */
  observe(cb: (v: T) => void): () => void;
  /** Calls `cb` on every error (fetch failure, subscription refused). Returns the unsubscribe. */
  onError(cb: (e: Error) => void): () => void;
  /** Resolves with the first value (at once if there is one); rejects if an error came first (or already happened). */
  ready(): Promise<T>;
  /** Fetches the state over REST again (what a `resync_required` does). */
  refetch(): Promise<void>;
  /** True once close() was called on this handle. */
  readonly closed: boolean;
  /** Stops this handle's callbacks; the shared subscription ends with the last handle. */
  close(): void;
}

/** A subscription refused by the server (`error` frame for the topic). */
export class RealtimeTopicError extends Error {
  readonly code: string;
  readonly topic: string | undefined;
  constructor(e: RealtimeError) {
    super(`realtime ${e.topic ?? ''}: ${e.code}: ${e.message}`);
    this.name = 'RealtimeTopicError';
    this.code = e.code;
    this.topic = e.topic;
  }
}

/** How one kind of live value is fetched and kept current. */
export interface LiveSpec<T> {
  /** Registry key: equal keys share a core. */
  key: string;
  /** The realtime topic; omitted for poll-only values. */
  topic?: () => string | Promise<string>;
  /** The REST fetch of the whole state. */
  fetch: () => Promise<T>;
  /** Applies one event; returns `value` itself when nothing changed. */
  apply?: (value: T, event: RealtimeEvent) => T;
  /** Refetch period in ms for poll-only values. */
  pollMs?: number;
  /** Equality to skip emitting an identical refetch (default: never equal). */
  equals?: (a: T, b: T) => boolean;
}

export interface LiveTiming {
  /** Fetch without waiting for the realtime confirmation after this long (default 2,500 ms); refetched once confirmed. */
  fallbackFetchMs?: number | undefined;
  /** First retry delay after a failed fetch that is worth retrying (default 1,000 ms, doubling to 30 s). */
  retryBaseMs?: number | undefined;
}

const MAX_QUEUE = 10_000;

export class LiveCore<T> {
  value: T | undefined;
  error: Error | undefined;
  refs = 0;
  readonly observers = new Set<(v: T) => void>();
  readonly errorObservers = new Set<(e: Error) => void>();
  private queue: RealtimeEvent[] = [];
  private inflight: Promise<void> | undefined;
  private again = false;
  private confirmed = false;
  private stopped = false;
  private retries = 0;
  private unsubscribe: (() => void) | undefined;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private pollTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly spec: LiveSpec<T>,
    private readonly realtime: Realtime,
    private readonly timing: LiveTiming = {},
  ) {}

  /** Starts the subscription (or polling) and the first fetch. */
  start(): void {
    const { topic } = this.spec;
    if (!topic) {
      void this.fetch();
      if (this.spec.pollMs) this.pollTimer = setInterval(() => void this.fetch(), this.spec.pollMs);
      return;
    }
    this.later(this.timing.fallbackFetchMs ?? 2_500, () => {
      if (!this.confirmed && this.value === undefined && !this.inflight) void this.fetch();
    });
    Promise.resolve()
      .then(topic)
      .then((name) => {
        if (this.stopped) return;
        this.unsubscribe = this.realtime.subscribe(name, (ev) => this.onEvent(ev), {
          onSubscribed: ({ resumed }) => {
            if (resumed || this.confirmed) return;
            this.confirmed = true;
            void this.fetch();
          },
          onResync: () => void this.fetch(),
          onError: (e) => {
            this.setError(new RealtimeTopicError(e));
            // The REST answer says why in the API's terms (not_found, banned, ...).
            if (this.value === undefined && !this.inflight) void this.fetch();
          },
        });
      })
      .catch((err: unknown) => this.setError(err instanceof Error ? err : new Error(String(err))));
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    clearInterval(this.pollTimer);
    this.observers.clear();
    this.errorObservers.clear();
    this.queue = [];
  }

  /** Fetches (again); concurrent calls share one run that fetches once more after the current one. */
  fetch(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    this.inflight = this.run().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async run(): Promise<void> {
    let snapshot: T | undefined;
    let failure: unknown;
    do {
      this.again = false;
      try {
        snapshot = await this.spec.fetch();
        failure = undefined;
      } catch (err) {
        failure = err;
      }
    } while (this.again && !this.stopped);
    if (this.stopped) return;
    const queued = this.queue;
    this.queue = [];
    if (failure !== undefined || snapshot === undefined) {
      const err = failure instanceof Error ? failure : new Error(String(failure));
      // Keep the best state we have: the old value plus what arrived meanwhile.
      if (this.value !== undefined) this.set(this.applyAll(this.value, queued));
      else this.queue = queued;
      this.setError(err);
      if (!(err instanceof CohostError) || err.retryable) {
        const delay = Math.min(30_000, (this.timing.retryBaseMs ?? 1_000) * 2 ** Math.min(this.retries, 5));
        this.retries++;
        this.later(delay, () => void this.fetch());
      }
      return;
    }
    this.retries = 0;
    this.error = undefined;
    const next = this.applyAll(snapshot, queued);
    if (this.value !== undefined && this.spec.equals?.(this.value, next)) return;
    this.set(next);
  }

  /**
   * Replaces the value with `fn(value)`: a change made on the client (e.g. a page of older items
   * prepended). Nothing happens before the first value or after stop().
   */
  update(fn: (value: T) => T): void {
    if (this.stopped || this.value === undefined) return;
    this.set(fn(this.value));
  }

  private onEvent(ev: RealtimeEvent): void {
    if (this.stopped || !this.spec.apply) return;
    if (this.inflight || this.value === undefined) {
      this.queue.push(ev);
      if (this.queue.length > MAX_QUEUE) {
        this.queue = [];
        void this.fetch();
      }
      return;
    }
    this.set(this.spec.apply(this.value, ev));
  }

  private applyAll(value: T, events: RealtimeEvent[]): T {
    const apply = this.spec.apply;
    return apply ? events.reduce((v, ev) => apply(v, ev), value) : value;
  }

  private set(next: T): void {
    if (next === this.value) return;
    this.value = next;
    for (const cb of [...this.observers]) cb(next);
  }

  private setError(err: Error): void {
    this.error = err;
    for (const cb of [...this.errorObservers]) cb(err);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }
}

/** One observer's view of a shared LiveCore. */
class LiveHandle<T> implements LiveValue<T> {
  private readonly mine = new Set<(v: T) => void>();
  private readonly myErrors = new Set<(e: Error) => void>();
  private _closed = false;

  constructor(
    private readonly core: LiveCore<T>,
    private readonly release: () => void,
  ) {}

  get value(): T | undefined {
    return this.core.value;
  }

  get error(): Error | undefined {
    return this.core.error;
  }

  get closed(): boolean {
    return this._closed;
  }

  observe(cb: (v: T) => void): () => void {
    if (this._closed) return () => {};
    // A wrapper per call, so observing twice with the same function gives two independent observers.
    const wrapped = (v: T): void => cb(v);
    this.mine.add(wrapped);
    this.core.observers.add(wrapped);
    if (this.core.value !== undefined) cb(this.core.value);
    return () => {
      this.mine.delete(wrapped);
      this.core.observers.delete(wrapped);
    };
  }

  onError(cb: (e: Error) => void): () => void {
    if (this._closed) return () => {};
    const wrapped = (e: Error): void => cb(e);
    this.myErrors.add(wrapped);
    this.core.errorObservers.add(wrapped);
    return () => {
      this.myErrors.delete(wrapped);
      this.core.errorObservers.delete(wrapped);
    };
  }

  ready(): Promise<T> {
    if (this.core.value !== undefined) return Promise.resolve(this.core.value);
    if (this.core.error !== undefined) return Promise.reject(this.core.error);
    return new Promise<T>((resolve, reject) => {
      const offValue = this.observe((v) => {
        offValue();
        offError();
        resolve(v);
      });
      const offError = this.onError((e) => {
        offValue();
        offError();
        reject(e);
      });
      if (this._closed) reject(new Error('cohost: the live value is closed'));
    });
  }

  refetch(): Promise<void> {
    return this._closed ? Promise.resolve() : this.core.fetch();
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const cb of this.mine) this.core.observers.delete(cb);
    for (const cb of this.myErrors) this.core.errorObservers.delete(cb);
    this.mine.clear();
    this.myErrors.clear();
    this.release();
  }
}

/** The shared cores of one client, by key. */
export class LiveRegistry {
  private readonly cores = new Map<string, LiveCore<unknown>>();

  constructor(
    private readonly realtime: Realtime,
    private readonly timing: LiveTiming = {},
  ) {}

  /** A new handle on the core of `spec.key`, creating (and starting) the core if needed. */
  open<T>(spec: LiveSpec<T>): LiveValue<T> {
    let core = this.cores.get(spec.key) as LiveCore<T> | undefined;
    if (!core) {
      core = new LiveCore<T>(spec, this.realtime, this.timing);
      this.cores.set(spec.key, core as LiveCore<unknown>);
      core.start();
    }
    const c = core;
    c.refs++;
    return new LiveHandle<T>(c, () => {
      c.refs--;
      if (c.refs === 0) {
        c.stop();
        if (this.cores.get(spec.key) === c) this.cores.delete(spec.key);
      }
    });
  }

  /** Applies a client-side change to the value of `key`'s core, if one is open (LiveCore.update). */
  update<T>(key: string, fn: (value: T) => T): void {
    (this.cores.get(key) as LiveCore<T> | undefined)?.update(fn);
  }

  /** Keys with at least one open handle. */
  keys(): string[] {
    return [...this.cores.keys()];
  }

  /** Stops every core (client.close()). */
  closeAll(): void {
    for (const core of this.cores.values()) core.stop();
    this.cores.clear();
  }
}
