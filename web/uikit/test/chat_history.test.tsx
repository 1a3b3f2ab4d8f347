// LiveChat's history paging ("Load earlier messages": shown while hasEarlier, disabled while
// loading, scroll position kept when older messages arrive, refusals shown), slow-mode changes
// arriving live (notice and running wait), and SlowModeControl (choices, busy, follows the room,
// refusal goes back). No timed assertions: time is mocked where a wait is involved.
import { cleanup, act, click, deferred, flush, maybe, one, render } from './dom.js';
import { test, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  LiveChat, SlowModeControl, slowModeLabel, type ChatMessageLike, type LiveChatProps, type SlowModeControlProps,
} from '../src/index.js';

afterEach(() => {
  cleanup();
  mock.timers.reset();
});

const T0 = Date.parse('2026-11-29T09:00:00.000Z');
const msg = (n: number): ChatMessageLike => ({
  messageId: `MS_${n}`, text: `m${n}`, author: { userId: 'vic', displayName: 'Vic', role: 'viewer' }, createdAt: '2026-11-29T09:00:00.000Z',
});
const span = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));
const shownIds = () => Array.from(document.querySelectorAll<HTMLElement>('[data-testid="chat-message"]'), (el) => el.dataset.messageId);

function chat(over: Partial<LiveChatProps> = {}) {
  const props: LiveChatProps = {
    messages: span(5, 9),
    me: { userId: 'vic', role: 'viewer' },
    onSend: mock.fn(async () => undefined),
    ...over,
  };
  return { props, r: render(<LiveChat {...props} />) };
}

/** Gives the list element scroll metrics (jsdom has no layout). */
function fakeScroll(list: HTMLElement, m: { scrollHeight: number; clientHeight: number }) {
  Object.defineProperty(list, 'scrollHeight', { configurable: true, get: () => m.scrollHeight });
  Object.defineProperty(list, 'clientHeight', { configurable: true, get: () => m.clientHeight });
}

function scrollTo(list: HTMLElement, top: number) {
  act(() => {
    list.scrollTop = top;
    list.dispatchEvent(new window.Event('scroll'));
  });
}

test('"Load earlier messages" shows only with a loader and while the server has more', () => {
  const { props, r } = chat({ hasEarlier: true });
  assert.equal(maybe('chat-load-earlier'), null, 'no loader: no control');
  r.rerender(<LiveChat {...props} hasEarlier={false} onLoadEarlier={async () => undefined} />);
  assert.equal(maybe('chat-load-earlier'), null, 'nothing earlier: no control');
  r.rerender(<LiveChat {...props} hasEarlier onLoadEarlier={async () => undefined} />);
  const button = one('chat-load-earlier') as HTMLButtonElement;
  assert.equal(button.textContent, 'Load earlier messages');
  const list = one('chat-list');
  assert.equal(list.firstElementChild?.contains(button), true, 'at the top of the list');
});

test('loading: disabled and busy, one call however often clicked, enabled again after', async () => {
  const pending = deferred<number>();
  const onLoadEarlier = mock.fn(() => pending.promise);
  const { props, r } = chat({ hasEarlier: true, onLoadEarlier });
  click(one('chat-load-earlier'));
  const button = one('chat-load-earlier') as HTMLButtonElement;
  assert.equal(button.disabled, true);
  assert.equal(button.getAttribute('aria-busy'), 'true');
  assert.match(button.textContent ?? '', /Loading/);
  click(button);
  assert.equal(onLoadEarlier.mock.callCount(), 1, 'a disabled control ignores clicks');

  r.rerender(<LiveChat {...props} onLoadEarlier={onLoadEarlier} messages={span(1, 9)} />);
  await act(async () => {
    pending.resolve(4);
    await pending.promise;
  });
  await flush();
  assert.deepEqual(shownIds(), span(1, 9).map((m) => m.messageId), 'the older messages above');
  const again = one('chat-load-earlier') as HTMLButtonElement;
  assert.equal(again.disabled, false);
  assert.equal(again.getAttribute('aria-busy'), null);
  click(again);
  assert.equal(onLoadEarlier.mock.callCount(), 2);
});

