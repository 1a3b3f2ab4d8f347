import { cleanup, act, click, deferred, flush, maybe, one, render } from './dom.js';
import { test, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Countdown, LeaveStageButton, LiveBadge, ReconnectingOverlay, ViewerCount, formatCount } from '../src/index.js';

afterEach(() => {
  cleanup();
  mock.timers.reset();
});

test('ReconnectingOverlay shows only while reconnecting', () => {
  const r = render(<ReconnectingOverlay state="connecting" />);
  assert.equal(maybe('reconnecting-overlay'), null);
  for (const s of ['connected', 'disconnected', undefined, null] as const) {
    r.rerender(<ReconnectingOverlay state={s} />);
    assert.equal(maybe('reconnecting-overlay'), null, String(s));
  }
  r.rerender(<ReconnectingOverlay state="reconnecting" />);
  assert.equal(one('reconnecting-overlay').getAttribute('role'), 'status');
  assert.match(one('reconnecting-overlay').textContent ?? '', /Reconnecting/);
  r.rerender(<ReconnectingOverlay state="connected" />);
  assert.equal(maybe('reconnecting-overlay'), null);
});

test('LeaveStageButton calls onLeave, is busy while pending, shows a failure', async () => {
  const d = deferred();
  const onLeave = mock.fn(() => d.promise);
  const r = render(<LeaveStageButton onLeave={onLeave} />);
  const b = one('leave-stage') as HTMLButtonElement;
  assert.equal(b.textContent, 'Leave stage');
  click(b);
  assert.equal(b.dataset.busy, 'true');
  assert.equal(b.disabled, true);
  click(b);
  assert.equal(onLeave.mock.callCount(), 1);
  d.reject({ code: 'not_on_stage' });
  await flush();
  assert.equal(b.disabled, false);
  assert.equal(one('leave-stage-error').textContent, 'You are not on stage.');
  r.rerender(<LeaveStageButton onLeave={onLeave} disabled label="Leave" />);
  assert.equal((one('leave-stage') as HTMLButtonElement).disabled, true);
  assert.equal(one('leave-stage').textContent, 'Leave');
});

test('ViewerCount', () => {
  const r = render(<ViewerCount count={1} />);
  assert.equal(one('viewer-count').dataset.count, '1');
  assert.equal(one('viewer-count').getAttribute('aria-label'), '1 viewer');
  r.rerender(<ViewerCount count={1234} />);
  assert.match(one('viewer-count').textContent ?? '', /1\.2K watching/);
  assert.equal(one('viewer-count').getAttribute('aria-label'), '1234 viewers');
  r.rerender(<ViewerCount count={undefined} />);
  assert.equal(one('viewer-count').dataset.count, '');
  assert.match(one('viewer-count').textContent ?? '', /— watching/);
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(1000), '1K');
  assert.equal(formatCount(2_560_000), '2.5M');
});

test('LiveBadge', () => {
  const r = render(<LiveBadge />);
  assert.equal(one('live-badge').textContent, 'LIVE');
  assert.equal(one('live-badge').dataset.status, 'live');
  r.rerender(<LiveBadge status="reconnecting" />);
  assert.equal(one('live-badge').textContent, 'Reconnecting');
  r.rerender(<LiveBadge status="idle" />);
  assert.equal(maybe('live-badge'), null);
});

test('Countdown goes 3-2-1 then calls onDone exactly once', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  const onDone = mock.fn();
  render(<Countdown onDone={onDone} />);
  assert.equal(one('countdown').dataset.value, '3');
  act(() => mock.timers.tick(999));
  assert.equal(one('countdown').dataset.value, '3');
  act(() => mock.timers.tick(1));
  assert.equal(one('countdown').dataset.value, '2');
  act(() => mock.timers.tick(1000));
  assert.equal(one('countdown').dataset.value, '1');
  assert.equal(onDone.mock.callCount(), 0);
  act(() => mock.timers.tick(1000));
  assert.equal(onDone.mock.callCount(), 1);
  assert.equal(maybe('countdown'), null);
  act(() => mock.timers.tick(10_000));
  assert.equal(onDone.mock.callCount(), 1);
});

test('Countdown from and intervalMs; unmounting early never calls onDone', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  const onDone = mock.fn();
  const r = render(<Countdown from={5} intervalMs={200} onDone={onDone} />);
  assert.equal(one('countdown').dataset.value, '5');
  // One tick per step: each step's timer is set by the effect after the previous render.
  for (const expected of ['4', '3', '2', '1']) {
    act(() => mock.timers.tick(200));
    assert.equal(one('countdown').dataset.value, expected);
  }
  r.unmount();
  act(() => mock.timers.tick(5000));
  assert.equal(onDone.mock.callCount(), 0);
});
