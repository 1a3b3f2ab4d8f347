/**
 * @cohost/sdk — the framework-free TypeScript SDK of cohost: REST client, realtime socket with
 * resume, live collections and media (livekit-client). See README.md for the public surface.
 */
export { CohostClient, CohostMedia, sortStage, tokenSubject, type CohostClientOptions } from './client.js';
export { CohostApi, randomKey, type CohostApiOptions, type InviteOptions } from './rest.js';
export { CohostError, isCohostError } from './errors.js';
export type { FetchLike } from './http.js';
export {
  Realtime, type EventListener, type RealtimeError, type RealtimeOptions, type RealtimeState, type SubscribeHandlers,
  type WebSocketConstructor, type WebSocketLike,
} from './realtime.js';
export {
  applyChatEvent, applyModerationEvent, applyProductsEvent, joinLatest, parseReactionBurst, prependMessages,
  type ChatLiveValue, type ChatOptions, type ModerationMap, type ReactionBurst,
} from './engagement_live.js';
export { RealtimeTopicError, type LiveTiming, type LiveValue } from './live.js';
export {
  MediaSession, Preview, createPreview, disconnectReasonName, type ConnectionQualityName, type MediaParticipant,
  type MediaRole, type MediaSessionState, type PreviewOptions, type SessionOptions,
} from './media.js';
export type * from './models.js';
