import { cleanup, act, all, click, deferred, flush, maybe, one, render, typeInto } from './dom.js';
import { test, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { LiveChat, messagePermissions, type ChatMessageLike, type ChatRole, type LiveChatProps } from '../src/index.js';

afterEach(() => {
  cleanup();
  mock.timers.reset();
});

const T0 = Date.parse('2026-11-27T20:00:00.000Z');

let seq = 1;
function msg(userId: string, role: ChatRole, text = `hello from ${userId}`): ChatMessageLike {
  return { messageId: `MS_${seq++}`, text, author: { userId, displayName: `Name ${userId}`, role }, createdAt: '2026-11-27T20:00:00.000Z' };
}

const host = { userId: 'hana', role: 'host' as const };
const stage = [host, { userId: 'cole', role: 'cohost' as const }, { userId: 'cleo', role: 'cohost' as const }];
const fromHost = msg('hana', 'host');
const fromCole = msg('cole', 'cohost');
const fromCleo = msg('cleo', 'cohost');
const fromVic = msg('vic', 'viewer');
const fromVera = msg('vera', 'viewer');
const all5 = [fromHost, fromCole, fromCleo, fromVic, fromVera];

function chat(over: Partial<LiveChatProps> = {}) {
  const props: LiveChatProps = {
    messages: all5,
    me: { userId: 'vic', role: 'viewer' },
    stage,
    onSend: mock.fn(async () => undefined),
    onDelete: mock.fn(async () => undefined),
    onModerate: mock.fn(async () => undefined),
    ...over,
  };
  return { props, r: render(<LiveChat {...props} />) };
}

const row = (id: string) => document.querySelector<HTMLElement>(`[data-testid="chat-message"][data-message-id="${id}"]`)!;
const hasMenu = (m: ChatMessageLike) => maybe('chat-menu-button', row(m.messageId)) !== null;
/** The menu items offered on a message (opens its menu, reads, closes it). */
function menuOf(m: ChatMessageLike): string[] {
  const button = maybe('chat-menu-button', row(m.messageId));
  if (!button) return [];
  click(button);
  const items = all('chat-menu', row(m.messageId)).flatMap((menu) => Array.from(menu.querySelectorAll<HTMLElement>('[role=menuitem]')).map((b) => b.dataset.testid!));
  click(button);
  assert.equal(maybe('chat-menu', row(m.messageId)), null, 'the menu closes again');
  return items;
}

test('messages render oldest first with author names and a badge per role', () => {
  chat();
  const rows = all('chat-message');
  assert.deepEqual(rows.map((r) => r.dataset.messageId), all5.map((m) => m.messageId));
  assert.deepEqual(rows.map((r) => r.dataset.role), ['host', 'cohost', 'cohost', 'viewer', 'viewer']);
  assert.deepEqual(rows.map((r) => maybe('chat-badge', r)?.textContent ?? null), ['Host', 'Co-host', 'Co-host', null, null]);
  assert.deepEqual(rows.map((r) => maybe('chat-badge', r)?.dataset.role ?? null), ['host', 'cohost', 'cohost', null, null]);
  assert.equal(one('chat-author', row(fromVic.messageId)).textContent, 'Name vic');
});

test('text is shown as text, never as markup', () => {
  const evil = msg('vic', 'viewer', '<img src=x onerror="alert(1)"><b>bold</b>');
  chat({ messages: [evil] });
  assert.equal(one('chat-text').textContent, '<img src=x onerror="alert(1)"><b>bold</b>');
  assert.equal(document.querySelector('.cohost-chat img, .cohost-chat b'), null);
});

test('a viewer may delete only their own messages and moderates nobody', () => {
  chat();
  assert.deepEqual(menuOf(fromVic), ['chat-delete']);
  for (const m of [fromHost, fromCole, fromVera]) assert.equal(hasMenu(m), false, m.author.userId);
});

test('a co-host deletes and mutes viewers, never the host or another co-host, and cannot ban', () => {
  chat({ me: { userId: 'cole', role: 'cohost' } });
  assert.deepEqual(menuOf(fromVic), ['chat-delete', 'chat-mute', 'chat-unmute']);
  assert.deepEqual(menuOf(fromCole), ['chat-delete'], 'own message: delete only');
  assert.equal(hasMenu(fromHost), false);
  assert.equal(hasMenu(fromCleo), false);
  assert.equal(all('chat-ban').length, 0);
});

test('a co-host cannot touch a message whose viewer author is on stage now', () => {
  const nowOnStage = [...stage, { userId: 'vera', role: 'cohost' as const }];
  chat({ me: { userId: 'cole', role: 'cohost' }, stage: nowOnStage });
  assert.equal(hasMenu(fromVera), false);
  assert.deepEqual(menuOf(fromVic), ['chat-delete', 'chat-mute', 'chat-unmute']);
});

test('the host deletes anything and moderates (mute, unmute, ban) everyone but itself', () => {
  chat({ me: { userId: 'hana', role: 'host' } });
  assert.deepEqual(menuOf(fromHost), ['chat-delete']);
  for (const m of [fromCole, fromVic]) assert.deepEqual(menuOf(m), ['chat-delete', 'chat-mute', 'chat-unmute', 'chat-ban'], m.author.userId);
});

test('a known moderation state offers only the useful action', () => {
  mock.timers.enable({ apis: ['Date'], now: T0 });
  const later = new Date(T0 + 60_000).toISOString();
  const moderation = {
    vic: { userId: 'vic', muted: true, mutedUntil: later, banned: false, bannedUntil: null },
    vera: { userId: 'vera', muted: false, mutedUntil: null, banned: true, bannedUntil: null },
  };
  chat({ me: { userId: 'hana', role: 'host' }, moderation });
  assert.deepEqual(menuOf(fromVic), ['chat-delete', 'chat-unmute', 'chat-ban']);
  assert.deepEqual(menuOf(fromVera), ['chat-delete', 'chat-mute', 'chat-unban']);
  // An expired mute counts as not muted.
  assert.deepEqual(messagePermissions(host, fromVic, stage, { ...moderation.vic, mutedUntil: new Date(T0 - 1).toISOString() }, T0).moderate, ['mute', 'ban']);
});

test('menu actions call back with the right request; a refusal is shown inline', async () => {
  const { props } = chat({ me: { userId: 'hana', role: 'host' } });
  click(one('chat-menu-button', row(fromVic.messageId)));
  assert.equal(one('chat-mute').textContent, 'Mute 5 min');
  click(one('chat-mute', row(fromVic.messageId)));
  await flush();
  const onModerate = props.onModerate as unknown as ReturnType<typeof mock.fn>;
  assert.deepEqual(onModerate.mock.calls[0]?.arguments, [{ action: 'mute', userId: 'vic', durationSeconds: 300 }]);
  assert.equal(maybe('chat-menu'), null, 'the menu closes after an action');

  click(one('chat-menu-button', row(fromCole.messageId)));
  click(one('chat-ban', row(fromCole.messageId)));
  await flush();
  assert.deepEqual(onModerate.mock.calls[1]?.arguments, [{ action: 'ban', userId: 'cole' }]);

  const d = deferred();
  const onDelete = mock.fn((_m: ChatMessageLike) => d.promise);
  chat({ me: { userId: 'hana', role: 'host' }, onDelete });
  const rows = all('chat-message').filter((r) => r.dataset.messageId === fromVera.messageId);
  const second = rows[rows.length - 1]!;
  click(one('chat-menu-button', second));
  click(one('chat-delete', second));
  assert.equal(onDelete.mock.calls[0]?.arguments[0], fromVera);
  d.reject({ code: 'forbidden', message: 'nope' });
  await flush();
  assert.equal(one('chat-error').textContent, 'You are not allowed to do this.');
});

test('the composer sends the trimmed text, clears on success, keeps the draft and shows a failure', async () => {
  const d = deferred();
  const onSend = mock.fn((_text: string) => d.promise);
  chat({ onSend });
  const input = one('chat-input') as HTMLInputElement;
  const send = one('chat-send') as HTMLButtonElement;
  assert.equal(send.disabled, true, 'empty: nothing to send');
  typeInto(input, '   ');
  assert.equal(send.disabled, true, 'white space only');
  typeInto(input, '  hi there  ');
  assert.equal(send.disabled, false);
  click(send);
  assert.deepEqual(onSend.mock.calls[0]?.arguments, ['hi there']);
  assert.equal(send.disabled, true, 'busy while sending');
  d.reject({ code: 'room_ended', message: 'x' });
  await flush();
  assert.equal(one('chat-error').textContent, 'The room has ended.');
  assert.equal(input.value, '  hi there  ', 'the draft is kept');

  const ok = mock.fn(async (_text: string) => undefined);
  cleanup();
  chat({ onSend: ok });
  typeInto(one('chat-input') as HTMLInputElement, 'again');
  click(one('chat-send'));
  await flush();
  assert.equal((one('chat-input') as HTMLInputElement).value, '');
  assert.equal(maybe('chat-error'), null);
});

test('over 2,000 characters (code points) cannot be sent; the counter shows it', () => {
  chat();
  const input = one('chat-input') as HTMLInputElement;
  typeInto(input, 'x'.repeat(2000));
  assert.equal((one('chat-send') as HTMLButtonElement).disabled, false);
  assert.equal(one('chat-counter').dataset.length, '2000');
  typeInto(input, '😀'.repeat(2001)); // 2 UTF-16 units each, one character each
  assert.equal((one('chat-send') as HTMLButtonElement).disabled, true);
  assert.equal(one('chat-counter').textContent, '2001/2000');
  assert.equal(input.getAttribute('aria-invalid'), 'true');
  typeInto(input, 'short');
  assert.equal(maybe('chat-counter'), null);
});

test('429 slow_mode: a notice with the seconds to wait, Send disabled until then', async () => {
  mock.timers.enable({ apis: ['setInterval', 'Date'], now: T0 });
  const onSend = mock.fn(async (_text: string) => {
    throw { status: 429, code: 'slow_mode', message: 'slow', details: { retryAfterSeconds: 7, slowModeSeconds: 30 } };
  });
  chat({ onSend, slowModeSeconds: 30 });
  assert.match(one('chat-slow-mode').textContent ?? '', /one message every 30 s/);
  assert.equal(one('chat-slow-mode').dataset.seconds, '0');
  typeInto(one('chat-input') as HTMLInputElement, 'quick');
  click(one('chat-send'));
  await flush();
  assert.equal(one('chat-slow-mode').dataset.seconds, '7');
  assert.match(one('chat-slow-mode').textContent ?? '', /send again in 7 s/);
  assert.equal((one('chat-send') as HTMLButtonElement).disabled, true);
  assert.equal((one('chat-input') as HTMLInputElement).disabled, false, 'typing stays possible');
  assert.equal(maybe('chat-error'), null, 'the wait is the message, not an error');
  act(() => mock.timers.tick(3000));
  assert.equal(one('chat-slow-mode').dataset.seconds, '4');
  act(() => mock.timers.tick(4000));
  assert.equal(one('chat-slow-mode').dataset.seconds, '0');
  assert.equal((one('chat-send') as HTMLButtonElement).disabled, false);
});

test('slow mode: after a message is sent the viewer waits the interval', async () => {
  mock.timers.enable({ apis: ['setInterval', 'Date'], now: T0 });
  chat({ slowModeSeconds: 10 });
  typeInto(one('chat-input') as HTMLInputElement, 'first');
  click(one('chat-send'));
  await flush();
  assert.equal(one('chat-slow-mode').dataset.seconds, '10');
  cleanup();
  chat({ slowModeSeconds: 10, me: { userId: 'hana', role: 'host' } });
  assert.equal(maybe('chat-slow-mode'), null, 'host and co-hosts are exempt');
});

test('muted: 403 muted disables the composer with the time left; an unmute event enables it', async () => {
  mock.timers.enable({ apis: ['setInterval', 'Date'], now: T0 });
  const until = new Date(T0 + 125_000).toISOString();
  const onSend = mock.fn(async (_text: string) => {
    throw { status: 403, code: 'muted', message: 'muted', details: { until } };
  });
  const { props, r } = chat({ onSend });
  typeInto(one('chat-input') as HTMLInputElement, 'hi');
  click(one('chat-send'));
  await flush();
  const reason = one('chat-disabled-reason');
  assert.equal(reason.dataset.reason, 'muted');
  assert.match(reason.textContent ?? '', /muted for 2:05/);
  assert.equal((one('chat-input') as HTMLInputElement).disabled, true);
  act(() => mock.timers.tick(5000));
  assert.match(one('chat-disabled-reason').textContent ?? '', /muted for 2:00/);

  r.rerender(<LiveChat {...props} moderation={{ vic: { userId: 'vic', muted: false, mutedUntil: null, banned: false, bannedUntil: null } }} />);
  assert.equal(maybe('chat-disabled-reason'), null);
  assert.equal((one('chat-input') as HTMLInputElement).disabled, false);
});

test('a mute from the moderation states ends by itself at mutedUntil', () => {
  mock.timers.enable({ apis: ['setInterval', 'Date'], now: T0 });
  chat({ moderation: { vic: { userId: 'vic', muted: true, mutedUntil: new Date(T0 + 3000).toISOString(), banned: false, bannedUntil: null } } });
  assert.equal(one('chat-disabled-reason').dataset.reason, 'muted');
  act(() => mock.timers.tick(3000));
  assert.equal(maybe('chat-disabled-reason'), null);
});

test('banned, ended, signed out: the composer is disabled with the reason', async () => {
  const { props, r } = chat({ moderation: { vic: { userId: 'vic', muted: false, mutedUntil: null, banned: true, bannedUntil: null } } });
  assert.equal(one('chat-disabled-reason').dataset.reason, 'banned');
  r.rerender(<LiveChat {...props} moderation={{}} roomStatus="ended" />);
  assert.equal(one('chat-disabled-reason').dataset.reason, 'ended');
  r.rerender(<LiveChat {...props} moderation={{}} me={null} />);
  assert.equal(one('chat-disabled-reason').dataset.reason, 'signed-out');
  assert.equal(all('chat-menu-button').length, 0, 'nobody signed in: no menus');
  r.rerender(<LiveChat {...props} moderation={{}} messages={[]} error={{ code: 'banned', status: 403, message: 'banned' }} />);
  assert.equal(one('chat-disabled-reason').dataset.reason, 'banned');
  assert.equal(one('chat-history-error').textContent, 'You are banned from this room.');

  cleanup();
  const onSend = mock.fn(async (_text: string) => {
    throw { status: 403, code: 'banned', message: 'banned' };
  });
  chat({ onSend });
  typeInto(one('chat-input') as HTMLInputElement, 'hi');
  click(one('chat-send'));
  await flush();
  assert.equal(one('chat-disabled-reason').dataset.reason, 'banned');
});

/** Gives the list element scroll metrics (jsdom has no layout). */
function fakeScroll(list: HTMLElement, m: { scrollHeight: number; clientHeight: number }) {
  Object.defineProperty(list, 'scrollHeight', { configurable: true, get: () => m.scrollHeight });
  Object.defineProperty(list, 'clientHeight', { configurable: true, get: () => m.clientHeight });
}

test('new messages scroll to the bottom, unless the user scrolled up: then a jump button', () => {
  const { props, r } = chat({ messages: all5.slice(0, 3) });
  const list = one('chat-list');
  const m = { scrollHeight: 1000, clientHeight: 300 };
  fakeScroll(list, m);
  r.rerender(<LiveChat {...props} messages={all5.slice(0, 4)} />);
  assert.equal(list.scrollTop, 1000, 'followed the new message');

  // The user scrolls up to read.
  act(() => {
    list.scrollTop = 200;
    list.dispatchEvent(new window.Event('scroll'));
  });
  m.scrollHeight = 1100;
  r.rerender(<LiveChat {...props} messages={all5} />);
  assert.equal(list.scrollTop, 200, 'stays where the user is');
  click(one('chat-jump'));
  assert.equal(list.scrollTop, 1100);
  assert.equal(maybe('chat-jump'), null);

  // A deletion (no new last message) never shows the jump.
  act(() => {
    list.scrollTop = 100;
    list.dispatchEvent(new window.Event('scroll'));
  });
  r.rerender(<LiveChat {...props} messages={all5.filter((x) => x !== fromCole)} />);
  assert.equal(maybe('chat-jump'), null);
});
