/** Microphone and camera toggles for a live media session (host or co-host on stage). */
import { useState } from 'react';
import type { MediaSession } from '@cohost/sdk';
import { errorText } from '../live.js';

export function MediaToggles({ session }: { session: MediaSession | null }) {
  const local = session?.participants().find((p) => p.isLocal);
  const [camera, setCamera] = useState(local?.cameraOn ?? true);
  const [mic, setMic] = useState(local?.microphoneOn ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const toggle = async (kind: 'camera' | 'microphone') => {
    if (!session || busy) return;
    setBusy(true);
    setError(null);
    try {
      if (kind === 'camera') {
        await session.setCamera(!camera);
        setCamera(!camera);
      } else {
        await session.setMicrophone(!mic);
        setMic(!mic);
      }
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="demo-toggles">
      <button
        type="button"
        className="demo-button"
        data-testid="live-toggle-microphone"
        aria-pressed={mic}
        data-on={String(mic)}
        disabled={!session || busy}
        onClick={() => void toggle('microphone')}
      >
        {mic ? 'Mute mic' : 'Unmute mic'}
      </button>
      <button
        type="button"
        className="demo-button"
        data-testid="live-toggle-camera"
        aria-pressed={camera}
        data-on={String(camera)}
        disabled={!session || busy}
        onClick={() => void toggle('camera')}
      >
        {camera ? 'Camera off' : 'Camera on'}
      </button>
      {error && <span className="demo-error" role="alert">{error}</span>}
    </div>
  );
}
