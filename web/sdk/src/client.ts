/**
 * CohostClient: the REST API (CohostApi) plus the realtime socket, the live collections and
 * media. One client per logged-in user; close() ends its socket, live values and media sessions.
 */
import {
  openMessages, openModeration, openRoomProducts, subscribeReactionBursts, type ChatLiveValue, type ChatOptions,
  type ModerationMap, type ReactionBurst,
} from './engagement_live.js';
import { Http, normalizeBaseUrl, type FetchLike } from './http.js';
import { LiveRegistry, type LiveTiming, type LiveValue } from './live.js';
import { MediaSession, createPreview, type Preview, type PreviewOptions, type SessionOptions } from './media.js';
import type {
  DevLoginResponse, Invitation, InvitationList, InvitationStatus, RealtimeEvent, Room, RoomProducts,
  StageEventData, StageMember, User,
} from './models.js';
import { Realtime, type RealtimeOptions, type WebSocketConstructor } from './realtime.js';
import { CohostApi } from './rest.js';

export interface CohostClientOptions {
  /** The server, e.g. `http://127.0.0.1:7880` or `window.location.origin`. */
  baseUrl: string;
  /** A user token, or an app-backend token. */
  token: string;
  /** The user, when already known (dev login). */
  me?: User | undefined;
  /** WebSocket class for the realtime socket (default: the global one; in Node 20 pass `ws`'s). */
  WebSocket?: WebSocketConstructor | undefined;
  /** fetch for REST calls (default: the global one). */
  fetch?: FetchLike | undefined;
  /** REST request timeout in ms (default 30,000; 0 = none). */
  requestTimeoutMs?: number | undefined;
  /** Realtime tuning: ping period and timeout, reconnect backoff. */
  realtime?: Omit<RealtimeOptions, 'WebSocket'> | undefined;
  /** Live collection tuning. */
  live?: LiveTiming | undefined;
  /** observeLiveRooms() refetch period in ms (default 5,000). */
  liveRoomsPollMs?: number | undefined;
}

/** The `sub` of a JWT, without verifying it (the server does); undefined when absent or unreadable. */
export function tokenSubject(token: string): string | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown };
    return typeof payload.sub === 'string' && payload.sub ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}

const PAGE_LIMIT = 200;
const MAX_PAGES = 50;

/** Every item of a paged collection (bounded to MAX_PAGES pages). */
async function collect<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const r = await page(cursor);
    out.push(...r.items);
    if (!r.nextCursor) break;
    cursor = r.nextCursor;
  }
  return out;
}

/** Host first, then co-hosts by joinedAt (then userId). */
export function sortStage(members: StageMember[]): StageMember[] {
  return [...members].sort((a, b) => {
    if (a.role !== b.role) return a.role === 'host' ? -1 : 1;
    if (a.joinedAt !== b.joinedAt) return a.joinedAt < b.joinedAt ? -1 : 1;
    return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
  });
}

/** Newest first by createdAt (then invitationId), like the API. */
function sortInvitations(list: Invitation[]): Invitation[] {
  return [...list].sort((a, b) => {
    if (a.createdAt !== b.createdAt) return a.createdAt > b.createdAt ? -1 : 1;
    return a.invitationId > b.invitationId ? -1 : a.invitationId < b.invitationId ? 1 : 0;
  });
}

/** Applies an `invitation.*` event to a pending list: pending → upsert, anything else → removed. */
function applyInvitation(list: Invitation[], ev: RealtimeEvent, keep: (inv: Invitation) => boolean): Invitation[] {
  if (!ev.event.startsWith('invitation.')) return list;
  const inv = ev.data as Invitation | undefined;
  if (!inv || typeof inv.invitationId !== 'string' || !keep(inv)) return list;
  const rest = list.filter((i) => i.invitationId !== inv.invitationId);
  if (inv.status === 'pending') return sortInvitations([...rest, inv]);
  return rest.length === list.length ? list : rest;
}

/** Applies a `stage.*` event to the members: `stage.left` removes, the others upsert. */
function applyStage(members: StageMember[], ev: RealtimeEvent, roomId: string): StageMember[] {
  if (!ev.event.startsWith('stage.')) return members;
  const data = ev.data as StageEventData | undefined;
  if (!data || typeof data.userId !== 'string' || data.roomId !== roomId) return members;
  const rest = members.filter((m) => m.userId !== data.userId);
  if (ev.event === 'stage.left') return rest.length === members.length ? members : rest;
  const { reason: _reason, ...member } = data;
  return sortStage([...rest, member]);
}

/** Media entry points (`client.media`). */
export class CohostMedia {
  /** Sessions not yet disconnected (left by client.close()). */
  readonly sessions = new Set<MediaSession>();
  private closed = false;

