/** @cohost/uikit: React components for cohost's co-hosting UX. See README.md for props and test ids. */
export type * from './types.js';
export { useLiveValue, useMediaSessionState, useParticipants, useNow } from './hooks.js';
export { VideoView, AudioSink, type VideoViewProps } from './VideoView.js';
export { Avatar, type AvatarProps } from './Avatar.js';
export { InviteCoHostPage, type InviteCoHostPageProps } from './InviteCoHostPage.js';
export { InvitationBanner, formatSeconds, type InvitationBannerProps, type BannerCloseReason } from './InvitationBanner.js';
export { Backstage, type BackstageProps } from './Backstage.js';
export { CoHostStage, orderMembers, type CoHostStageProps } from './CoHostStage.js';
export {
  LeaveStageButton,
  ReconnectingOverlay,
  ViewerCount,
  LiveBadge,
  Countdown,
  formatCount,
  type LeaveStageButtonProps,
  type ReconnectingOverlayProps,
  type ViewerCountProps,
  type LiveBadgeProps,
  type CountdownProps,
} from './widgets.js';
export { errorMessage, initials } from './util.js';
// Engagement: chat, reactions, products (README "Engagement components").
export type * from './engagement_types.js';
export { LiveChat, type LiveChatProps } from './LiveChat.js';
export { SlowModeControl, DEFAULT_SLOW_MODE_OPTIONS, slowModeLabel, type SlowModeControlProps } from './SlowModeControl.js';
export { FloatingReactions, allocateFloats, type FloatingReactionsProps, type FloatItem } from './FloatingReactions.js';
export { ReactionGlyph, DEFAULT_REACTIONS, REACTION_LABELS, reactionLabel } from './reaction_icons.js';
export { ProductShelf, type ProductShelfProps } from './ProductShelf.js';
export { ProductManager, ProductPermissionToggle, type ProductManagerProps, type ProductPermissionToggleProps } from './ProductManager.js';
export {
  engagementErrorMessage, formatPrice, messagePermissions, messageLength, currentRole, type MessagePermissions,
} from './engagement_util.js';
