/** A muted, inline `<video>` that renders a VideoSource (SDK preview or MediaParticipant). */
import { useEffect, useRef } from 'react';
import type { VideoSource } from './types.js';
import { attachWith, cx } from './util.js';

export interface VideoViewProps {
  source: VideoSource | null | undefined;
  /** Mirror horizontally (own camera). */
  mirror?: boolean;
  className?: string;
  /** aria-label of the video element. */
  label?: string;
  /** data-testid, default "video". */
  testId?: string;
  /** Re-attach when this changes (e.g. the camera turned back on and a new track exists). */
  attachKey?: unknown;
}

/**
 * Attaches `source` to its video element on mount and whenever `source` or `attachKey` changes,
 * detaching the previous one. The element is always muted: audio plays through AudioSink.
 */
export function VideoView({ source, mirror, className, label, testId = 'video', attachKey }: VideoViewProps) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || !source) return undefined;
    return attachWith((e) => source.attachVideo(e), source.detachVideo?.bind(source), el);
  }, [source, attachKey]);
  return (
    <video
      ref={ref}
      className={cx('cohost-video', mirror && 'cohost-video--mirror', className)}
      data-testid={testId}
      aria-label={label}
      autoPlay
      playsInline
      muted
    />
  );
}

/** A hidden `<audio>` element playing a participant's audio; renders nothing visible. */
export function AudioSink({
  source,
}: {
  source: { attachAudio?(el: HTMLAudioElement): unknown; detachAudio?(el: HTMLAudioElement): unknown };
}) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    const attach = source.attachAudio;
    if (!el || !attach) return undefined;
    return attachWith((e) => attach.call(source, e), source.detachAudio?.bind(source), el);
  }, [source]);
  return <audio ref={ref} className="cohost-audio" autoPlay data-testid="tile-audio" />;
}