test('older messages arriving keep the message that was on top in place, without a jump button', async () => {
  const pending = deferred<number>();
  const { props, r } = chat({ hasEarlier: true, onLoadEarlier: () => pending.promise });
  const list = one('chat-list');
  const m = { scrollHeight: 1000, clientHeight: 300 };
  fakeScroll(list, m);
  scrollTo(list, 40); // the user scrolled up to the control
  click(one('chat-load-earlier'));

  m.scrollHeight = 1600; // five more messages above
  r.rerender(<LiveChat {...props} messages={span(1, 9)} />);
  assert.equal(list.scrollTop, 640, 'the distance from the bottom is kept: 1600 - (1000 - 40)');
  assert.equal(maybe('chat-jump'), null);
  await act(async () => {
    pending.resolve(4);
    await pending.promise;
  });

  // A later deletion of the first message is not a page: nothing moves.
  scrollTo(list, 500);
  m.scrollHeight = 1500;
  r.rerender(<LiveChat {...props} messages={span(2, 9)} />);
  assert.equal(list.scrollTop, 500);
});

test('a load that brought nothing leaves no restore behind for a later change at the top', async () => {
  const { props, r } = chat({ hasEarlier: true, onLoadEarlier: async () => 0 });
  const list = one('chat-list');
  const m = { scrollHeight: 1000, clientHeight: 300 };
  fakeScroll(list, m);
  scrollTo(list, 100);
  click(one('chat-load-earlier'));
  await flush();
  scrollTo(list, 300);
  m.scrollHeight = 900;
  r.rerender(<LiveChat {...props} hasEarlier={false} messages={span(6, 9)} />);
  assert.equal(list.scrollTop, 300, 'a deletion of the first message does not scroll');
  assert.equal(maybe('chat-load-earlier'), null, 'nothing earlier any more');
});

test('a refused load is shown, the messages stay, and the control can be used again', async () => {
  const onLoadEarlier = mock.fn(async () => {
    throw { status: 403, code: 'banned', message: 'banned' };
  });
  chat({ hasEarlier: true, onLoadEarlier });
  click(one('chat-load-earlier'));
  await flush();
  assert.equal(one('chat-earlier-error').textContent, 'You are banned from this room.');
  assert.deepEqual(shownIds(), span(5, 9).map((m) => m.messageId));
  assert.equal((one('chat-load-earlier') as HTMLButtonElement).disabled, false);

  onLoadEarlier.mock.mockImplementation(async () => {
    throw new Error('network down');
  });
  click(one('chat-load-earlier'));
  await flush();
  assert.equal(one('chat-earlier-error').textContent, 'network down');
});

test('slow mode turned on and off while watching: the notice follows; off ends a running wait', async () => {
  mock.timers.enable({ apis: ['setInterval', 'Date'], now: T0 });
  const { props, r } = chat();
  assert.equal(maybe('chat-slow-mode'), null);
  r.rerender(<LiveChat {...props} slowModeSeconds={30} />);
  assert.match(one('chat-slow-mode').textContent ?? '', /one message every 30 s/);

  // Send once: a 30 s wait.
  const input = one('chat-input') as HTMLInputElement;
  const setter = Object.getOwnPropertyDescriptor(window.HTMLInputElement.prototype, 'value')!.set!;
  act(() => {
    setter.call(input, 'hello');
    input.dispatchEvent(new window.Event('input', { bubbles: true }));
  });
  click(one('chat-send'));
  await flush();
  assert.equal(one('chat-slow-mode').dataset.seconds, '30');
  act(() => mock.timers.tick(5000));
  assert.equal(one('chat-slow-mode').dataset.seconds, '25');

  // The host shortens it to 10 s: the wait moves by the difference (the server measures from the post).
  r.rerender(<LiveChat {...props} slowModeSeconds={10} />);
  assert.equal(one('chat-slow-mode').dataset.seconds, '5');
  // Longer again (60 s): 55 s left.
  r.rerender(<LiveChat {...props} slowModeSeconds={60} />);
  assert.equal(one('chat-slow-mode').dataset.seconds, '55');
  assert.equal((one('chat-send') as HTMLButtonElement).disabled, true);

  // Off: no notice, no wait, Send enabled with a draft.
  r.rerender(<LiveChat {...props} slowModeSeconds={0} />);
  assert.equal(maybe('chat-slow-mode'), null);
  act(() => {
    setter.call(one('chat-input'), 'again');
    one('chat-input').dispatchEvent(new window.Event('input', { bubbles: true }));
  });
  assert.equal((one('chat-send') as HTMLButtonElement).disabled, false);
});