  constructor(private readonly client: CohostClient) {}

  /** Local camera + microphone tracks for the backstage preview. */
  createPreview(opts?: PreviewOptions): Promise<Preview> {
    return createPreview(opts);
  }

  /** Host: broadcast credentials, connect, publish camera + mic. */
  goLive(roomId: string, opts: SessionOptions = {}): Promise<MediaSession> {
    return this.open(roomId, 'host', opts);
  }

  /** Approved co-host on stage: the same, as a co-host. */
  joinStage(roomId: string, opts: SessionOptions = {}): Promise<MediaSession> {
    return this.open(roomId, 'cohost', opts);
  }

  /** Viewer: viewer credentials, subscribe only. */
  watch(roomId: string, opts: Omit<SessionOptions, 'preview'> = {}): Promise<MediaSession> {
    return this.open(roomId, 'viewer', opts);
  }

  private async open(roomId: string, role: 'host' | 'cohost' | 'viewer', opts: SessionOptions): Promise<MediaSession> {
    const creds = role === 'viewer' ? await this.client.viewerToken(roomId) : await this.client.broadcastToken(roomId);
    const session = await MediaSession.open(roomId, role, creds, opts, (s) => this.sessions.delete(s));
    if (this.closed) await session.leave(); // the client closed while connecting
    else if (session.state !== 'disconnected') this.sessions.add(session);
    return session;
  }

  /** Leaves every session (and any still connecting). */
  closeAll(): void {
    this.closed = true;
    for (const s of [...this.sessions]) void s.leave();
    this.sessions.clear();
  }
}

export class CohostClient extends CohostApi {
  /** The realtime socket (opened on the first subscribe). */
  readonly realtime: Realtime;
  /** Camera preview and media sessions. */
  readonly media: CohostMedia;
  private readonly live: LiveRegistry;
  private readonly liveRoomsPollMs: number;
  private closed = false;

