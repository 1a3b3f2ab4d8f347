/**
 * Structural model types of the engagement components (chat, moderation, reactions, products),
 * mirroring the `@cohost/sdk` models (docs/api/openapi.yaml) with only the fields the components
 * read, so SDK objects (`ChatMessage`, `Moderation`, `Product`, `ReactionBurst`, `StageMember`)
 * can be passed as they are.
 */
import type { StageRole } from './types.js';

/** The author's role when the message was posted. */
export type ChatRole = 'host' | 'cohost' | 'viewer';

/** A chat message (product §10 "Messages"). */
export interface ChatMessageLike {
  messageId: string;
  text: string;
  author: { userId: string; displayName: string; role: ChatRole };
  /** ISO 8601 timestamp. */
  createdAt: string;
}

/** A user's moderation state in the room (`chat.moderation` data). */
export interface ModerationLike {
  userId: string;
  muted: boolean;
  /** ISO 8601; null when not muted. */
  mutedUntil: string | null;
  banned: boolean;
  /** ISO 8601; null when not banned or banned until the room ends. */
  bannedUntil: string | null;
}

export type ModerationAction = 'mute' | 'unmute' | 'ban' | 'unban';

/** The body of `POST …/moderation`. */
export interface ModerationRequestLike {
  action: ModerationAction;
  userId: string;
  durationSeconds?: number;
}

/** A stage member as far as chat permissions go: who is host / co-host right now. */
export interface StageRoleLike {
  userId: string;
  role: StageRole;
}

/** A catalogue product (product §10 "Catalogue"). */
export interface ProductLike {
  productId: string;
  name: string;
  url: string;
  /** Decimal string with the currency's minor-unit digits, e.g. "19.99". */
  price: string;
  /** ISO 4217, e.g. "EUR". */
  currency: string;
  imageUrl?: string | null;
  status?: 'active' | 'archived';
}

/** `reactions.burst` data: counts per reaction name over one second. */
export interface ReactionBurstLike {
  counts: Readonly<Record<string, number>>;
}

/** A co-host whose product permission the host can toggle. */
export interface PermissionMemberLike {
  userId: string;
  displayName: string;
  permissions?: { canManageProducts: boolean } | null;
}