// ---- SlowModeControl ----------------------------------------------------------------------------

function select(value: string) {
  const el = one('slow-mode-select') as HTMLSelectElement;
  const setter = Object.getOwnPropertyDescriptor(window.HTMLSelectElement.prototype, 'value')!.set!;
  act(() => {
    setter.call(el, value);
    el.dispatchEvent(new window.Event('change', { bubbles: true }));
  });
}
const optionValues = () => Array.from((one('slow-mode-select') as HTMLSelectElement).options, (o) => [o.value, o.textContent]);

function control(over: Partial<SlowModeControlProps> = {}) {
  const props: SlowModeControlProps = { seconds: 0, onChange: mock.fn(async () => undefined), ...over };
  return { props, r: render(<SlowModeControl {...props} />) };
}

test('SlowModeControl lists Off to 5 min (plus a current value outside them) and says what it means', () => {
  const { props, r } = control();
  assert.deepEqual(optionValues(), [['0', 'Off'], ['5', '5 s'], ['10', '10 s'], ['30', '30 s'], ['60', '1 min'], ['120', '2 min'], ['300', '5 min']]);
  assert.equal((one('slow-mode-select') as HTMLSelectElement).value, '0');
  assert.equal(one('slow-mode-status').textContent, 'Viewers can chat freely.');
  r.rerender(<SlowModeControl {...props} seconds={45} />);
  assert.equal((one('slow-mode-select') as HTMLSelectElement).value, '45');
  assert.ok(optionValues().some(([v, t]) => v === '45' && t === '45 s'));
  assert.equal(one('slow-mode-status').textContent, 'Viewers can send one message every 45 s.');
  assert.equal(one('slow-mode-control').dataset.seconds, '45');
  assert.equal(slowModeLabel(90), '90 s');
  assert.equal(slowModeLabel(0), 'Off');
});

test('SlowModeControl: a choice calls onChange once, busy until it answers, shown until the room follows', async () => {
  const pending = deferred();
  const onChange = mock.fn((_s: number) => pending.promise);
  const { props, r } = control({ onChange });
  select('30');
  assert.deepEqual(onChange.mock.calls.map((c) => c.arguments[0]), [30]);
  const el = one('slow-mode-select') as HTMLSelectElement;
  assert.equal(el.disabled, true);
  assert.equal(el.getAttribute('aria-busy'), 'true');
  assert.equal(el.value, '30', 'the choice shows while it is sent');
  await act(async () => {
    pending.resolve(undefined);
    await pending.promise;
  });
  assert.equal(el.disabled, false);
  assert.equal(el.value, '30', 'still shown before room.updated arrives');
  r.rerender(<SlowModeControl {...props} onChange={onChange} seconds={30} />);
  assert.equal(el.value, '30');
  // Someone else (the app backend) turns it off: the control follows the room.
  r.rerender(<SlowModeControl {...props} onChange={onChange} seconds={0} />);
  assert.equal(el.value, '0');
  assert.equal(onChange.mock.callCount(), 1);
});

test('SlowModeControl: a refusal goes back to the room value with the reason; disabled stays disabled', async () => {
  const onChange = mock.fn(async (_s: number) => {
    throw { status: 403, code: 'not_host', message: 'only the host can update the room' };
  });
  const { props, r } = control({ seconds: 10, onChange });
  select('60');
  await flush();
  assert.equal((one('slow-mode-select') as HTMLSelectElement).value, '10');
  assert.equal(one('slow-mode-error').textContent, 'Only the host can do this.');
  assert.equal((one('slow-mode-select') as HTMLSelectElement).disabled, false);
  r.rerender(<SlowModeControl {...props} onChange={onChange} disabled />);
  assert.equal((one('slow-mode-select') as HTMLSelectElement).disabled, true);
});
