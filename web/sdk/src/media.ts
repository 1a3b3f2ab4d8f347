/**
 * Media through livekit-client (pinned 2.23.0): a local camera + microphone preview for the
 * backstage, and MediaSession, a small wrapper over a livekit `Room` that maps its connection
 * events to four states, keeps the disconnect reason by name and lists participants with their
 * camera / microphone state and attach helpers. Publishing uses livekit's defaults (simulcast on);
 * viewers never publish. Browser only (WebRTC, getUserMedia).
 */
import {
  ConnectionState, DisconnectReason, Room, RoomEvent, Track, createLocalTracks,
  type AudioCaptureOptions, type LocalAudioTrack, type LocalTrack, type LocalVideoTrack, type Participant,
  type RoomConnectOptions, type RoomOptions, type VideoCaptureOptions,
} from 'livekit-client';
import type { Credentials } from './models.js';

export type MediaSessionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';
/** host and cohost publish camera + mic; viewer subscribes only. */
export type MediaRole = 'host' | 'cohost' | 'viewer';
export type ConnectionQualityName = 'excellent' | 'good' | 'poor' | 'lost' | 'unknown';

export interface PreviewOptions {
  /** Camera capture options, or false for no camera (default true). */
  camera?: boolean | VideoCaptureOptions | undefined;
  /** Microphone capture options, or false for no microphone (default true). */
  microphone?: boolean | AudioCaptureOptions | undefined;
}

export interface SessionOptions {
  /** Publish this preview's tracks instead of opening the devices again; the session then owns them. */
  preview?: Preview | undefined;
  /** livekit `Room` options (default: livekit's defaults). */
  roomOptions?: RoomOptions | undefined;
  /** livekit connect options. */
  connectOptions?: RoomConnectOptions | undefined;
}

/** Local camera + microphone tracks for the backstage preview (client.media.createPreview()). */
export class Preview {
  readonly videoTrack: LocalVideoTrack | undefined;
  readonly audioTrack: LocalAudioTrack | undefined;
  private handedOver = false;
  private stopped = false;

  constructor(readonly tracks: LocalTrack[]) {
    this.videoTrack = tracks.find((t) => t.kind === Track.Kind.Video) as LocalVideoTrack | undefined;
    this.audioTrack = tracks.find((t) => t.kind === Track.Kind.Audio) as LocalAudioTrack | undefined;
  }

  get cameraOn(): boolean {
    return !!this.videoTrack && !this.videoTrack.isMuted && !this.stopped;
  }

  get microphoneOn(): boolean {
    return !!this.audioTrack && !this.audioTrack.isMuted && !this.stopped;
  }

  /** Shows the camera in `el`; returns the detach function. */
  attachVideo(el: HTMLVideoElement): () => void {
    this.videoTrack?.attach(el);
    return () => this.detachVideo(el);
  }

  detachVideo(el: HTMLVideoElement): void {
    this.videoTrack?.detach(el);
  }

  /** Turns the camera on or off (off releases the device; on reopens it). */
  async setCamera(on: boolean): Promise<void> {
    if (!this.videoTrack || this.stopped) return;
    if (on) await this.videoTrack.unmute();
    else await this.videoTrack.mute();
  }

  async setMicrophone(on: boolean): Promise<void> {
    if (!this.audioTrack || this.stopped) return;
    if (on) await this.audioTrack.unmute();
    else await this.audioTrack.mute();
  }

  /** Releases the devices. After the tracks were handed to a session, the session owns them and this does nothing. */
  stop(): void {
    if (this.stopped || this.handedOver) return;
    this.stopped = true;
    for (const t of this.tracks) t.stop();
  }

  /** @internal The session takes the tracks. */
  takeTracks(): LocalTrack[] {
    if (this.stopped) throw new Error('cohost media: the preview was stopped');
    this.handedOver = true;
    return this.tracks;
  }

  /** @internal The session failed to start: the preview owns its tracks again. */
  giveBack(): void {
    this.handedOver = false;
  }
}

/** Opens camera and microphone (getUserMedia) for a preview. */
export async function createPreview(opts: PreviewOptions = {}): Promise<Preview> {
  const tracks = await createLocalTracks({ video: opts.camera ?? true, audio: opts.microphone ?? true });
  return new Preview(tracks);
}

/** A participant of a MediaSession; its fields read the live livekit state. */
export interface MediaParticipant {
  /** The userId for the host and co-hosts. */
  readonly identity: string;
  readonly isLocal: boolean;
  readonly cameraOn: boolean;
  readonly microphoneOn: boolean;
  readonly connectionQuality: ConnectionQualityName;
  /** The livekit participant, for advanced use. */
  readonly participant: Participant;
  /** Shows the camera in `el` (now, or as soon as it is subscribed); returns the detach function. */
  attachVideo(el: HTMLVideoElement): () => void;
  detachVideo(el: HTMLVideoElement): void;
  /** Plays the microphone in `el` (remote participants only; a no-op for the local one). */
  attachAudio(el: HTMLAudioElement): () => void;
  detachAudio(el: HTMLAudioElement): void;
}

