/**
 * CohostApi: one typed method per REST route of docs/api/openapi.yaml. Each resolves with the
 * resource the server answers (top-level JSON) and rejects with CohostError on a refusal.
 * CohostClient (client.ts) extends it with realtime, live collections and media.
 */
import { CohostError } from './errors.js';
import { Http, seg, type FetchLike } from './http.js';
import type {
  ChatMessage, CreateProductRequest, CreateRoomRequest, Credentials, DeletedMessage, Health, Invitation,
  InvitationList, InvitationStatus, MessageList, Moderation, ModerationRequest, PageParams, Product, ProductList,
  ProductStats, PutUserRequest, Room, RoomList, RoomProducts, RoomStatus, Stage, StageMember, UpdateProductRequest,
  UpdateRoomRequest, UpdateStageMemberRequest, User, UserList, ViewerList,
} from './models.js';

export interface InviteOptions {
  /** 10–3,600 s (server default 120). */
  expiresInSeconds?: number | undefined;
  /**
   * The `Idempotency-Key` header. Without one the SDK generates a key per call, so its own retry
   * after a network failure (one retry) cannot create a second invitation.
   */
  idempotencyKey?: string | undefined;
}

/** A random 128-bit hex key (crypto.getRandomValues works in insecure browser contexts too). */
export function randomKey(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface CohostApiOptions {
  /** The server, e.g. `http://127.0.0.1:7880` (the demo passes `window.location.origin`). */
  baseUrl: string;
  /** A user token (dev login or minted by the app backend) or an app-backend token. */
  token: string;
  /** Injected fetch (default: the global one). */
  fetch?: FetchLike;
  /** REST request timeout in ms (default 30,000; 0 = none). */
  requestTimeoutMs?: number;
}

export class CohostApi {
  protected readonly http: Http;
  /** The calling user once known (dev login, getMe()); undefined for an app-backend token. */
  me: User | undefined;

  constructor(opts: CohostApiOptions) {
    this.http = new Http({ baseUrl: opts.baseUrl, token: opts.token, fetch: opts.fetch, timeoutMs: opts.requestTimeoutMs });
  }

  /** The server's base URL (no trailing slash). */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** The bearer token in use. */
  get token(): string {
    return this.http.token ?? '';
  }

  /**
   * Replaces the token (e.g. a refreshed one) for every later REST call and realtime connect; an
   * open realtime socket keeps its session until it reconnects.
   */
  setToken(token: string): void {
    this.http.token = token;
  }

  // ---- ops, auth, users ---------------------------------------------------------------------

  /** GET /healthz (no token needed). */
  healthz(): Promise<Health> {
    return this.http.request('GET', '/healthz', { anonymous: true });
  }

  /** GET /v1/me; remembers the answer in `me`. */
  async getMe(): Promise<User> {
    const user = await this.http.request<User>('GET', '/v1/me');
    this.me = user;
    return user;
  }

  /** GET /v1/users?query= — users whose userId or display name starts with `query`. */
  searchUsers(query?: string, params: PageParams = {}): Promise<UserList> {
    return this.http.request('GET', '/v1/users', { query: { query, ...params } });
  }

  /** PUT /v1/users/{userId} (app backend only). */
  putUser(userId: string, body: PutUserRequest): Promise<User> {
    return this.http.request('PUT', `/v1/users/${seg(userId)}`, { body });
  }

  // ---- rooms --------------------------------------------------------------------------------

  /** GET /v1/rooms — newest first, optionally filtered by status. */
  listRooms(params: PageParams & { status?: RoomStatus | undefined } = {}): Promise<RoomList> {
    return this.http.request('GET', '/v1/rooms', { query: { ...params } });
  }

  /** POST /v1/rooms — the caller becomes the host (an app backend names `hostUserId`). */
  createRoom(body: CreateRoomRequest): Promise<Room> {
    return this.http.request('POST', '/v1/rooms', { body });
  }

  getRoom(roomId: string): Promise<Room> {
    return this.http.request('GET', `/v1/rooms/${seg(roomId)}`);
  }

  /** PATCH /v1/rooms/{roomId} — only the fields present change. */
  updateRoom(roomId: string, patch: UpdateRoomRequest): Promise<Room> {
    return this.http.request('PATCH', `/v1/rooms/${seg(roomId)}`, { body: patch });
  }

  /**
   * PATCH /v1/rooms/{roomId} `{slowModeSeconds}` — slow mode for viewers (host and co-hosts are
   * exempt): `seconds` 0 (off) to 300, a whole number. Only the room's host and the app backend may
   * (`403 not_host` otherwise); out of range: `400 invalid_argument`; ended room: `409 room_ended`.
   * A value that is not a whole number is refused here (CohostError `invalid_argument`, status 400,
   * nothing sent). Resolves with the room; subscribers of `room:{roomId}` get `room.updated`.
   */
  setSlowMode(roomId: string, seconds: number): Promise<Room> {
    if (!Number.isInteger(seconds)) {
      return Promise.reject(new CohostError(400, 'invalid_argument', 'slowModeSeconds must be a whole number of seconds', { field: 'slowModeSeconds' }));
    }
    return this.updateRoom(roomId, { slowModeSeconds: seconds });
  }

  /** POST /v1/rooms/{roomId}/stop — ends the room for good. */
  stopRoom(roomId: string): Promise<Room> {
    return this.http.request('POST', `/v1/rooms/${seg(roomId)}/stop`);
  }

  // ---- media credentials --------------------------------------------------------------------

  /** POST …/broadcast-token — publisher credentials for the host and co-hosts on stage. */
  broadcastToken(roomId: string): Promise<Credentials> {
    return this.http.request('POST', `/v1/rooms/${seg(roomId)}/broadcast-token`);
  }

  /** POST …/viewer-token — subscribe-only credentials, a new hidden identity per call. */
  viewerToken(roomId: string): Promise<Credentials> {
    return this.http.request('POST', `/v1/rooms/${seg(roomId)}/viewer-token`);
  }

  // ---- invitations --------------------------------------------------------------------------

  /**
   * POST /v1/rooms/{roomId}/invitations with an `Idempotency-Key` (given or generated). A network
   * failure is retried once with the same key, so at most one invitation is created.
   */
  async invite(roomId: string, inviteeUserId: string, opts: InviteOptions = {}): Promise<Invitation> {
    const body: { inviteeUserId: string; expiresInSeconds?: number } = { inviteeUserId };
    if (opts.expiresInSeconds !== undefined) body.expiresInSeconds = opts.expiresInSeconds;
    const headers = { 'idempotency-key': opts.idempotencyKey ?? randomKey() };
    const path = `/v1/rooms/${seg(roomId)}/invitations`;
    try {
      return await this.http.request<Invitation>('POST', path, { body, headers });
    } catch (err) {
      if (!(err instanceof CohostError) || err.status !== 0) throw err;
      return this.http.request<Invitation>('POST', path, { body, headers });
    }
  }

  /** GET /v1/rooms/{roomId}/invitations (host, app backend) — newest first. */
  listRoomInvitations(roomId: string, params: PageParams & { status?: InvitationStatus | undefined } = {}): Promise<InvitationList> {
    return this.http.request('GET', `/v1/rooms/${seg(roomId)}/invitations`, { query: { ...params } });
  }

  /** GET /v1/me/invitations — invitations addressed to the caller, newest first. */
  myInvitations(params: PageParams & { status?: InvitationStatus | undefined } = {}): Promise<InvitationList> {
    return this.http.request('GET', '/v1/me/invitations', { query: { ...params } });
  }

  getInvitation(invitationId: string): Promise<Invitation> {
    return this.http.request('GET', `/v1/invitations/${seg(invitationId)}`);
  }

  /** The invitee accepts: it joins the stage as a co-host, `backstage`. */
  acceptInvitation(invitationId: string): Promise<Invitation> {
    return this.http.request('POST', `/v1/invitations/${seg(invitationId)}/accept`);
  }

  rejectInvitation(invitationId: string): Promise<Invitation> {
    return this.http.request('POST', `/v1/invitations/${seg(invitationId)}/reject`);
  }

  /** The host (or app backend) withdraws a pending invitation. */
  cancelInvitation(invitationId: string): Promise<Invitation> {
    return this.http.request('POST', `/v1/invitations/${seg(invitationId)}/cancel`);
  }

  // ---- stage --------------------------------------------------------------------------------

  /** GET …/stage — `{roomId, maxCoHosts, members}`, the host first, then co-hosts by joinedAt. */
  getStage(roomId: string): Promise<Stage> {
    return this.http.request('GET', `/v1/rooms/${seg(roomId)}/stage`);
  }

  /** The calling co-host leaves the stage (keeps watching). */
  leaveStage(roomId: string): Promise<Stage> {
    return this.http.request('POST', `/v1/rooms/${seg(roomId)}/stage/leave`);
  }

  /** The host removes a co-host. */
  removeFromStage(roomId: string, userId: string): Promise<Stage> {
    return this.http.request('DELETE', `/v1/rooms/${seg(roomId)}/stage/${seg(userId)}`);
  }

  /** The host changes a co-host's permissions. */
  updateStageMember(roomId: string, userId: string, patch: UpdateStageMemberRequest): Promise<StageMember> {
    return this.http.request('PATCH', `/v1/rooms/${seg(roomId)}/stage/${seg(userId)}`, { body: patch });
  }

  // ---- engagement ---------------------------------------------------------------------------

  /** GET …/messages — without a cursor the latest messages, oldest first within the page. */
  listMessages(roomId: string, params: PageParams = {}): Promise<MessageList> {
    return this.http.request('GET', `/v1/rooms/${seg(roomId)}/messages`, { query: { ...params } });
  }

  /** POST …/messages `{text}`. */
  sendMessage(roomId: string, text: string): Promise<ChatMessage> {
    return this.http.request('POST', `/v1/rooms/${seg(roomId)}/messages`, { body: { text } });
  }

  deleteMessage(roomId: string, messageId: string): Promise<DeletedMessage> {
    return this.http.request('DELETE', `/v1/rooms/${seg(roomId)}/messages/${seg(messageId)}`);
  }

  /** POST …/moderation `{action, userId, durationSeconds?}`. */
  moderate(roomId: string, body: ModerationRequest): Promise<Moderation> {
    return this.http.request('POST', `/v1/rooms/${seg(roomId)}/moderation`, { body });
  }

  /** POST …/reactions `{reaction}` (fire-and-forget; `202`). */
  async react(roomId: string, reaction: string): Promise<void> {
    await this.http.request('POST', `/v1/rooms/${seg(roomId)}/reactions`, { body: { reaction } });
  }

  /** GET …/viewers — `{count, viewers, nextCursor}`. */
  listViewers(roomId: string, params: PageParams = {}): Promise<ViewerList> {
    return this.http.request('GET', `/v1/rooms/${seg(roomId)}/viewers`, { query: { ...params } });
  }

  // ---- products -----------------------------------------------------------------------------

  /** GET /v1/products?query= — the catalogue, newest first. */
  listProducts(params: PageParams & { query?: string | undefined } = {}): Promise<ProductList> {
    return this.http.request('GET', '/v1/products', { query: { ...params } });
  }

  /** POST /v1/products (app backend). */
  createProduct(body: CreateProductRequest): Promise<Product> {
    return this.http.request('POST', '/v1/products', { body });
  }

  getProduct(productId: string): Promise<Product> {
    return this.http.request('GET', `/v1/products/${seg(productId)}`);
  }

  /** PATCH /v1/products/{productId} (app backend), e.g. `{status: 'archived'}`. */
  updateProduct(productId: string, patch: UpdateProductRequest): Promise<Product> {
    return this.http.request('PATCH', `/v1/products/${seg(productId)}`, { body: patch });
  }

  /** GET …/products — the room's tagged products and its pin. */
  listRoomProducts(roomId: string): Promise<RoomProducts> {
    return this.http.request('GET', `/v1/rooms/${seg(roomId)}/products`);
  }

  /** PUT …/products `{productIds}` — full replacement. */
  setRoomProducts(roomId: string, productIds: string[]): Promise<RoomProducts> {
    return this.http.request('PUT', `/v1/rooms/${seg(roomId)}/products`, { body: { productIds } });
  }

  pinProduct(roomId: string, productId: string): Promise<RoomProducts> {
    return this.http.request('POST', `/v1/rooms/${seg(roomId)}/products/${seg(productId)}/pin`);
  }

  unpinProduct(roomId: string): Promise<RoomProducts> {
    return this.http.request('POST', `/v1/rooms/${seg(roomId)}/products/unpin`);
  }

  /** POST …/products/{productId}/events `{type}` — counts a view or click (`202`). */
  async productEvent(roomId: string, productId: string, type: 'view' | 'click'): Promise<void> {
    await this.http.request('POST', `/v1/rooms/${seg(roomId)}/products/${seg(productId)}/events`, { body: { type } });
  }

  /** GET …/products/stats (host, app backend). */
  productStats(roomId: string): Promise<ProductStats> {
    return this.http.request('GET', `/v1/rooms/${seg(roomId)}/products/stats`);
  }
}
