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
