import { cleanup, act, all, click, flush, maybe, one, render } from './dom.js';
import { test, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_REACTIONS, FloatingReactions, allocateFloats, type ReactionBurstLike } from '../src/index.js';

afterEach(() => {
  cleanup();
  mock.timers.reset();
  delete (window as { matchMedia?: unknown }).matchMedia;
});

/** A subscribe prop the test can emit bursts through. */
function burstSource() {
  const listeners = new Set<(b: ReactionBurstLike) => void>();
  const unsubscribed = mock.fn();
  return {
    subscribe: (cb: (b: ReactionBurstLike) => void) => {
      listeners.add(cb);
      return () => {
        listeners.delete(cb);
        unsubscribed();
      };
    },
    emit: (counts: Record<string, number>) => act(() => {
      for (const cb of listeners) cb({ counts });
    }),
    listeners,
    unsubscribed,
  };
}

const floats = () => all('reaction-float');
const names = () => floats().map((f) => f.dataset.reaction).sort();

test('a button per reaction of the set; a click POSTs it and floats a local glyph at once', async () => {
  const onReact = mock.fn(async (_name: string) => undefined);
  render(<FloatingReactions onReact={onReact} />);
  const buttons = all('reaction-button');
  assert.deepEqual(buttons.map((b) => b.dataset.reaction), [...DEFAULT_REACTIONS]);
  assert.deepEqual(buttons.map((b) => b.getAttribute('aria-label')), ['Love', 'Like', 'Haha', 'Wow', 'Sad', 'Fire', 'Clap']);
  click(buttons[0]!);
  assert.deepEqual(onReact.mock.calls.map((c) => c.arguments[0]), ['heart']);
  assert.equal(floats().length, 1);
  assert.equal(floats()[0]!.dataset.source, 'local');
  assert.equal(floats()[0]!.dataset.reaction, 'heart');
  click(buttons[5]!);
  click(buttons[5]!);
  assert.equal(onReact.mock.callCount(), 3, 'not throttled locally: the server limits (20/s)');
  assert.equal(floats().length, 3);
  await flush();
});

test('a burst of 1,000 hearts draws at most maxPerBurst glyphs, labelled with the real count', () => {
  const src = burstSource();
  render(<FloatingReactions subscribe={src.subscribe} />);
  assert.equal(maybe('reactions-bar'), null, 'no onReact: display only');
  src.emit({ heart: 1000 });
  assert.equal(floats().length, 12);
  assert.ok(floats().every((f) => f.dataset.source === 'burst' && f.dataset.reaction === 'heart'));
  const labelled = floats().filter((f) => f.dataset.count);
  assert.equal(labelled.length, 1);
  assert.equal(labelled[0]!.dataset.count, '1000');
  assert.match(labelled[0]!.textContent ?? '', /×1000/);
  // Spread over the second as they came in.
  const delays = floats().map((f) => parseInt(f.style.animationDelay, 10));
  assert.equal(delays[0], 0);
  assert.ok(delays.every((d, i) => i === 0 || d > delays[i - 1]!) && delays.at(-1)! < 1000, `delays ${delays}`);
});

test('a burst of several names gives each one a glyph before any a second; small counts are drawn exactly', () => {
  const src = burstSource();
  render(<FloatingReactions subscribe={src.subscribe} maxPerBurst={6} />);
  src.emit({ heart: 500, fire: 1, clap: 2 });
  assert.deepEqual(names(), ['clap', 'clap', 'fire', 'heart', 'heart', 'heart']);
  assert.equal(floats().find((f) => f.dataset.reaction === 'heart' && f.dataset.count)?.dataset.count, '500');
  assert.equal(floats().filter((f) => f.dataset.reaction !== 'heart' && f.dataset.count).length, 0, 'counts fully drawn: no label');
  assert.deepEqual(allocateFloats({ a: 1, b: 1, c: 1 }, 2).length, 2);
  assert.deepEqual(allocateFloats({ a: 0, b: -3, c: Number.NaN }, 10), []);
  assert.deepEqual(allocateFloats({ a: 3 }, 10), [{ name: 'a', n: 3 }]);
});