  constructor(opts: CohostClientOptions) {
    super({ baseUrl: opts.baseUrl, token: opts.token, ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}) });
    this.me = opts.me;
    const wsBase = this.baseUrl.replace(/^http(s?):\/\//i, 'ws$1://');
    this.realtime = new Realtime(() => `${wsBase}/v1/realtime?token=${encodeURIComponent(this.token)}`,
      { ...opts.realtime, WebSocket: opts.WebSocket });
    this.live = new LiveRegistry(this.realtime, opts.live);
    this.media = new CohostMedia(this);
    this.liveRoomsPollMs = opts.liveRoomsPollMs ?? 5_000;
  }

  /**
   * POST /v1/auth/dev-login `{userId, displayName}` and a client for that user (`me` set).
   * `options` takes the other CohostClientOptions (WebSocket, fetch, ...).
   */
  static async devLogin(baseUrl: string, userId: string, displayName?: string,
    options: Omit<CohostClientOptions, 'baseUrl' | 'token' | 'me'> = {}): Promise<CohostClient> {
    const http = new Http({ baseUrl: normalizeBaseUrl(baseUrl), fetch: options.fetch, timeoutMs: options.requestTimeoutMs });
    const body: { userId: string; displayName?: string } = { userId };
    if (displayName !== undefined) body.displayName = displayName;
    const r = await http.request<DevLoginResponse>('POST', '/v1/auth/dev-login', { body, anonymous: true });
    return new CohostClient({ ...options, baseUrl, token: r.token, me: r.user });
  }

  /** The calling user's id: `me.userId`, else the token's `sub`; undefined for an app-backend token. */
  get userId(): string | undefined {
    return this.me?.userId ?? tokenSubject(this.token);
  }

  /** Closes the realtime socket, every live value and every media session. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.live.closeAll();
    this.realtime.close();
    this.media.closeAll();
  }

  // ---- media shortcuts (README surface) ------------------------------------------------------

  /** Host: see CohostMedia.goLive. */
  goLive(roomId: string, opts?: SessionOptions): Promise<MediaSession> {
    return this.media.goLive(roomId, opts);
  }

  /** Approved co-host: see CohostMedia.joinStage. */
  joinStage(roomId: string, opts?: SessionOptions): Promise<MediaSession> {
    return this.media.joinStage(roomId, opts);
  }

  /** Viewer: see CohostMedia.watch. */
  watch(roomId: string, opts?: Omit<SessionOptions, 'preview'>): Promise<MediaSession> {
    return this.media.watch(roomId, opts);
  }

  // ---- live collections ----------------------------------------------------------------------

  /** The room, kept current by `room.*` events. */
  observeRoom(roomId: string): LiveValue<Room> {
    return this.live.open<Room>({
      key: `room:${roomId}`,
      topic: () => `room:${roomId}`,
      fetch: () => this.getRoom(roomId),
      apply: (room, ev) => {
        const data = ev.data as Room | undefined;
        return ev.event.startsWith('room.') && data?.roomId === roomId ? data : room;
      },
    });
  }

  /** The stage members: the host first, then co-hosts by joinedAt; kept current by `stage.*` events. */
  observeStage(roomId: string): LiveValue<StageMember[]> {
    return this.live.open<StageMember[]>({
      key: `stage:${roomId}`,
      topic: () => `room:${roomId}`,
      fetch: async () => sortStage((await this.getStage(roomId)).members),
      apply: (members, ev) => applyStage(members, ev, roomId),
    });
  }

  /**
   * The room's pending invitations, newest first (for its host, or the app backend), kept current
   * by `invitation.*` events on the host's user topic.
   */
  observeRoomInvitations(roomId: string): LiveValue<Invitation[]> {
    return this.live.open<Invitation[]>({
      key: `room-invitations:${roomId}`,
      topic: async () => `user:${this.userId ?? (await this.getRoom(roomId)).hostUserId}`,
      fetch: () => this.allInvitations((cursor) => this.listRoomInvitations(roomId, this.pendingPage(cursor))),
      apply: (list, ev) => applyInvitation(list, ev, (inv) => inv.roomId === roomId),
    });
  }

  /** My pending invitations, newest first, kept current by `invitation.*` events on my user topic. */
  observeMyInvitations(): LiveValue<Invitation[]> {
    return this.live.open<Invitation[]>({
      key: 'my-invitations',
      topic: async () => `user:${this.userId ?? (await this.getMe()).userId}`,
      fetch: () => this.allInvitations((cursor) => this.myInvitations(this.pendingPage(cursor))),
      apply: (list, ev) => applyInvitation(list, ev, (inv) => inv.inviteeUserId === this.userId),
    });
  }

  /** The number of viewers, kept current by `viewers.count` events (this subscription counts as watching). */
  observeViewerCount(roomId: string): LiveValue<number> {
    return this.live.open<number>({
      key: `viewers:${roomId}`,
      topic: () => `room:${roomId}`,
      fetch: async () => (await this.listViewers(roomId, { limit: 1 })).count,
      apply: (count, ev) => {
        const data = ev.data as { count?: unknown } | undefined;
        return ev.event === 'viewers.count' && typeof data?.count === 'number' ? data.count : count;
      },
    });
  }

  // Engagement (engagement_live.ts): chat, moderation states, room products, reaction bursts.

  /**
   * The room's latest messages (`limit`, default 50), oldest first, kept current by chat events;
   * `loadEarlier()` on the handle pages back through the history.
   */
  observeMessages(roomId: string, opts?: ChatOptions): ChatLiveValue {
    return openMessages(this.live, this, roomId, opts);
  }

  /** Moderation states seen since observing, by userId (`chat.moderation`; starts empty: no REST read). */
  observeModeration(roomId: string): LiveValue<ModerationMap> {
    return openModeration(this.live, roomId);
  }

  /** The room's tagged products and its pin, kept current by `products.*` events. */
  observeRoomProducts(roomId: string): LiveValue<RoomProducts> {
    return openRoomProducts(this.live, this, roomId);
  }

  /** Calls `cb` with each `reactions.burst` of the room (counts per name per second); returns the unsubscribe. */
  onReactionBurst(roomId: string, cb: (burst: ReactionBurst) => void): () => void {
    return subscribeReactionBursts(this.realtime, roomId, cb);
  }

  /**
   * Rooms with status `live`, newest first. There is no topic for the room list, so it is
   * refetched every `liveRoomsPollMs` (subscribing to every room would count us as a viewer).
   */
  observeLiveRooms(): LiveValue<Room[]> {
    return this.live.open<Room[]>({
      key: 'live-rooms',
      fetch: () => collect(async (cursor) => {
        const r = await this.listRooms({ status: 'live', limit: PAGE_LIMIT, ...(cursor ? { cursor } : {}) });
        return { items: r.rooms, nextCursor: r.nextCursor };
      }),
      pollMs: this.liveRoomsPollMs,
      equals: (a, b) => JSON.stringify(a) === JSON.stringify(b),
    });
  }

  private pendingPage(cursor: string | undefined): { status: InvitationStatus; limit: number; cursor?: string } {
    return cursor ? { status: 'pending', limit: PAGE_LIMIT, cursor } : { status: 'pending', limit: PAGE_LIMIT };
  }

  private async allInvitations(page: (cursor: string | undefined) => Promise<InvitationList>): Promise<Invitation[]> {
    return sortInvitations(await collect(async (cursor) => {
      const r = await page(cursor);
      return { items: r.invitations, nextCursor: r.nextCursor };
    }));
  }
}
