/**
 * The backstage screen (reference §5.3 step 3, §5.5): "Preparing to go live…", the local camera
 * preview, mic / camera toggles, a Join-live button (busy while joining) and a way back out.
 */
import { useId, type ReactNode } from 'react';
import { useAsyncAction } from './actions.js';
import type { VideoSource } from './types.js';
import { VideoView } from './VideoView.js';
import { CameraIcon, MicIcon } from './icons.js';

export interface BackstageProps {
  /** Local preview (client.media.createPreview()); null shows a placeholder. */
  preview: VideoSource | null;
  cameraOn: boolean;
  microphoneOn: boolean;
  onToggleCamera(next: boolean): void;
  onToggleMicrophone(next: boolean): void;
  /** Busy while the returned promise is pending; a rejection is shown as an error. */
  onJoin(): Promise<unknown> | void;
  onCancel(): void;
  /** Force the busy state from outside. */
  joining?: boolean;
  /** Extra error from the parent. */
  error?: string | null;
  roomTitle?: string;
  /** Default "Preparing to go live…". */
  title?: string;
  /** Default "Join live". */
  joinLabel?: string;
  /** Default "Leave backstage". */
  cancelLabel?: string;
}

export function Backstage(props: BackstageProps) {
  const { preview, cameraOn, microphoneOn, onToggleCamera, onToggleMicrophone, onJoin, onCancel, roomTitle } = props;
  const title = props.title ?? 'Preparing to go live…';
  const joinLabel = props.joinLabel ?? 'Join live';
  const cancelLabel = props.cancelLabel ?? 'Leave backstage';
  const headingId = useId();
  const action = useAsyncAction();
  const busy = action.busy || !!props.joining;
  const error = action.error ?? props.error ?? null;
  const join = () => {
    if (!busy) void action.run(onJoin, 'Could not join the stage, try again.');
  };

  return (
    <section className="cohost-backstage" data-testid="backstage" data-busy={String(busy)} aria-labelledby={headingId} aria-busy={busy}>
      <header className="cohost-backstage__header">
        <h2 id={headingId} className="cohost-backstage__title">
          {title}
        </h2>
        {roomTitle && <p className="cohost-backstage__room">{roomTitle}</p>}
        <p className="cohost-backstage__hint">Check your camera, microphone and lighting. Viewers can't see you yet.</p>
      </header>

      <div className="cohost-backstage__preview">
        {preview && cameraOn ? (
          <VideoView source={preview} mirror testId="backstage-preview" label="Your camera preview" attachKey={cameraOn} />
        ) : (
          <div className="cohost-backstage__placeholder" data-testid="backstage-placeholder">
            {preview ? 'Camera is off' : 'Starting camera…'}
          </div>
        )}
      </div>

      <div className="cohost-controls" role="group" aria-label="Devices">
        <DeviceToggle
          testId="toggle-microphone"
          on={microphoneOn}
          label={microphoneOn ? 'Mute microphone' : 'Unmute microphone'}
          text={microphoneOn ? 'Mic on' : 'Mic off'}
          icon={<MicIcon off={!microphoneOn} />}
          onToggle={onToggleMicrophone}
        />
        <DeviceToggle
          testId="toggle-camera"
          on={cameraOn}
          label={cameraOn ? 'Turn camera off' : 'Turn camera on'}
          text={cameraOn ? 'Camera on' : 'Camera off'}
          icon={<CameraIcon off={!cameraOn} />}
          onToggle={onToggleCamera}
        />
      </div>

      {error && (
        <p className="cohost-error" role="alert" data-testid="backstage-error">
          {error}
        </p>
      )}

      <div className="cohost-backstage__actions">
        <button type="button" className="cohost-button" data-testid="backstage-cancel" onClick={onCancel}>
          {cancelLabel}
        </button>
        <button
          type="button"
          className="cohost-button cohost-button--primary cohost-button--live"
          data-testid="join-live"
          disabled={busy}
          aria-busy={busy || undefined}
          onClick={join}
        >
          {busy ? 'Joining…' : joinLabel}
        </button>
      </div>
    </section>
  );
}

interface DeviceToggleProps {
  testId: string;
  on: boolean;
  label: string;
  text: string;
  icon: ReactNode;
  onToggle(next: boolean): void;
}

/** A pressed / not-pressed device button calling back with the next state. */
function DeviceToggle({ testId, on, label, text, icon, onToggle }: DeviceToggleProps) {
  return (
    <button type="button" className="cohost-toggle" data-testid={testId} data-on={String(on)} aria-pressed={on} aria-label={label} onClick={() => onToggle(!on)}>
      {icon}
      <span className="cohost-toggle__text">{text}</span>
    </button>
  );
}