class ParticipantView implements MediaParticipant {
  private readonly videoEls = new Set<HTMLVideoElement>();
  private readonly audioEls = new Set<HTMLAudioElement>();
  private videoTrack: Track | undefined;
  private audioTrack: Track | undefined;

  constructor(readonly participant: Participant) {}

  get identity(): string {
    return this.participant.identity;
  }

  get isLocal(): boolean {
    return this.participant.isLocal;
  }

  get cameraOn(): boolean {
    const pub = this.participant.getTrackPublication(Track.Source.Camera);
    return !!pub && !pub.isMuted;
  }

  get microphoneOn(): boolean {
    const pub = this.participant.getTrackPublication(Track.Source.Microphone);
    return !!pub && !pub.isMuted;
  }

  get connectionQuality(): ConnectionQualityName {
    return this.participant.connectionQuality as ConnectionQualityName;
  }

  attachVideo(el: HTMLVideoElement): () => void {
    this.videoEls.add(el);
    this.videoTrack?.attach(el);
    this.sync();
    return () => this.detachVideo(el);
  }

  detachVideo(el: HTMLVideoElement): void {
    if (this.videoEls.delete(el)) this.videoTrack?.detach(el);
  }

  attachAudio(el: HTMLAudioElement): () => void {
    if (this.isLocal) return () => {};
    this.audioEls.add(el);
    this.audioTrack?.attach(el);
    this.sync();
    return () => this.detachAudio(el);
  }

  detachAudio(el: HTMLAudioElement): void {
    if (this.audioEls.delete(el)) this.audioTrack?.detach(el);
  }

  /** Re-attaches the elements when the camera / microphone track changed (subscribed, republished). */
  sync(): void {
    const video = this.participant.getTrackPublication(Track.Source.Camera)?.track;
    if (video !== this.videoTrack) {
      for (const el of this.videoEls) this.videoTrack?.detach(el);
      this.videoTrack = video;
      for (const el of this.videoEls) video?.attach(el);
    }
    const audio = this.isLocal ? undefined : this.participant.getTrackPublication(Track.Source.Microphone)?.track;
    if (audio !== this.audioTrack) {
      for (const el of this.audioEls) this.audioTrack?.detach(el);
      this.audioTrack = audio;
      for (const el of this.audioEls) audio?.attach(el);
    }
  }

  /** Detaches every element (the participant left). */
  dispose(): void {
    for (const el of this.videoEls) this.videoTrack?.detach(el);
    for (const el of this.audioEls) this.audioTrack?.detach(el);
    this.videoEls.clear();
    this.audioEls.clear();
    this.videoTrack = this.audioTrack = undefined;
  }
}

/** The events after which the participant list or a participant's state may have changed. */
const PARTICIPANT_EVENTS = [
  RoomEvent.ParticipantConnected, RoomEvent.ParticipantDisconnected, RoomEvent.TrackPublished,
  RoomEvent.TrackUnpublished, RoomEvent.TrackSubscribed, RoomEvent.TrackUnsubscribed, RoomEvent.TrackMuted,
  RoomEvent.TrackUnmuted, RoomEvent.LocalTrackPublished, RoomEvent.LocalTrackUnpublished,
  RoomEvent.ConnectionQualityChanged, RoomEvent.Connected, RoomEvent.Reconnected, RoomEvent.Disconnected,
] as const;

/** The name of a livekit DisconnectReason (`PARTICIPANT_REMOVED`, `ROOM_DELETED`, ...). */
export function disconnectReasonName(reason: DisconnectReason | undefined): string {
  if (reason === undefined) return 'UNKNOWN_REASON';
  return (DisconnectReason as unknown as Record<number, string>)[reason] ?? String(reason);
}

/** One media connection to a room (host / co-host broadcasting, or a viewer watching). */
export class MediaSession {
  /** The underlying livekit-client Room, for advanced use. */
  readonly livekitRoom: Room;
  private _state: MediaSessionState = 'connecting';
  private _disconnectReason: string | undefined;
  private readonly views = new Map<string, ParticipantView>();
  private list: MediaParticipant[] = [];
  private readonly stateCbs = new Set<(s: MediaSessionState) => void>();
  private readonly participantCbs = new Set<(p: MediaParticipant[]) => void>();
  private readonly onEnd: (s: MediaSession) => void;

