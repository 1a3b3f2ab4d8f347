/**
 * Live collections of the engagement features (product.md §7, docs/engagement.md), used by
 * CohostClient's observeMessages / observeModeration / observeRoomProducts / onReactionBurst:
 *
 * - the room's chat: the latest messages, oldest first, kept current by `chat.message` (appended,
 *   or replaced when already present) and `chat.deleted` (removed), with paging back through the
 *   history (ChatLiveValue.loadEarlier: `GET …/messages?cursor=`, newest page first);
 * - the moderation states seen for the room's users (`chat.moderation`): there is no REST read of
 *   them, so the value starts empty and only grows from events (a refetch keeps what was seen);
 * - the room's products and pin (`products.updated` carries the whole list; `products.pinned` /
 *   `products.unpinned` update the pin at once);
 * - reaction bursts: a plain event stream (`reactions.burst`), not a value.
 *
 * The apply functions are pure and exported for tests.
 */
import { CohostError } from './errors.js';
import type { LiveRegistry, LiveValue } from './live.js';
import type { ChatMessage, MessageList, Moderation, RealtimeEvent, RoomProducts } from './models.js';
import type { Realtime } from './realtime.js';
import type { CohostApi } from './rest.js';

/** `data` of `reactions.burst`: counts per reaction name over one wall-clock second [from, to). */
export interface ReactionBurst {
  roomId: string;
  counts: Record<string, number>;
  from: string;
  to: string;
}

/** Options of observeMessages. */
export interface ChatOptions {
  /**
   * Messages fetched from the history (the latest ones), default 50, at most 200; also the default
   * page size of loadEarlier().
   */
  limit?: number | undefined;
  /**
   * Most messages new ones may accumulate to (the oldest go first), default 500, at least `limit`.
   * loadEarlier() raises the bound to what is then held plus `keep`, so the pages asked for survive
   * `keep` more new messages (nothing is dropped while a page loads); a refetch that starts the list
   * over sets it back to `keep`.
   */
  keep?: number | undefined;
}

/**
 * The handle of observeMessages: the live list (oldest first) plus paging back through the
 * history. `value`, `observe` and the rest behave as for every LiveValue; handles of the same room
 * and options share one list, so a page loaded through one handle shows in all of them.
 */
export interface ChatLiveValue extends LiveValue<ChatMessage[]> {
  /**
   * True while the server has messages older than the oldest in `value` (false before the first
   * value). It changes only together with `value` (observers are called), so a UI reading it on each
   * value stays current.
   */
  readonly hasEarlier: boolean;
  /** True while a loadEarlier() request runs (not observable: await the promise). */
  readonly loadingEarlier: boolean;
  /**
   * Loads the page of messages just before the oldest one in `value` (`limit`, default the
   * observeMessages `limit`, 1–200) and prepends it. Resolves with the number of messages added: 0
   * when there is nothing earlier, before the first value, on a closed handle, or when the list
   * started over (a refetch whose latest page no longer overlaps it) while the page was loading.
   * After new messages pushed the oldest out (`keep`), it first reads back from the newest to find
   * where the list starts (cursors are the server's), and adds what is older than that on the page.
   * Concurrent calls share one request. A refusal (e.g. `403 banned`) rejects with CohostError and
   * leaves the value unchanged.
   */
  loadEarlier(limit?: number): Promise<number>;
}

/** Moderation states by userId (the latest seen for each user). */
export type ModerationMap = Readonly<Record<string, Moderation>>;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function isMessage(v: unknown, roomId: string): v is ChatMessage {
  return isObject(v) && typeof v.messageId === 'string' && v.roomId === roomId && typeof v.text === 'string' &&
    isObject(v.author) && typeof v.author.userId === 'string';
}

/**
 * Applies a chat event to a message list (oldest first): `chat.message` appends (or replaces a
 * message already present), `chat.deleted` removes; at most `keep` messages stay. Returns `list`
 * itself when nothing changed.
 */
