/**
 * Structural model types the UIKit renders. They mirror the `@cohost/sdk` models (and the REST
 * resources of docs/api/openapi.yaml) with only the fields the components read, so SDK objects can
 * be passed as they are and the UIKit has no runtime dependency on the SDK.
 */

/** A user as shown in lists and tiles. */
export interface UserLike {
  userId: string;
  displayName: string;
  avatarUrl?: string | null;
}

export type InvitationStatus = 'pending' | 'approved' | 'rejected' | 'cancelled' | 'expired';

/** A co-host invitation (product §3). */
export interface InvitationLike {
  invitationId: string;
  roomId: string;
  inviteeUserId: string;
  status: InvitationStatus;
  /** ISO 8601 timestamp. */
  expiresAt: string;
  roomTitle: string;
  /** The inviting host; null when the app backend invited. */
  inviter: UserLike | null;
  invitee: UserLike;
  reason?: string | null;
}

export type StageRole = 'host' | 'cohost';
export type StageState = 'offline' | 'backstage' | 'live' | 'reconnecting';

/** A stage member: the host or a co-host (product §4). */
export interface StageMemberLike {
  userId: string;
  displayName: string;
  avatarUrl?: string | null;
  role: StageRole;
  state: StageState;
  camera: 'on' | 'off';
  microphone: 'on' | 'off';
}

/**
 * Anything that can render video into a `<video>` element: the SDK's local preview or a
 * MediaParticipant. If `attachVideo` returns a function, that function detaches; otherwise
 * `detachVideo(el)` is called when present.
 */
export interface VideoSource {
  attachVideo(el: HTMLVideoElement): unknown;
  detachVideo?(el: HTMLVideoElement): unknown;
}

/** A media participant of a MediaSession (the SDK's MediaParticipant). */
export interface MediaParticipantLike extends VideoSource {
  /** Equals the userId for the host and co-hosts. */
  identity: string;
  isLocal: boolean;
  cameraOn: boolean;
  microphoneOn: boolean;
  /** Same detach convention as attachVideo. */
  attachAudio?(el: HTMLAudioElement): unknown;
  detachAudio?(el: HTMLAudioElement): unknown;
}

export type MediaSessionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** The parts of the SDK's MediaSession the hooks read. */
export interface MediaSessionLike {
  state: MediaSessionState;
  onState(cb: (s: MediaSessionState) => void): () => void;
  participants(): MediaParticipantLike[];
  onParticipants(cb: (p: MediaParticipantLike[]) => void): () => void;
}

/** The SDK's LiveValue: observe() calls back at once with the current value, then on each change. */
export interface LiveValueLike<T> {
  value: T | undefined;
  observe(cb: (v: T) => void): () => void;
}

export type RoomStatus = 'idle' | 'live' | 'reconnecting' | 'ended';

/** Errors passed to or thrown at components: CohostError-like ({code, message}) or any Error. */
export interface ErrorLike {
  code?: string;
  message?: string;
  status?: number;
  details?: unknown;
}