  /** Wires the livekit room's events; connect with MediaSession.open(). */
  constructor(
    readonly roomId: string,
    readonly role: MediaRole,
    readonly identity: string,
    room: Room,
    onEnd: (s: MediaSession) => void = () => {},
  ) {
    this.livekitRoom = room;
    this.onEnd = onEnd;
    room.on(RoomEvent.ConnectionStateChanged, (s: ConnectionState) => {
      // Disconnected is taken from RoomEvent.Disconnected, which carries the reason.
      if (s === ConnectionState.Connected) this.setState('connected');
      else if (s === ConnectionState.Reconnecting || s === ConnectionState.SignalReconnecting) this.setState('reconnecting');
      else if (s === ConnectionState.Connecting && this._state !== 'disconnected') this.setState('connecting');
    });
    room.on(RoomEvent.Reconnecting, () => this.setState('reconnecting'));
    room.on(RoomEvent.SignalReconnecting, () => this.setState('reconnecting'));
    room.on(RoomEvent.Reconnected, () => this.setState('connected'));
    room.on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
      this._disconnectReason = disconnectReasonName(reason);
      this.setState('disconnected');
    });
    const refresh = (): void => this.refresh();
    for (const ev of PARTICIPANT_EVENTS) room.on(ev, refresh);
  }

  /**
   * Connects to `credentials.url` with `credentials.token` and, for host / co-host, publishes
   * camera + microphone (the preview's tracks when given). On failure it disconnects and rethrows.
   */
  static async open(roomId: string, role: MediaRole, credentials: Credentials, opts: SessionOptions = {},
    onEnd?: (s: MediaSession) => void): Promise<MediaSession> {
    const room = new Room(opts.roomOptions);
    const session = new MediaSession(roomId, role, credentials.identity, room, onEnd);
    try {
      await room.connect(credentials.url, credentials.token, opts.connectOptions);
      if (role !== 'viewer') {
        if (opts.preview) {
          for (const track of opts.preview.takeTracks()) {
            const source = track.kind === Track.Kind.Video ? Track.Source.Camera : Track.Source.Microphone;
            await room.localParticipant.publishTrack(track, { source });
          }
        } else {
          await room.localParticipant.enableCameraAndMicrophone();
        }
      }
    } catch (err) {
      // Keep a given preview alive (the caller may retry with it); stop tracks we opened ourselves.
      await room.disconnect(!opts.preview).catch(() => {});
      opts.preview?.giveBack();
      session.setState('disconnected');
      throw err;
    }
    if (room.state === ConnectionState.Connected) session.setState('connected');
    session.refresh();
    return session;
  }

  get state(): MediaSessionState {
    return this._state;
  }

  /** The livekit DisconnectReason name once disconnected, e.g. `PARTICIPANT_REMOVED`, `ROOM_DELETED`, `CLIENT_INITIATED`. */
  get disconnectReason(): string | undefined {
    return this._disconnectReason;
  }

  /** Calls `cb` on every state change; returns the unsubscribe. */
  onState(cb: (s: MediaSessionState) => void): () => void {
    this.stateCbs.add(cb);
    return () => this.stateCbs.delete(cb);
  }

  /**
   * The participants: the local one first (not for viewers, who are hidden and publish nothing),
   * then the remote ones in join order. Objects are stable per participant; their fields are live.
   */
  participants(): MediaParticipant[] {
    return this.list;
  }

  /** Calls `cb` with a new array whenever a participant joins, leaves or changes. */
  onParticipants(cb: (p: MediaParticipant[]) => void): () => void {
    this.participantCbs.add(cb);
    return () => this.participantCbs.delete(cb);
  }

  /** Camera on / off (mutes the published track; turning on publishes one if there is none). */
  async setCamera(on: boolean): Promise<void> {
    if (this.role === 'viewer') throw new Error('cohost media: viewers do not publish');
    await this.livekitRoom.localParticipant.setCameraEnabled(on);
    this.refresh();
  }

  async setMicrophone(on: boolean): Promise<void> {
    if (this.role === 'viewer') throw new Error('cohost media: viewers do not publish');
    await this.livekitRoom.localParticipant.setMicrophoneEnabled(on);
    this.refresh();
  }

  /** Starts audio playback after a user gesture when the browser blocked autoplay. */
  startAudio(): Promise<void> {
    return this.livekitRoom.startAudio();
  }

  /** Disconnects the media (stopping local tracks); the stage seat is untouched (see leaveStage). */
  async leave(): Promise<void> {
    if (this._state !== 'disconnected') await this.livekitRoom.disconnect(true);
    if (this._state !== 'disconnected') {
      this._disconnectReason ??= 'CLIENT_INITIATED';
      this.setState('disconnected');
    }
  }

  private setState(s: MediaSessionState): void {
    if (this._state === s) return;
    if (this._state === 'disconnected' && s !== 'disconnected') return; // final
    this._state = s;
    if (s === 'disconnected') this.onEnd(this);
    for (const cb of [...this.stateCbs]) cb(s);
  }

  private refresh(): void {
    const room = this.livekitRoom;
    const present: Participant[] = [];
    if (this.role !== 'viewer') present.push(room.localParticipant);
    present.push(...room.remoteParticipants.values());
    const next: MediaParticipant[] = [];
    const seen = new Set<string>();
    for (const p of present) {
      let view = this.views.get(p.identity);
      if (view && view.participant !== p) {
        view.dispose();
        view = undefined;
      }
      if (!view) {
        view = new ParticipantView(p);
        this.views.set(p.identity, view);
      }
      view.sync();
      seen.add(p.identity);
      next.push(view);
    }
    for (const [identity, view] of this.views) {
      if (!seen.has(identity)) {
        view.dispose();
        this.views.delete(identity);
      }
    }
    this.list = next;
    for (const cb of [...this.participantCbs]) cb(next);
  }
}