export function applyChatEvent(list: readonly ChatMessage[], ev: RealtimeEvent, roomId: string, keep = 500): ChatMessage[] {
  const current = list as ChatMessage[];
  if (ev.event === 'chat.message') {
    if (!isMessage(ev.data, roomId)) return current;
    const msg = ev.data;
    const at = list.findIndex((m) => m.messageId === msg.messageId);
    if (at >= 0) {
      const next = [...list];
      next[at] = msg;
      return next;
    }
    const next = [...list, msg];
    return next.length > keep ? next.slice(next.length - keep) : next;
  }
  if (ev.event === 'chat.deleted') {
    const data = ev.data;
    if (!isObject(data) || typeof data.messageId !== 'string' || (data.roomId !== undefined && data.roomId !== roomId)) return current;
    const next = list.filter((m) => m.messageId !== data.messageId);
    return next.length === list.length ? current : next;
  }
  return current;
}

/** Applies a `chat.moderation` event to a moderation map; `map` itself when nothing changed. */
export function applyModerationEvent(map: ModerationMap, ev: RealtimeEvent, roomId: string): ModerationMap {
  if (ev.event !== 'chat.moderation') return map;
  const data = ev.data;
  if (!isObject(data) || typeof data.userId !== 'string' || data.roomId !== roomId) return map;
  return { ...map, [data.userId]: data as unknown as Moderation };
}

/**
 * Applies a products event: `products.updated` replaces the whole value, `products.pinned` sets the
 * pin, `products.unpinned` clears it when it names the pinned product. `value` itself when unchanged.
 */
export function applyProductsEvent(value: RoomProducts, ev: RealtimeEvent, roomId: string): RoomProducts {
  const data = ev.data;
  if (!isObject(data) || data.roomId !== roomId) return value;
  switch (ev.event) {
    case 'products.updated':
      return Array.isArray(data.products) ? (data as unknown as RoomProducts) : value;
    case 'products.pinned':
      return typeof data.productId === 'string' && value.pinnedProductId !== data.productId
        ? { ...value, pinnedProductId: data.productId }
        : value;
    case 'products.unpinned':
      return typeof data.productId === 'string' && value.pinnedProductId === data.productId
        ? { ...value, pinnedProductId: null }
        : value;
    default:
      return value;
  }
}

/** The `data` of a `reactions.burst` event as a ReactionBurst, or undefined when malformed. */
export function parseReactionBurst(ev: RealtimeEvent, roomId: string): ReactionBurst | undefined {
  if (ev.event !== 'reactions.burst') return undefined;
  const data = ev.data;
  if (!isObject(data) || data.roomId !== roomId || !isObject(data.counts)) return undefined;
  const counts: Record<string, number> = {};
  for (const [name, n] of Object.entries(data.counts)) {
    if (typeof n === 'number' && Number.isFinite(n) && n > 0) counts[name] = Math.floor(n);
  }
  return { roomId, counts, from: String(data.from ?? ''), to: String(data.to ?? '') };
}

const clampInt = (v: number | undefined, dflt: number, lo: number, hi: number): number =>
  v === undefined || !Number.isFinite(v) ? dflt : Math.min(hi, Math.max(lo, Math.floor(v)));

/** Adds `older` (oldest first) in front of `list`, leaving out messages `list` already has. */
export function prependMessages(list: readonly ChatMessage[], older: readonly ChatMessage[]): ChatMessage[] {
  const seen = new Set(list.map((m) => m.messageId));
  const fresh: ChatMessage[] = [];
  for (const m of older) {
    if (seen.has(m.messageId)) continue;
    seen.add(m.messageId);
    fresh.push(m);
  }
  return [...fresh, ...list];
}

/**
 * Joins a refetched latest page to the current list: when the page's oldest message is in `list`,
 * the messages before it are kept (history paged in earlier stays) and the page replaces the rest
 * (so what was deleted meanwhile goes); otherwise the page alone. `joined` says which.
 */
export function joinLatest(list: readonly ChatMessage[], page: readonly ChatMessage[]): { list: ChatMessage[]; joined: boolean } {
  const first = page[0];
  const at = first ? list.findIndex((m) => m.messageId === first.messageId) : -1;
  if (at < 0) return { list: [...page], joined: false };
  return { list: prependMessages(page, list.slice(0, at)), joined: true };
}

/** Most pages read from the newest to find where the list starts again after its oldest were dropped. */
const MAX_ANCHOR_PAGES = 50;

/**
 * The state of one shared chat list: a mirror of its LiveCore's value (every change goes through
 * the spec's fetch and apply, or update()), the history cursor before its oldest message, and the
 * loadEarlier() in flight.
 */
