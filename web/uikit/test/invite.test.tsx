import { cleanup, act, all, click, deferred, flush, maybe, one, render, typeInto } from './dom.js';
import { test, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { InviteCoHostPage, type InviteCoHostPageProps } from '../src/index.js';
import type { UserLike } from '../src/types.js';
import { host, invitation, member, user } from './fixtures.js';

afterEach(() => {
  cleanup();
  mock.timers.reset();
});

function props(over: Partial<InviteCoHostPageProps> = {}): InviteCoHostPageProps {
  return {
    onSearch: async () => [],
    viewers: [user('v1', 'Vera'), user('v2', 'Victor')],
    pendingInvitations: [],
    stage: [host()],
    maxCoHosts: 2,
    onInvite: async () => undefined,
    onCancel: async () => undefined,
    ...over,
  };
}

const inviteButton = (userId: string) => all('invite-button').find((b) => b.dataset.userId === userId) as HTMLButtonElement;

test('lists the viewers with an enabled Invite button each and calls onInvite with the user', async () => {
  const invited: UserLike[] = [];
  render(<InviteCoHostPage {...props({ onInvite: async (u) => void invited.push(u) })} />);
  assert.deepEqual(all('invite-user').map((r) => r.dataset.userId), ['v1', 'v2']);
  assert.equal(one('invite-page').dataset.full, 'false');
  assert.equal(maybe('invite-full-notice'), null);
  const b = inviteButton('v2');
  assert.equal(b.disabled, false);
  assert.equal(b.getAttribute('aria-label'), 'Invite Victor');
  click(b);
  await flush();
  assert.deepEqual(invited.map((u) => u.userId), ['v2']);
});

test('a viewer on stage or already invited cannot be invited again', () => {
  const pending = invitation('v2');
  render(
    <InviteCoHostPage
      {...props({
        maxCoHosts: 4,
        viewers: [user('v1'), user('v2'), user('v3')],
        stage: [host(), member('v3')],
        pendingInvitations: [pending, invitation('v9', { status: 'cancelled' })],
      })}
    />,
  );
  // v3 is on stage: not listed among the watchers; v2 is invited.
  assert.deepEqual(all('invite-user').map((r) => [r.dataset.userId, r.dataset.status]), [
    ['v1', 'invitable'],
    ['v2', 'invited'],
  ]);
  assert.equal(inviteButton('v1').disabled, false);
  assert.equal(inviteButton('v2').disabled, true);
  assert.equal(inviteButton('v2').textContent, 'Invited');
  // Only pending invitations are listed.
  assert.deepEqual(all('pending-invitation').map((r) => r.dataset.invitationId), [pending.invitationId]);
});

test('full stage (co-hosts + pending >= maxCoHosts) disables every invite and the search, keeps Cancel', async () => {
  const pending = invitation('v2');
  const cancelled: string[] = [];
  const onInvite = mock.fn(async () => undefined);
  const r = render(
    <InviteCoHostPage
      {...props({ maxCoHosts: 2, stage: [host(), member('c1')], pendingInvitations: [pending], onInvite, onCancel: async (i) => void cancelled.push(i.invitationId) })}
    />,
  );
  assert.equal(one('invite-page').dataset.full, 'true');
  assert.match(one('invite-full-notice').textContent ?? '', /stage is full \(2\/2\)/);
  for (const b of all('invite-button') as HTMLButtonElement[]) assert.equal(b.disabled, true);
  assert.equal((one('invite-search') as HTMLInputElement).disabled, true);
  click(inviteButton('v1'));
  await flush();
  assert.equal(onInvite.mock.callCount(), 0);

  const cancel = one('invite-cancel') as HTMLButtonElement;
  assert.equal(cancel.disabled, false);
  click(cancel);
  await flush();
  assert.deepEqual(cancelled, [pending.invitationId]);

  // The parent drops the cancelled invitation: a seat is free again.
  r.rerender(<InviteCoHostPage {...props({ maxCoHosts: 2, stage: [host(), member('c1')], pendingInvitations: [], onInvite })} />);
  assert.equal(one('invite-page').dataset.full, 'false');
  assert.equal(maybe('invite-full-notice'), null);
  assert.equal(inviteButton('v1').disabled, false);
});

test('the host is not counted toward capacity', () => {
  render(<InviteCoHostPage {...props({ maxCoHosts: 1, stage: [host()] })} />);
  assert.equal(one('invite-page').dataset.full, 'false');
});

test('a failed invite shows the error (CohostError codes mapped) and re-enables the button', async () => {
  const d = deferred();
  render(<InviteCoHostPage {...props({ onInvite: () => d.promise })} />);
  click(inviteButton('v1'));
  assert.equal(inviteButton('v1').disabled, true, 'busy while the invite is in flight');
  assert.equal(inviteButton('v1').textContent, 'Inviting…');
  d.reject(Object.assign(new Error('409 stage_full'), { code: 'stage_full', status: 409 }));
  await flush();
  assert.equal(one('invite-error').textContent, 'The stage is full.');
  assert.equal(one('invite-error').getAttribute('role'), 'alert');
  assert.equal(inviteButton('v1').disabled, false);
});

test('an error without a known code shows its message', async () => {
  render(<InviteCoHostPage {...props({ onInvite: async () => Promise.reject(new Error('network down')) })} />);
  click(inviteButton('v1'));
  await flush();
  assert.equal(one('invite-error').textContent, 'network down');
});

test('search is debounced, shows results instead of the viewers, and drops stale answers', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  const calls: string[] = [];
  const answers = new Map<string, ReturnType<typeof deferred<UserLike[]>>>();
  const onSearch = (q: string) => {
    calls.push(q);
    const d = deferred<UserLike[]>();
    answers.set(q, d);
    return d.promise;
  };
  render(<InviteCoHostPage {...props({ onSearch, searchDelayMs: 250, stage: [host(), member('c1')], maxCoHosts: 4 })} />);
  const input = one('invite-search') as HTMLInputElement;
  typeInto(input, 'a');
  typeInto(input, 'al');
  act(() => mock.timers.tick(249));
  assert.deepEqual(calls, []);
  act(() => mock.timers.tick(1));
  assert.deepEqual(calls, ['al']);
  typeInto(input, 'ali');
  act(() => mock.timers.tick(250));
  assert.deepEqual(calls, ['al', 'ali']);
  // The newer answer arrives first, then the stale one: the stale one must not win.
  answers.get('ali')!.resolve([user('u-ali', 'Alice'), user('c1', 'Carl')]);
  await flush();
  answers.get('al')!.resolve([user('u-al', 'Al')]);
  await flush();
  assert.deepEqual(all('invite-user').map((r) => [r.dataset.userId, r.dataset.status]), [
    ['u-ali', 'invitable'],
    ['c1', 'on-stage'],
  ]);
  // Clearing the query brings the viewers back.
  typeInto(input, '  ');
  assert.deepEqual(all('invite-user').map((r) => r.dataset.userId), ['v1', 'v2']);
});

test('a failed search shows its error', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  render(<InviteCoHostPage {...props({ onSearch: () => Promise.reject({ code: 'rate_limited', message: 'slow down' }) })} />);
  typeInto(one('invite-search') as HTMLInputElement, 'bob');
  act(() => mock.timers.tick(250));
  await flush();
  assert.equal(one('invite-error').textContent, 'Too many requests, try again in a moment.');
});

test('a failed cancel shows the error; Close calls onClose', async () => {
  const onClose = mock.fn();
  render(
    <InviteCoHostPage
      {...props({ pendingInvitations: [invitation('v2')], onClose, onCancel: () => Promise.reject({ code: 'invitation_not_pending' }) })}
    />,
  );
  click(one('invite-cancel'));
  await flush();
  assert.equal(one('invite-error').textContent, 'This invitation is no longer available.');
  click(one('invite-close'));
  assert.equal(onClose.mock.callCount(), 1);
});