test('glyphs go away once they floated; at most maxFloats are on screen', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  const src = burstSource();
  render(<FloatingReactions subscribe={src.subscribe} maxPerBurst={10} maxFloats={15} durationMs={2000} />);
  src.emit({ wow: 10 });
  src.emit({ sad: 10 });
  assert.equal(floats().length, 15, 'capped, the oldest dropped');
  assert.equal(floats().filter((f) => f.dataset.reaction === 'sad').length, 10, 'the newest kept');
  act(() => mock.timers.tick(2000 + 1000));
  assert.equal(floats().length, 0);
});

test('own reactions are taken out of the next bursts (they already floated locally)', () => {
  const src = burstSource();
  render(<FloatingReactions subscribe={src.subscribe} onReact={() => undefined} />);
  const heart = all('reaction-button').find((b) => b.dataset.reaction === 'heart')!;
  click(heart);
  click(heart);
  assert.equal(floats().length, 2);
  src.emit({ heart: 2, fire: 1 });
  assert.deepEqual(names(), ['fire', 'heart', 'heart'], 'the burst adds only the fire');
  src.emit({ heart: 1 });
  assert.equal(floats().filter((f) => f.dataset.reaction === 'heart').length, 3, 'someone else\'s heart floats');
});

test('a refused reaction shows the error and is not taken out of later bursts', async () => {
  const src = burstSource();
  const onReact = mock.fn(async (_n: string) => {
    throw { status: 429, code: 'rate_limited', message: 'slow down', details: { limitPerSecond: 20 } };
  });
  render(<FloatingReactions subscribe={src.subscribe} onReact={onReact} />);
  click(all('reaction-button').find((b) => b.dataset.reaction === 'clap')!);
  await flush();
  assert.equal(one('reactions-error').textContent, 'Too many requests, try again in a moment.');
  src.emit({ clap: 1 });
  assert.equal(floats().filter((f) => f.dataset.source === 'burst').length, 1);
});

test('reduced motion: one still glyph per name with its count', () => {
  (window as { matchMedia?: unknown }).matchMedia = (q: string) => ({
    matches: q.includes('prefers-reduced-motion'),
    media: q,
    addEventListener() {},
    removeEventListener() {},
  });
  const src = burstSource();
  render(<FloatingReactions subscribe={src.subscribe} />);
  assert.equal(one('floating-reactions').dataset.reducedMotion, 'true');
  assert.ok(one('floating-reactions').classList.contains('cohost-reactions--reduced'));
  src.emit({ heart: 500, fire: 3, wow: 1 });
  assert.deepEqual(names(), ['fire', 'heart', 'wow']);
  assert.deepEqual(floats().map((f) => f.dataset.count ?? null).sort(), ['3', '500', null].sort());
  assert.ok(floats().every((f) => f.style.animationDelay === '0ms'));
  cleanup();
  render(<FloatingReactions subscribe={src.subscribe} reducedMotion={false} />);
  assert.equal(one('floating-reactions').dataset.reducedMotion, 'false', 'the prop overrides the media query');
});

test('subscribes once and unsubscribes on unmount', () => {
  const src = burstSource();
  const r = render(<FloatingReactions subscribe={src.subscribe} />);
  assert.equal(src.listeners.size, 1);
  r.rerender(<FloatingReactions subscribe={src.subscribe} maxPerBurst={3} />);
  assert.equal(src.listeners.size, 1);
  assert.equal(src.unsubscribed.mock.callCount(), 0, 'the same subscribe function: no resubscription');
  r.unmount();
  assert.equal(src.listeners.size, 0);
  assert.equal(src.unsubscribed.mock.callCount(), 1);
});

test('disabled buttons send nothing', () => {
  const onReact = mock.fn();
  render(<FloatingReactions onReact={onReact} disabled />);
  for (const b of all('reaction-button')) click(b);
  assert.equal(onReact.mock.callCount(), 0);
  assert.equal(floats().length, 0);
});
