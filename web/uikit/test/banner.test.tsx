import { cleanup, act, click, deferred, flush, maybe, one, render } from './dom.js';
import { test, mock, afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { InvitationBanner, formatSeconds } from '../src/index.js';
import type { InvitationLike } from '../src/types.js';
import { invitation } from './fixtures.js';

const T0 = Date.parse('2026-11-27T20:00:00.000Z');

beforeEach(() => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: T0 });
});
afterEach(() => {
  cleanup();
  mock.timers.reset();
});

const tick = (ms: number) => act(() => mock.timers.tick(ms));
const pendingInv = (over: Partial<InvitationLike> = {}) => invitation('me', { expiresAt: new Date(T0 + 120_000).toISOString(), ...over });

function banner(inv: InvitationLike | null, over: Partial<Parameters<typeof InvitationBanner>[0]> = {}) {
  return <InvitationBanner invitation={inv} onAccept={() => undefined} onDecline={() => undefined} closingNoteMs={2000} {...over} />;
}

test('shows the host name, the room title and a countdown to expiresAt', () => {
  render(banner(pendingInv()));
  const b = one('invitation-banner');
  assert.equal(b.dataset.state, 'open');
  assert.equal(b.getAttribute('aria-live'), 'polite');
  assert.match(b.textContent ?? '', /Hana Host invited you to co-host/);
  assert.match(b.textContent ?? '', /Friday night cooking/);
  assert.equal(one('invitation-countdown').dataset.seconds, '120');
  assert.equal(one('invitation-countdown').textContent, '2:00');
  tick(1000);
  assert.equal(one('invitation-countdown').dataset.seconds, '119');
  tick(60_000);
  assert.equal(one('invitation-countdown').textContent, '0:59');
});

test('renders nothing for null or a non-pending invitation', () => {
  render(banner(null));
  assert.equal(maybe('invitation-banner'), null);
  render(banner(pendingInv({ status: 'cancelled' })));
  assert.equal(maybe('invitation-banner'), null);
});

test('closes with "Invitation cancelled" when the host cancels, then disappears and calls onClosed', () => {
  const onClosed = mock.fn();
  const inv = pendingInv();
  const r = render(banner(inv, { onClosed }));
  r.rerender(banner({ ...inv, status: 'cancelled' }, { onClosed }));
  assert.equal(one('invitation-banner').dataset.state, 'closing');
  assert.equal(one('invitation-note').textContent, 'Invitation cancelled');
  assert.equal(one('invitation-note').dataset.reason, 'cancelled');
  assert.equal(maybe('invitation-accept'), null, 'no more buttons while closing');
  tick(1999);
  assert.ok(maybe('invitation-banner'));
  assert.equal(onClosed.mock.callCount(), 0);
  tick(1);
  assert.equal(maybe('invitation-banner'), null);
  assert.equal(onClosed.mock.callCount(), 1);
});

test('closes with "Invitation expired" on the server status and on its own countdown', () => {
  const inv = pendingInv();
  const r = render(banner(inv));
  r.rerender(banner({ ...inv, status: 'expired' }));
  assert.equal(one('invitation-note').textContent, 'Invitation expired');
  tick(2000);
  assert.equal(maybe('invitation-banner'), null);

  // No event from the server: the countdown reaching 0 closes it anyway.
  const inv2 = pendingInv({ expiresAt: new Date(Date.now() + 5_000).toISOString() });
  r.rerender(banner(inv2));
  assert.equal(one('invitation-banner').dataset.state, 'open');
  tick(4000);
  assert.equal(one('invitation-countdown').dataset.seconds, '1');
  tick(1000);
  assert.equal(one('invitation-banner').dataset.state, 'closing');
  assert.equal(one('invitation-note').dataset.reason, 'expired');
  // A late re-render with the same still-"pending" object must not reopen it.
  r.rerender(banner({ ...inv2 }));
  assert.equal(one('invitation-banner').dataset.state, 'closing');
  tick(2000);
  assert.equal(maybe('invitation-banner'), null);
});

test('null from the parent closes it with "no longer available"', () => {
  const r = render(banner(pendingInv()));
  r.rerender(banner(null));
  assert.equal(one('invitation-note').dataset.reason, 'unavailable');
  assert.equal(one('invitation-note').textContent, 'Invitation no longer available');
});