class ChatWindow {
  list: ChatMessage[] = [];
  /** The server cursor for the messages before list[0]; null: nothing earlier. */
  cursor: string | null = null;
  /** list's oldest messages were dropped (keep): `cursor` no longer starts right before list[0]. */
  stale = false;
  /** The bound new messages trim to: `keep`, raised by loadEarlier() to what it holds plus `keep`. */
  cap: number;
  /** Bumped whenever the list starts over: a page asked for before no longer fits. */
  epoch = 0;
  loaded = false;
  loading: Promise<number> | undefined;

  constructor(
    private readonly live: LiveRegistry,
    private readonly api: CohostApi,
    private readonly roomId: string,
    readonly key: string,
    readonly limit: number,
    readonly keep: number,
  ) {
    this.cap = keep;
  }

  get hasEarlier(): boolean {
    return this.loaded && (this.stale || this.cursor !== null);
  }

  /** LiveSpec.fetch: the latest page, joined to what is held. */
  async fetch(): Promise<ChatMessage[]> {
    const page = await this.api.listMessages(this.roomId, { limit: this.limit });
    const joined = this.loaded ? joinLatest(this.list, page.messages) : { list: page.messages, joined: false };
    if (!joined.joined) {
      this.cursor = page.nextCursor;
      this.stale = false;
      this.cap = this.keep;
      this.epoch++;
    }
    this.loaded = true;
    this.list = this.trim(joined.list);
    return this.list;
  }

  /** LiveSpec.apply: a chat event, then the cap. */
  apply(list: ChatMessage[], ev: RealtimeEvent): ChatMessage[] {
    const next = applyChatEvent(list, ev, this.roomId, Number.MAX_SAFE_INTEGER);
    this.list = next === list ? list : this.trim(next);
    return this.list;
  }

  /** Drops the oldest beyond the cap, except while a page loads (it must join the list it started from). */
  private trim(list: ChatMessage[]): ChatMessage[] {
    if (list.length <= this.cap || this.loading) return list;
    this.stale = true;
    return list.slice(list.length - this.cap);
  }

  loadEarlier(limit: number | undefined): Promise<number> {
    if (this.loading) return this.loading;
    if (!this.hasEarlier || this.list.length === 0) return Promise.resolve(0);
    const pageSize = clampInt(limit, this.limit, 1, 200);
    this.loading = this.load(pageSize).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(pageSize: number): Promise<number> {
    const epoch = this.epoch;
    let older: ChatMessage[] = [];
    let cursor = this.cursor;
    if (this.stale) {
      const anchor = this.list[0]!;
      ({ older, cursor } = await this.anchor(anchor));
    }
    if (older.length === 0 && cursor !== null) {
      const page: MessageList = await this.api.listMessages(this.roomId, { limit: pageSize, cursor });
      older = page.messages;
      cursor = page.nextCursor;
    }
    if (epoch !== this.epoch) return 0; // the list started over meanwhile
    const before = this.list.length;
    this.list = prependMessages(this.list, older);
    this.cursor = cursor;
    this.stale = false;
    this.cap = this.list.length + this.keep;
    const added = this.list.length - before;
    // A new array even when nothing was added: hasEarlier changed, and observers must hear it.
    if (added === 0) this.list = [...this.list];
    const list = this.list;
    this.live.update<ChatMessage[]>(this.key, () => list);
    return added;
  }

  /**
   * After the oldest messages were dropped, the cursor before list[0] is unknown (cursors are the
   * server's): reads pages from the newest until `anchor`, and answers the messages before it on
   * that page and the page's cursor. When `anchor` was deleted meanwhile, what is older by
   * createdAt stands in.
   */
  private async anchor(anchor: ChatMessage): Promise<{ older: ChatMessage[]; cursor: string | null }> {
    let cursor: string | undefined;
    for (let i = 0; i < MAX_ANCHOR_PAGES; i++) {
      const page = await this.api.listMessages(this.roomId, cursor ? { limit: 200, cursor } : { limit: 200 });
      const at = page.messages.findIndex((m) => m.messageId === anchor.messageId);
      if (at >= 0) return { older: page.messages.slice(0, at), cursor: page.nextCursor };
      const first = page.messages[0];
      if (first && first.createdAt < anchor.createdAt) {
        return { older: page.messages.filter((m) => m.createdAt < anchor.createdAt), cursor: page.nextCursor };
      }
      if (!page.nextCursor) return { older: [], cursor: null };
      cursor = page.nextCursor;
    }
    throw new CohostError(0, 'history_unavailable', `more than ${MAX_ANCHOR_PAGES * 200} newer messages to read back through`);
  }
}

/** ChatLiveValue over a registry handle and its shared ChatWindow. */
class ChatHandle implements ChatLiveValue {
  constructor(
    private readonly inner: LiveValue<ChatMessage[]>,
    private readonly window: ChatWindow,
    private readonly release: () => void,
  ) {}

