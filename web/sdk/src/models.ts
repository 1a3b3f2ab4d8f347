/**
 * The resources of the cohost REST API (docs/api/openapi.yaml, product.md §2–§4, §7, §10), as the
 * server answers them: camelCase fields, ISO 8601 UTC timestamps with milliseconds as strings,
 * `null` for values that are not set.
 */

/** An ISO 8601 UTC timestamp with milliseconds, e.g. `2026-11-27T23:40:00.123Z`. */
export type Timestamp = string;

/** A page of a collection: `nextCursor` is null on the last page. */
export interface Page {
  nextCursor: string | null;
}

/** Paging parameters of every collection (`limit` 1–200, default 50). */
export interface PageParams {
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface User {
  userId: string;
  displayName: string;
  avatarUrl: string | null;
  createdAt: Timestamp;
}

/** A user as shown beside an invitation. */
export interface UserSummary {
  userId: string;
  displayName: string;
  avatarUrl: string | null;
}

export interface UserList extends Page {
  users: User[];
}

export interface DevLoginResponse {
  token: string;
  user: User;
}

export interface PutUserRequest {
  displayName: string;
  avatarUrl?: string;
}

export type RoomStatus = 'idle' | 'live' | 'reconnecting' | 'ended';
export type EndReason = 'stopped' | 'host_lost' | 'max_duration' | 'expired';

export interface Room {
  roomId: string;
  title: string;
  description: string;
  thumbnailUrl: string | null;
  metadata: Record<string, unknown>;
  hostUserId: string;
  status: RoomStatus;
  maxCoHosts: number;
  slowModeSeconds: number;
  createdAt: Timestamp;
  liveAt: Timestamp | null;
  endedAt: Timestamp | null;
  endReason: EndReason | null;
}

export interface RoomList extends Page {
  rooms: Room[];
}

export interface CreateRoomRequest {
  title: string;
  description?: string;
  thumbnailUrl?: string;
  metadata?: Record<string, unknown>;
  maxCoHosts?: number;
  /** App backend only (required there). */
  hostUserId?: string;
}

export interface UpdateRoomRequest {
  title?: string;
  description?: string;
  thumbnailUrl?: string;
  metadata?: Record<string, unknown>;
  maxCoHosts?: number;
  slowModeSeconds?: number;
}

/** Media credentials (broadcast or viewer): connect livekit-client to `url` with `token`. */
export interface Credentials {
  url: string;
  token: string;
  identity: string;
  expiresAt: Timestamp;
}

export type InvitationStatus = 'pending' | 'approved' | 'rejected' | 'cancelled' | 'expired';

export interface Invitation {
  invitationId: string;
  roomId: string;
  /** null when the app backend invited. */
  inviterUserId: string | null;
  inviteeUserId: string;
  status: InvitationStatus;
  createdAt: Timestamp;
  expiresAt: Timestamp;
  respondedAt: Timestamp | null;
  /** Why it left `pending` when not by the invitee or host, e.g. `room_ended`. */
  reason: string | null;
  roomTitle: string;
  inviter: UserSummary | null;
  invitee: UserSummary;
}

export interface InvitationList extends Page {
  invitations: Invitation[];
}

export type StageRole = 'host' | 'cohost';
export type StageState = 'offline' | 'backstage' | 'live' | 'reconnecting';
export type StageLeftReason = 'left' | 'removed' | 'backstage_timeout' | 'connection_lost' | 'room_ended';

export interface StageMember {
  roomId: string;
  userId: string;
  displayName: string;
  avatarUrl?: string | null;
  role: StageRole;
  state: StageState;
  permissions: { canManageProducts: boolean };
  camera: 'on' | 'off';
  microphone: 'on' | 'off';
  joinedAt: Timestamp;
}

/** The stage: the host first, then co-hosts by `joinedAt`. */
export interface Stage {
  roomId: string;
  maxCoHosts: number;
  members: StageMember[];
}

export interface UpdateStageMemberRequest {
  permissions: { canManageProducts: boolean };
}

/** `data` of `stage.*` events: the member, plus `reason` on `stage.left`. */
export interface StageEventData extends StageMember {
  reason?: StageLeftReason;
}

export type ChatRole = 'host' | 'cohost' | 'viewer';

export interface ChatMessage {
  messageId: string;
  roomId: string;
  text: string;
  author: { userId: string; displayName: string; role: ChatRole };
  createdAt: Timestamp;
}

/** Alias of ChatMessage. */
export type Message = ChatMessage;

export interface MessageList extends Page {
  messages: ChatMessage[];
}

export interface DeletedMessage {
  messageId: string;
  deleted: true;
}

export type ModerationAction = 'mute' | 'unmute' | 'ban' | 'unban';

export interface ModerationRequest {
  action: ModerationAction;
  userId: string;
  /** Required for `mute`; a `ban` without it lasts until the room ends. */
  durationSeconds?: number;
}

export interface Moderation {
  roomId: string;
  userId: string;
  muted: boolean;
  mutedUntil: Timestamp | null;
  banned: boolean;
  bannedUntil: Timestamp | null;
  updatedAt: Timestamp;
  /** null: the app backend. */
  updatedBy: string | null;
  action?: ModerationAction;
}

export interface Viewer {
  userId: string;
  displayName: string;
  since: Timestamp;
}

export interface ViewerList extends Page {
  count: number;
  viewers: Viewer[];
}

export interface Product {
  productId: string;
  name: string;
  url: string;
  /** Decimal string with the currency's minor-unit digits, e.g. "19.99". */
  price: string;
  currency: string;
  imageUrl: string;
  status: 'active' | 'archived';
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface ProductList extends Page {
  products: Product[];
}

export interface CreateProductRequest {
  productId?: string;
  name: string;
  url: string;
  price: string;
  currency: string;
  imageUrl?: string;
}

export interface UpdateProductRequest {
  name?: string;
  url?: string;
  price?: string;
  currency?: string;
  imageUrl?: string;
  status?: 'active' | 'archived';
}

export interface RoomProducts {
  roomId: string;
  products: Product[];
  pinnedProductId: string | null;
}

export interface ProductStats {
  products: Array<{
    productId: string;
    views: number;
    clicks: number;
    byMember: Array<{ userId: string; views: number; clicks: number }>;
  }>;
}

export interface Health {
  status?: string;
}

/** Every realtime event type (`event` of an event frame). */
export type EventType =
  | 'room.updated' | 'room.live' | 'room.reconnecting' | 'room.ended'
  | 'invitation.created' | 'invitation.accepted' | 'invitation.rejected'
  | 'invitation.cancelled' | 'invitation.expired'
  | 'stage.joined' | 'stage.live' | 'stage.reconnecting' | 'stage.left' | 'stage.updated'
  | 'chat.message' | 'chat.deleted' | 'chat.moderation' | 'reactions.burst' | 'viewers.count'
  | 'products.updated' | 'products.pinned' | 'products.unpinned';

/**
 * A realtime event as listeners receive it. `type` and `event` both hold the event type (the wire
 * frame's `type` is always "event", so the SDK puts the useful value there). `data` is the resource
 * after the change: a Room for `room.*`, an Invitation for `invitation.*`, a StageEventData for
 * `stage.*`, engagement data (docs/engagement.md) otherwise.
 */
export interface RealtimeEvent<D = unknown> {
  type: EventType | string;
  event: EventType | string;
  topic: string;
  seq: number;
  at: Timestamp;
  data: D;
}