test('Accept calls back, is busy while pending, then closes without a note', async () => {
  const d = deferred();
  const accepted: string[] = [];
  const inv = pendingInv();
  const onAccept = (i: InvitationLike) => {
    accepted.push(i.invitationId);
    return d.promise;
  };
  const r = render(banner(inv, { onAccept }));
  click(one('invitation-accept'));
  assert.deepEqual(accepted, [inv.invitationId]);
  assert.equal((one('invitation-accept') as HTMLButtonElement).disabled, true);
  assert.equal((one('invitation-decline') as HTMLButtonElement).disabled, true);
  d.resolve(undefined);
  await flush();
  assert.equal(maybe('invitation-banner'), null);
  // The parent still lists it as pending for a moment, then drops it: no reopening, no note.
  r.rerender(banner({ ...inv }, { onAccept }));
  assert.equal(maybe('invitation-banner'), null);
  r.rerender(banner(null, { onAccept }));
  assert.equal(maybe('invitation-banner'), null);
});

test('the accepted event arriving before the Accept reply closes it silently', async () => {
  const d = deferred();
  const inv = pendingInv();
  const r = render(banner(inv, { onAccept: () => d.promise }));
  click(one('invitation-accept'));
  r.rerender(banner({ ...inv, status: 'approved' }, { onAccept: () => d.promise }));
  assert.equal(maybe('invitation-note'), null);
  assert.equal(maybe('invitation-banner'), null);
  d.resolve(undefined);
  await flush();
  assert.equal(maybe('invitation-banner'), null);
});

test('a cancel racing an Accept still shows "Invitation cancelled"', async () => {
  const d = deferred();
  const inv = pendingInv();
  const r = render(banner(inv, { onAccept: () => d.promise }));
  click(one('invitation-accept'));
  r.rerender(banner({ ...inv, status: 'cancelled' }, { onAccept: () => d.promise }));
  assert.equal(one('invitation-note').dataset.reason, 'cancelled');
  d.reject({ code: 'invitation_not_pending' });
  await flush();
  assert.equal(one('invitation-note').dataset.reason, 'cancelled');
});

test('a failed Accept shows the error and re-enables the buttons', async () => {
  render(banner(pendingInv(), { onAccept: () => Promise.reject({ code: 'stage_full', message: 'full' }) }));
  click(one('invitation-accept'));
  await flush();
  assert.equal(one('invitation-error').textContent, 'The stage is full.');
  assert.equal((one('invitation-accept') as HTMLButtonElement).disabled, false);
  assert.equal(one('invitation-banner').dataset.state, 'open');
});

test('Decline calls onDecline with the invitation and closes', async () => {
  const onDecline = mock.fn(async (_i: InvitationLike) => undefined);
  const inv = pendingInv();
  render(banner(inv, { onDecline }));
  click(one('invitation-decline'));
  await flush();
  assert.equal(onDecline.mock.callCount(), 1);
  assert.equal(onDecline.mock.calls[0]!.arguments[0].invitationId, inv.invitationId);
  assert.equal(maybe('invitation-banner'), null);
});

test('a new invitation replaces the one closing', () => {
  const first = pendingInv();
  const r = render(banner(first));
  r.rerender(banner({ ...first, status: 'cancelled' }));
  assert.equal(one('invitation-banner').dataset.state, 'closing');
  const second = pendingInv({ roomTitle: 'Another room' });
  r.rerender(banner(second));
  assert.equal(one('invitation-banner').dataset.state, 'open');
  assert.equal(one('invitation-banner').dataset.invitationId, second.invitationId);
  assert.match(one('invitation-banner').textContent ?? '', /Another room/);
  tick(5000);
  assert.equal(one('invitation-banner').dataset.state, 'open', 'the old closing timer must not close the new one');
});

test('formatSeconds', () => {
  assert.equal(formatSeconds(0), '0:00');
  assert.equal(formatSeconds(9), '0:09');
  assert.equal(formatSeconds(75), '1:15');
  assert.equal(formatSeconds(-3), '0:00');
});