  get value(): ChatMessage[] | undefined {
    return this.inner.value;
  }

  get error(): Error | undefined {
    return this.inner.error;
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  get hasEarlier(): boolean {
    return !this.inner.closed && this.window.hasEarlier;
  }

  get loadingEarlier(): boolean {
    return !this.inner.closed && this.window.loading !== undefined;
  }

  observe(cb: (v: ChatMessage[]) => void): () => void {
    return this.inner.observe(cb);
  }

  onError(cb: (e: Error) => void): () => void {
    return this.inner.onError(cb);
  }

  ready(): Promise<ChatMessage[]> {
    return this.inner.ready();
  }

  refetch(): Promise<void> {
    return this.inner.refetch();
  }

  loadEarlier(limit?: number): Promise<number> {
    return this.inner.closed ? Promise.resolve(0) : this.window.loadEarlier(limit);
  }

  close(): void {
    if (this.inner.closed) return;
    this.inner.close();
    this.release();
  }
}

/** The chat windows of each registry, by live key (dropped with the last handle). */
const windows = new WeakMap<LiveRegistry, Map<string, ChatWindow>>();

/** The room's latest messages, oldest first, kept current by chat events, with paging back. */
export function openMessages(live: LiveRegistry, api: CohostApi, roomId: string, opts: ChatOptions = {}): ChatLiveValue {
  const limit = clampInt(opts.limit, 50, 1, 200);
  const keep = Math.max(limit, clampInt(opts.keep, 500, 1, 100_000));
  const key = `messages:${roomId}:${limit}:${keep}`;
  let byKey = windows.get(live);
  if (!byKey) windows.set(live, (byKey = new Map()));
  let win = byKey.get(key);
  if (!win || !live.keys().includes(key)) {
    const w = new ChatWindow(live, api, roomId, key, limit, keep);
    byKey.set(key, (win = w));
  }
  const w = win;
  const inner = live.open<ChatMessage[]>({
    key,
    topic: () => `room:${roomId}`,
    fetch: () => w.fetch(),
    apply: (list, ev) => w.apply(list, ev),
  });
  const registry = byKey;
  return new ChatHandle(inner, w, () => {
    if (!live.keys().includes(key) && registry.get(key) === w) registry.delete(key);
  });
}

/** Moderation states seen for the room's users since observing (no REST read exists). */
export function openModeration(live: LiveRegistry, roomId: string): LiveValue<ModerationMap> {
  // A refetch (first confirmation, resync) answers what was seen so far: the events are the only source.
  let seen: ModerationMap = {};
  return live.open<ModerationMap>({
    key: `moderation:${roomId}`,
    topic: () => `room:${roomId}`,
    fetch: () => Promise.resolve(seen),
    apply: (map, ev) => {
      const next = applyModerationEvent(map, ev, roomId);
      seen = next; // the value always holds everything seen: a refetch answers it unchanged
      return next;
    },
    equals: (a, b) => a === b,
  });
}

/** The room's tagged products and pin, kept current by `products.*` events. */
export function openRoomProducts(live: LiveRegistry, api: CohostApi, roomId: string): LiveValue<RoomProducts> {
  return live.open<RoomProducts>({
    key: `room-products:${roomId}`,
    topic: () => `room:${roomId}`,
    fetch: () => api.listRoomProducts(roomId),
    apply: (value, ev) => applyProductsEvent(value, ev, roomId),
  });
}

/** Calls `cb` with every `reactions.burst` of the room; returns the unsubscribe. */
export function subscribeReactionBursts(realtime: Realtime, roomId: string, cb: (burst: ReactionBurst) => void): () => void {
  return realtime.subscribe(`room:${roomId}`, (ev) => {
    const burst = parseReactionBurst(ev, roomId);
    if (burst) cb(burst);
  });
}
