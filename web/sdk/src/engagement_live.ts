/**
 * Live collections of the engagement features (product.md §7, docs/engagement.md), used by
 * CohostClient's observeMessages / observeModeration / observeRoomProducts / onReactionBurst:
 *
 * - the room's chat: the latest messages, oldest first, kept current by `chat.message` (appended,
 *   or replaced when already present) and `chat.deleted` (removed);
 * - the moderation states seen for the room's users (`chat.moderation`): there is no REST read of
 *   them, so the value starts empty and only grows from events (a refetch keeps what was seen);
 * - the room's products and pin (`products.updated` carries the whole list; `products.pinned` /
 *   `products.unpinned` update the pin at once);
 * - reaction bursts: a plain event stream (`reactions.burst`), not a value.
 *
 * The apply functions are pure and exported for tests.
 */
import type { LiveRegistry, LiveValue } from './live.js';
import type { ChatMessage, Moderation, RealtimeEvent, RoomProducts } from './models.js';
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
  /** Messages fetched from the history (the latest ones), default 50, at most 200. */
  limit?: number | undefined;
  /** Most messages kept in the value (the oldest go first), default 500, at least `limit`. */
  keep?: number | undefined;
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

/** The room's latest messages, oldest first, kept current by chat events. */
export function openMessages(live: LiveRegistry, api: CohostApi, roomId: string, opts: ChatOptions = {}): LiveValue<ChatMessage[]> {
  const limit = clampInt(opts.limit, 50, 1, 200);
  const keep = Math.max(limit, clampInt(opts.keep, 500, 1, 100_000));
  return live.open<ChatMessage[]>({
    key: `messages:${roomId}:${limit}:${keep}`,
    topic: () => `room:${roomId}`,
    fetch: async () => (await api.listMessages(roomId, { limit })).messages,
    apply: (list, ev) => applyChatEvent(list, ev, roomId, keep),
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
