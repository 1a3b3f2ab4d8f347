/**
 * Floating reactions (product §7, §9; reference: 5 lanes over the video): a button per reaction
 * name that POSTs it (onReact) and floats a local glyph at once, and floats for each
 * `reactions.burst` the room sends (subscribe). A burst draws at most `maxPerBurst` glyphs however
 * large its counts (a "×N" label tells the real number), at most `maxFloats` are on screen, and the
 * user's own recent reactions are taken out of the bursts (they already floated locally). With
 * prefers-reduced-motion the glyphs do not move: one still glyph per name with its count.
 */
import { useEffect, useRef, useState } from 'react';
import type { ReactionBurstLike } from './engagement_types.js';
import { engagementErrorMessage } from './engagement_util.js';
import { useLatest, useMounted } from './hooks.js';
import { DEFAULT_REACTIONS, ReactionGlyph, reactionLabel } from './reaction_icons.js';
import { cx, isPromise } from './util.js';

export interface FloatingReactionsProps {
  /** Reaction names offered (default: heart, like, laugh, wow, sad, fire, clap). */
  reactions?: readonly string[];
  /** POST …/reactions; without it no buttons are shown (display only). A rejection is shown. */
  onReact?(name: string): Promise<unknown> | void;
  /** Subscribes to the room's reaction bursts; returns the unsubscribe (client.onReactionBurst). */
  subscribe?(listener: (burst: ReactionBurstLike) => void): () => void;
  /** Most glyphs drawn for one burst (default 12). */
  maxPerBurst?: number;
  /** Most glyphs on screen at once (default 40; the oldest go first). */
  maxFloats?: number;
  /** How long a glyph floats, ms (default 2600). */
  durationMs?: number;
  /** Overrides the prefers-reduced-motion media query. */
  reducedMotion?: boolean;
  /** Disables the buttons (e.g. the room ended). */
  disabled?: boolean;
}

export interface FloatItem {
  id: number;
  name: string;
  lane: number;
  delayMs: number;
  source: 'local' | 'burst';
  /** The burst's count for this name, on the first glyph of the name when more than drawn. */
  count?: number;
}

const LANES = 5;
/** A local reaction not seen in a burst after this long is forgotten (the burst is late or lost). */
const OWN_WINDOW_MS = 5000;

/**
 * Splits `cap` glyphs among the names of `counts` round-robin (largest counts first), so every name
 * gets one before any gets a second and no name gets more than its count. Sum ≤ cap.
 */
export function allocateFloats(counts: Readonly<Record<string, number>>, cap: number): Array<{ name: string; n: number }> {
  const names = Object.entries(counts)
    .filter(([, n]) => Number.isFinite(n) && n > 0)
    .sort((a, b) => b[1] - a[1]);
  const out = names.map(([name]) => ({ name, n: 0 }));
  let left = Math.max(0, Math.floor(cap));
  for (let progress = true; left > 0 && progress; ) {
    progress = false;
    names.forEach(([, count], i) => {
      if (left > 0 && out[i]!.n < count) {
        out[i]!.n++;
        left--;
        progress = true;
      }
    });
  }
  return out.filter((a) => a.n > 0);
}

/** True while the user asks for reduced motion (media query, live). */
function usePrefersReducedMotion(): boolean {
  const [query] = useState(() => (typeof window !== 'undefined' && typeof window.matchMedia === 'function'
    ? window.matchMedia('(prefers-reduced-motion: reduce)')
    : null));
  const [reduce, setReduce] = useState(() => !!query?.matches);
  useEffect(() => {
    if (!query) return undefined;
    const onChange = () => setReduce(query.matches);
    query.addEventListener?.('change', onChange);
    return () => query.removeEventListener?.('change', onChange);
  }, [query]);
  return reduce;
}

