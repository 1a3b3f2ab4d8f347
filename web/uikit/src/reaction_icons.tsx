/**
 * Glyphs of the default reaction set (heart, like, laugh, wow, sad, fire, clap) as inline SVG (no
 * emoji: they depend on the platform's fonts), plus a lettered fallback for configured names.
 * Decorative: aria-hidden; the buttons carry the label.
 */
import type { ReactNode } from 'react';

export const DEFAULT_REACTIONS = ['heart', 'like', 'laugh', 'wow', 'sad', 'fire', 'clap'] as const;

export const REACTION_LABELS: Readonly<Record<string, string>> = {
  heart: 'Love',
  like: 'Like',
  laugh: 'Haha',
  wow: 'Wow',
  sad: 'Sad',
  fire: 'Fire',
  clap: 'Clap',
};

/** The label of a reaction name ("heart" → "Love"; unknown names as they are). */
export function reactionLabel(name: string): string {
  return REACTION_LABELS[name] ?? name;
}

function Glyph({ children, size }: { children: ReactNode; size: number }) {
  return (
    <svg className="cohost-reaction-glyph" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

const FACE = '#ffc83d';
const INK = '#3b2a00';

function face(mouth: ReactNode, eyes: ReactNode = (
  <>
    <circle cx="8.5" cy="10" r="1.4" fill={INK} />
    <circle cx="15.5" cy="10" r="1.4" fill={INK} />
  </>
)) {
  return (
    <>
      <circle cx="12" cy="12" r="10" fill={FACE} />
      {eyes}
      {mouth}
    </>
  );
}

const GLYPHS: Record<string, ReactNode> = {
  heart: <path d="M12 21s-7.5-4.6-9.6-9.2C.9 8.4 3 4.5 6.7 4.5c2.1 0 3.6 1.2 5.3 3 1.7-1.8 3.2-3 5.3-3 3.7 0 5.8 3.9 4.3 7.3C19.5 16.4 12 21 12 21z" fill="#ff3b5c" />,
  like: (
    <>
      <rect x="2.5" y="10" width="4.5" height="11" rx="1" fill="#3b82f6" />
      <path d="M8.5 10.5 12.3 3.4c1.6-.4 2.9.9 2.6 2.6L14.3 9h5.1c1.5 0 2.5 1.4 2.1 2.8l-2.1 7.4c-.3 1-1.2 1.8-2.3 1.8H8.5z" fill="#60a5fa" />
    </>
  ),
  laugh: face(<path d="M6.5 13.5h11c-.4 3.3-2.7 5.5-5.5 5.5s-5.1-2.2-5.5-5.5z" fill={INK} />, (
    <>
      <path d="M6.5 10.5l2-2 2 2M13.5 10.5l2-2 2 2" stroke={INK} strokeWidth="1.5" fill="none" strokeLinecap="round" />
    </>
  )),
  wow: face(<ellipse cx="12" cy="16" rx="2.4" ry="3" fill={INK} />),
  sad: face(<path d="M8 17.5c1.8-2.2 6.2-2.2 8 0" stroke={INK} strokeWidth="1.6" fill="none" strokeLinecap="round" />),
  fire: (
    <>
      <path d="M12 2c1 3.5 5.5 6 5.5 11.5A5.5 5.5 0 0 1 12 22a5.5 5.5 0 0 1-5.5-8.5C7 15 8 15.5 9 15c-1-4 1-8 3-13z" fill="#ff7a1a" />
      <path d="M12 12c.5 2 2.8 3 2.8 5.6a2.8 2.8 0 0 1-5.6 0c0-1.7 1.5-3 2.8-5.6z" fill="#ffd23f" />
    </>
  ),
  clap: (
    <>
      <path d="M6.2 11.8 10.6 4.6c.5-.8 1.8-.5 1.8.5l-.3 3.6 3.4-4.9c.6-.8 1.9-.4 1.8.6l-.6 6.1 1.7-1.8c.8-.8 2.1 0 1.7 1l-3.3 7.6a6 6 0 0 1-9.2 2.1 5 5 0 0 1-1.4-7.6z" fill="#f4b860" />
      <path d="M3 5.5 4.8 7M5.5 2.5l.8 2.3M1.8 9.2l2.1.3" stroke="#f59e0b" strokeWidth="1.4" strokeLinecap="round" />
    </>
  ),
};

/** The glyph of a reaction; an unknown name gets its first letter in a circle. */
export function ReactionGlyph({ name, size = 24 }: { name: string; size?: number }) {
  const glyph = GLYPHS[name];
  if (glyph) return <Glyph size={size}>{glyph}</Glyph>;
  return (
    <Glyph size={size}>
      <circle cx="12" cy="12" r="10" fill="#6d4aff" />
      <text x="12" y="16.5" textAnchor="middle" fontSize="12" fontWeight="700" fill="#fff" fontFamily="system-ui, sans-serif">
        {(Array.from(name)[0] ?? '?').toUpperCase()}
      </text>
    </Glyph>
  );
}
