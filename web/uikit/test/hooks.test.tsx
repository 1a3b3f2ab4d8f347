import { cleanup, act, fakeParticipant, one, render } from './dom.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { useLiveValue, useMediaSessionState, useParticipants } from '../src/index.js';
import type { LiveValueLike, MediaParticipantLike, MediaSessionLike, MediaSessionState } from '../src/types.js';

afterEach(() => {
  cleanup();
});

/** A LiveValue like the SDK's: observe() calls back at once when a value exists. */
function liveValue<T>(initial?: T) {
  const subs = new Set<(v: T) => void>();
  const lv = {
    value: initial as T | undefined,
    observe(cb: (v: T) => void) {
      subs.add(cb);
      if (lv.value !== undefined) cb(lv.value);
      return () => void subs.delete(cb);
    },
    set(v: T) {
      lv.value = v;
      for (const cb of [...subs]) cb(v);
    },
    subs,
  };
  return lv;
}

function Show({ lv }: { lv: LiveValueLike<number> | null }) {
  const v = useLiveValue(lv);
  return <span data-testid="v">{v === undefined ? 'none' : String(v)}</span>;
}

test('useLiveValue follows observe() and unsubscribes on unmount', () => {
  const lv = liveValue<number>();
  const r = render(<Show lv={lv} />);
  assert.equal(one('v').textContent, 'none');
  assert.equal(lv.subs.size, 1);
  act(() => lv.set(1));
  assert.equal(one('v').textContent, '1');
  act(() => lv.set(2));
  assert.equal(one('v').textContent, '2');
  r.unmount();
  assert.equal(lv.subs.size, 0);
});

test('useLiveValue switches LiveValues without showing the old value', () => {
  const a = liveValue(10);
  const b = liveValue<number>();
  const r = render(<Show lv={a} />);
  assert.equal(one('v').textContent, '10');
  r.rerender(<Show lv={b} />);
  assert.equal(one('v').textContent, 'none');
  assert.equal(a.subs.size, 0);
  assert.equal(b.subs.size, 1);
  act(() => a.set(11));
  assert.equal(one('v').textContent, 'none');
  act(() => b.set(5));
  assert.equal(one('v').textContent, '5');
  r.rerender(<Show lv={null} />);
  assert.equal(one('v').textContent, 'none');
  assert.equal(b.subs.size, 0);
});

function fakeSession(initial: MediaSessionState, parts: MediaParticipantLike[] = []) {
  const stateSubs = new Set<(s: MediaSessionState) => void>();
  const partSubs = new Set<(p: MediaParticipantLike[]) => void>();
  const s = {
    state: initial,
    list: parts,
    onState(cb: (s: MediaSessionState) => void) {
      stateSubs.add(cb);
      return () => void stateSubs.delete(cb);
    },
    participants: () => s.list,
    onParticipants(cb: (p: MediaParticipantLike[]) => void) {
      partSubs.add(cb);
      return () => void partSubs.delete(cb);
    },
    setState(v: MediaSessionState) {
      s.state = v;
      for (const cb of [...stateSubs]) cb(v);
    },
    setParticipants(p: MediaParticipantLike[]) {
      s.list = p;
      for (const cb of [...partSubs]) cb(p);
    },
    stateSubs,
    partSubs,
  };
  return s;
}

function SessionView({ session }: { session: MediaSessionLike | null }) {
  const state = useMediaSessionState(session);
  const parts = useParticipants(session);
  return (
    <span data-testid="s" data-state={state ?? 'none'}>
      {parts.map((p) => p.identity).join(',')}
    </span>
  );
}

test('useMediaSessionState and useParticipants follow the session', () => {
  const s = fakeSession('connecting', [fakeParticipant('host')]);
  const r = render(<SessionView session={s} />);
  assert.equal(one('s').dataset.state, 'connecting');
  assert.equal(one('s').textContent, 'host');
  act(() => s.setState('reconnecting'));
  assert.equal(one('s').dataset.state, 'reconnecting');
  act(() => s.setParticipants([fakeParticipant('host'), fakeParticipant('c1')]));
  assert.equal(one('s').textContent, 'host,c1');
  // The same array mutated and re-sent still re-renders.
  act(() => {
    s.list.push(fakeParticipant('c2'));
    s.setParticipants(s.list);
  });
  assert.equal(one('s').textContent, 'host,c1,c2');
  r.rerender(<SessionView session={null} />);
  assert.equal(one('s').dataset.state, 'none');
  assert.equal(one('s').textContent, '');
  assert.equal(s.stateSubs.size, 0);
  assert.equal(s.partSubs.size, 0);
});