export function FloatingReactions(props: FloatingReactionsProps) {
  const { reactions = DEFAULT_REACTIONS, onReact, subscribe, maxPerBurst = 12, maxFloats = 40, durationMs = 2600, disabled = false } = props;
  const prefersReduced = usePrefersReducedMotion();
  const reduced = props.reducedMotion ?? prefersReduced;
  const mounted = useMounted();
  const [floats, setFloats] = useState<FloatItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const nextId = useRef(1);
  const nextLane = useRef(0);
  const own = useRef(new Map<string, number[]>());
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  const cfg = useLatest({ maxPerBurst, maxFloats, durationMs, reduced });

  useEffect(() => () => {
    for (const t of timers.current) clearTimeout(t);
    timers.current.clear();
  }, []);

  /** Shows `items` (ids and lanes assigned here) and removes them once they floated. */
  const show = (items: Array<Omit<FloatItem, 'id' | 'lane'>>) => {
    if (items.length === 0) return;
    const added = items.map((it) => ({ ...it, id: nextId.current++, lane: nextLane.current++ % LANES }));
    const ids = new Set(added.map((f) => f.id));
    setFloats((list) => [...list, ...added].slice(-Math.max(1, cfg.current.maxFloats)));
    const longest = Math.max(...added.map((f) => f.delayMs)) + cfg.current.durationMs;
    const t = setTimeout(() => {
      timers.current.delete(t);
      if (mounted.current) setFloats((list) => list.filter((f) => !ids.has(f.id)));
    }, longest);
    timers.current.add(t);
  };

  const onBurst = useLatest((burst: ReactionBurstLike) => {
    const now = Date.now();
    const counts: Record<string, number> = {};
    for (const [name, raw] of Object.entries(burst.counts ?? {})) {
      const count = Number.isFinite(raw) && raw > 0 ? Math.floor(raw) : 0;
      // Take out this user's own recent reactions: they floated when the button was pressed.
      const mine = (own.current.get(name) ?? []).filter((at) => now - at < OWN_WINDOW_MS);
      const taken = Math.min(mine.length, count);
      own.current.set(name, mine.slice(taken));
      if (count - taken > 0) counts[name] = count - taken;
    }
    const { maxPerBurst: cap, reduced: still } = cfg.current;
    const plan = allocateFloats(counts, still ? Math.min(cap, Object.keys(counts).length) : cap);
    const total = plan.reduce((n, p) => n + p.n, 0);
    const items: Array<Omit<FloatItem, 'id' | 'lane'>> = [];
    let k = 0;
    for (const { name, n } of plan) {
      const count = counts[name]!;
      for (let i = 0; i < n; i++, k++) {
        // Spread one burst over its second, as the reactions came in.
        const item: Omit<FloatItem, 'id' | 'lane'> = { name, source: 'burst', delayMs: still ? 0 : Math.round((k * 1000) / Math.max(1, total)) };
        if (i === 0 && count > n) item.count = count;
        items.push(item);
      }
    }
    show(items);
  });

  useEffect(() => {
    if (!subscribe) return undefined;
    return subscribe((b) => onBurst.current(b));
  }, [subscribe, onBurst]);

  const react = (name: string) => {
    show([{ name, source: 'local', delayMs: 0 }]);
    const sent = Date.now();
    own.current.set(name, [...(own.current.get(name) ?? []), sent]);
    const forget = () => {
      const list = own.current.get(name) ?? [];
      const at = list.indexOf(sent);
      if (at >= 0) own.current.set(name, [...list.slice(0, at), ...list.slice(at + 1)]);
    };
    let r: unknown;
    try {
      r = onReact?.(name);
    } catch (err) {
      forget();
      setError(engagementErrorMessage(err, 'The reaction could not be sent.'));
      return;
    }
    if (!isPromise(r)) return;
    r.then(
      () => {
        if (mounted.current) setError(null);
      },
      (err: unknown) => {
        forget(); // refused: no burst will count it
        if (mounted.current) setError(engagementErrorMessage(err, 'The reaction could not be sent.'));
      },
    );
  };

  return (
    <div className={cx('cohost-reactions', reduced && 'cohost-reactions--reduced')} data-testid="floating-reactions" data-reduced-motion={String(reduced)}>
      <div className="cohost-reactions__layer" data-testid="reactions-layer" aria-hidden="true">
        {floats.map((f) => (
          <span
            key={f.id}
            className={cx('cohost-float', `cohost-float--lane${f.lane}`, f.source === 'local' && 'cohost-float--local')}
            data-testid="reaction-float"
            data-reaction={f.name}
            data-source={f.source}
            data-count={f.count}
            style={{ animationDelay: `${f.delayMs}ms`, animationDuration: `${durationMs}ms` }}
          >
            <ReactionGlyph name={f.name} size={28} />
            {f.count !== undefined && <span className="cohost-float__count">×{f.count}</span>}
          </span>
        ))}
      </div>
      {error && (
        <p className="cohost-error cohost-reactions__error" role="alert" data-testid="reactions-error">
          {error}
        </p>
      )}
      {onReact && (
        <div className="cohost-reactions__bar" role="group" aria-label="Send a reaction" data-testid="reactions-bar">
          {reactions.map((name) => (
            <button
              key={name}
              type="button"
              className="cohost-reactions__button"
              data-testid="reaction-button"
              data-reaction={name}
              aria-label={reactionLabel(name)}
              title={reactionLabel(name)}
              disabled={disabled}
              onClick={() => react(name)}
            >
              <ReactionGlyph name={name} />
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
