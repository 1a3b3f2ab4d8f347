import { cleanup, act, all, click, deferred, flush, maybe, one, render, typeInto } from './dom.js';
import { test, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  FloatingReactions, LiveChat, ProductManager, ProductPermissionToggle, ProductShelf, formatPrice, type ProductLike,
  type ProductManagerProps,
} from '../src/index.js';

afterEach(() => {
  cleanup();
  mock.timers.reset();
});

function product(id: string, over: Partial<ProductLike> = {}): ProductLike {
  return { productId: id, name: `Product ${id}`, url: `https://shop.test/${id}`, price: '12.50', currency: 'EUR', imageUrl: `https://img.test/${id}.png`, status: 'active', ...over };
}

const mug = product('mug', { name: 'Mug' });
const tee = product('tee', { name: 'Tee', price: '1500', currency: 'JPY', imageUrl: null });
const cap = product('cap', { name: 'Cap', price: '20.00', currency: 'USD' });
const old = product('old', { name: 'Old', status: 'archived' });

// ---------------------------------------------------------------------------------------- shelf

test('the shelf renders nothing without an available product', () => {
  const r = render(<ProductShelf products={[]} pinnedProductId={null} />);
  assert.equal(maybe('product-shelf'), null);
  r.rerender(<ProductShelf products={[old]} pinnedProductId="old" />);
  assert.equal(maybe('product-shelf'), null, 'archived products are not offered');
});

test('the pinned card: name, price with its currency, image, Buy opening the url; view once, click on Buy', () => {
  const onView = mock.fn((_p: ProductLike) => Promise.resolve());
  const onBuy = mock.fn((_p: ProductLike) => undefined);
  const r = render(<ProductShelf products={[tee, mug, cap]} pinnedProductId="mug" onView={onView} onBuy={onBuy} locale="en-US" />);
  const card = one('pinned-product');
  assert.equal(card.dataset.productId, 'mug');
  assert.equal(one('product-name', card).textContent, 'Mug');
  assert.equal(one('product-price', card).textContent, '€12.50');
  assert.equal(one('product-image', card).getAttribute('src'), 'https://img.test/mug.png');
  assert.match(card.textContent ?? '', /Pinned/);
  const buy = one('pinned-buy') as HTMLAnchorElement;
  assert.equal(buy.getAttribute('href'), 'https://shop.test/mug');
  assert.equal(buy.getAttribute('target'), '_blank');
  assert.equal(buy.getAttribute('rel'), 'noopener noreferrer');
  assert.deepEqual(onView.mock.calls.map((c) => c.arguments[0]), [mug]);

  // jsdom would navigate: keep the default action from running, the callback still fires.
  buy.addEventListener('click', (e) => e.preventDefault());
  click(buy);
  assert.deepEqual(onBuy.mock.calls.map((c) => c.arguments[0]), [mug]);

  r.rerender(<ProductShelf products={[tee, { ...mug }, cap]} pinnedProductId="mug" onView={onView} onBuy={onBuy} locale="en-US" />);
  assert.equal(onView.mock.callCount(), 1, 'an update of the same pin is not a new view');
  r.rerender(<ProductShelf products={[tee, mug, cap]} pinnedProductId="tee" onView={onView} onBuy={onBuy} locale="en-US" />);
  assert.equal(one('product-price').textContent, '¥1,500', 'JPY has no minor unit');
  assert.equal(maybe('product-image', one('pinned-product')), null, 'no image: a placeholder');
  r.rerender(<ProductShelf products={[tee, mug, cap]} pinnedProductId="mug" onView={onView} onBuy={onBuy} locale="en-US" />);
  assert.deepEqual(onView.mock.calls.map((c) => c.arguments[0].productId), ['mug', 'tee'], 'once per product');
  r.rerender(<ProductShelf products={[tee, mug, cap]} pinnedProductId={null} onView={onView} locale="en-US" />);
  assert.equal(maybe('pinned-product'), null, 'unpinned: the card goes');
});

test('the list of other products opens with the toggle; Buy there reports a click too', () => {
  const onBuy = mock.fn((_p: ProductLike) => undefined);
  render(<ProductShelf products={[tee, mug, cap, old]} pinnedProductId="mug" onBuy={onBuy} />);
  const toggle = one('product-shelf-toggle');
  assert.equal(toggle.getAttribute('aria-expanded'), 'false');
  assert.match(toggle.textContent ?? '', /Products \(3\)/);
  assert.equal(all('product-item').length, 0);
  click(toggle);
  assert.deepEqual(all('product-item').map((i) => i.dataset.productId), ['tee', 'cap'], 'the pinned one is the card, archived are left out');
  const buy = one('product-buy', all('product-item')[1]!);
  buy.addEventListener('click', (e) => e.preventDefault());
  click(buy);
  assert.deepEqual(onBuy.mock.calls.map((c) => c.arguments[0].productId), ['cap']);
});

test('showPinned=false hides the card (room ended); failing analytics never break the shelf', () => {
  const onView = mock.fn(() => Promise.reject(new Error('offline')));
  const r = render(<ProductShelf products={[mug, cap]} pinnedProductId="mug" showPinned={false} onView={onView} defaultExpanded />);
  assert.equal(maybe('pinned-product'), null);
  assert.equal(all('product-item').length, 2);
  assert.equal(onView.mock.callCount(), 0);
  r.rerender(<ProductShelf products={[mug, cap]} pinnedProductId="mug" onView={() => { throw new Error('sync'); }} />);
  assert.equal(one('pinned-product').dataset.productId, 'mug');
});

test('formatPrice: Intl currency formatting, the raw value for an invalid currency', () => {
  assert.equal(formatPrice('19.99', 'USD', 'en-US'), '$19.99');
  assert.equal(formatPrice('1234.5', 'EUR', 'de-DE'), '1.234,50\u00a0€');
  assert.equal(formatPrice('1.00', 'EURO', 'en-US'), '1.00 EURO');
});

// -------------------------------------------------------------------------------------- manager

function manager(over: Partial<ProductManagerProps> = {}) {
  const props: ProductManagerProps = {
    products: [mug],
    pinnedProductId: null,
    canManage: true,
    onSearch: mock.fn(async (_q: string) => [mug, tee, cap, old]),
    onSetProducts: mock.fn(async (_ids: string[]) => undefined),
    onPin: mock.fn(async (_id: string) => undefined),
    onUnpin: mock.fn(async () => undefined),
    searchDelayMs: 0,
    ...over,
  };
  const r = render(<ProductManager {...props} />);
  return { props, r };
}
const calls = (f: unknown) => (f as ReturnType<typeof mock.fn>).mock.calls.map((c) => c.arguments);
const catalogueRow = (id: string) => document.querySelector<HTMLElement>(`[data-testid="catalogue-product"][data-product-id="${id}"]`)!;

async function loaded() {
  await act(async () => {
    await new Promise((r) => setTimeout(r, 0));
  });
  await flush();
}

test('the catalogue (active only) with Add; the room list with Pin and Remove; each change a full-list PUT', async () => {
  const { props, r } = manager();
  await loaded();
  assert.deepEqual(calls(props.onSearch), [['']], 'the newest products on open');
  assert.deepEqual(all('catalogue-product').map((x) => x.dataset.productId), ['mug', 'tee', 'cap']);
  assert.equal(catalogueRow('mug').dataset.status, 'tagged');
  assert.equal((one('manager-add', catalogueRow('mug')) as HTMLButtonElement).disabled, true);
  assert.equal(one('manager-capacity').textContent, '1/20');

  click(one('manager-add', catalogueRow('cap')));
  await flush();
  assert.deepEqual(calls(props.onSetProducts), [[['mug', 'cap']]]);
  // A second Add before the products event arrived builds on the list just sent.
  click(one('manager-add', catalogueRow('tee')));
  await flush();
  assert.deepEqual(calls(props.onSetProducts)[1], [['mug', 'cap', 'tee']]);

  r.rerender(<ProductManager {...props} products={[mug, cap, tee]} pinnedProductId="cap" />);
  assert.deepEqual(all('manager-product').map((x) => `${x.dataset.productId}:${x.dataset.pinned}`), ['mug:false', 'cap:true', 'tee:false']);
  click(one('manager-pin', all('manager-product')[0]!));
  click(one('manager-unpin'));
  click(one('manager-remove', all('manager-product')[2]!));
  await flush();
  assert.deepEqual(calls(props.onPin), [['mug']]);
  assert.equal(calls(props.onUnpin).length, 1);
  assert.deepEqual(calls(props.onSetProducts)[2], [['mug', 'cap']]);
});

test('disabled without permission, with the reason', async () => {
  const { props } = manager({ canManage: false, products: [mug, cap], pinnedProductId: 'cap' });
  await loaded();
  assert.equal(one('product-manager').dataset.canManage, 'false');
  assert.match(one('manager-locked').textContent ?? '', /Only the host, or a co-host the host allowed/);
  const buttons = ['manager-add', 'manager-pin', 'manager-unpin', 'manager-remove'].flatMap((id) => all(id)) as HTMLButtonElement[];
  assert.ok(buttons.length >= 5, `found ${buttons.length} buttons`);
  assert.ok(buttons.every((b) => b.disabled), 'every action disabled');
  assert.equal((one('manager-search') as HTMLInputElement).disabled, true);
  for (const b of buttons) click(b);
  await flush();
  assert.equal(calls(props.onSetProducts).length + calls(props.onPin).length + calls(props.onUnpin).length, 0);
});

test('canPin=false (room ended): pinning off, the list still editable', async () => {
  manager({ canPin: false, products: [mug, cap], pinnedProductId: 'cap' });
  await loaded();
  assert.equal((one('manager-pin') as HTMLButtonElement).disabled, true);
  assert.equal((one('manager-unpin') as HTMLButtonElement).disabled, true);
  assert.ok((all('manager-remove') as HTMLButtonElement[]).every((b) => !b.disabled));
});

test('at 20 products Add is disabled with a notice', async () => {
  const twenty = Array.from({ length: 20 }, (_, i) => product(`p${i}`));
  const { props } = manager({ products: twenty });
  await loaded();
  assert.equal(one('manager-capacity').textContent, '20/20');
  assert.match(one('manager-full').textContent ?? '', /20 of 20 products/);
  const adds = all('manager-add') as HTMLButtonElement[];
  assert.ok(adds.length > 0 && adds.every((b) => b.disabled));
  for (const b of adds) click(b);
  await flush();
  assert.equal(calls(props.onSetProducts).length, 0);
  assert.ok((all('manager-remove') as HTMLButtonElement[]).every((b) => !b.disabled), 'removing frees a slot');
});

test('refusals are shown: too_many_products, an archived product, a failed search', async () => {
  const onSetProducts = mock.fn(async (_ids: string[]) => {
    throw { status: 400, code: 'too_many_products', message: 'too many', details: { max: 20 } };
  });
  manager({ onSetProducts, max: 25 });
  await loaded();
  click(one('manager-add', catalogueRow('cap')));
  await flush();
  assert.equal(one('manager-error').textContent, 'A room can have at most 20 products.');
  cleanup();

  const archived = mock.fn(async (_ids: string[]) => {
    throw { status: 400, code: 'invalid_argument', message: 'archived', details: { productId: 'cap' } };
  });
  manager({ onSetProducts: archived });
  await loaded();
  click(one('manager-add', catalogueRow('cap')));
  await flush();
  assert.equal(one('manager-error').textContent, 'That product is no longer available.');
  cleanup();

  manager({ onSearch: async () => Promise.reject({ status: 0, code: 'network_error', message: 'Network down' }) });
  await loaded();
  assert.equal(one('manager-search-error').textContent, 'Network down');
});

test('the search is debounced and a stale answer is dropped', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  const slow = deferred<ProductLike[]>();
  const answers: Record<string, Promise<ProductLike[]>> = { '': Promise.resolve([]), mu: slow.promise, mug: Promise.resolve([mug]) };
  const onSearch = mock.fn((q: string) => answers[q]!);
  manager({ onSearch, searchDelayMs: 200 });
  act(() => mock.timers.tick(0));
  await flush();
  typeInto(one('manager-search') as HTMLInputElement, 'mu');
  act(() => mock.timers.tick(200));
  typeInto(one('manager-search') as HTMLInputElement, 'mug');
  act(() => mock.timers.tick(199));
  assert.deepEqual(onSearch.mock.calls.map((c) => c.arguments[0]), ['', 'mu']);
  act(() => mock.timers.tick(1));
  await flush();
  slow.resolve([cap]);
  await flush();
  assert.deepEqual(all('catalogue-product').map((x) => x.dataset.productId), ['mug'], 'the answer for "mu" came late and is ignored');
});

test('ProductPermissionToggle grants and revokes canManageProducts; a failure is shown', async () => {
  const d = deferred();
  const onChange = mock.fn((_u: string, _on: boolean) => d.promise);
  const member = { userId: 'cole', displayName: 'Cole', permissions: { canManageProducts: false } };
  const r = render(<ProductPermissionToggle member={member} onChange={onChange} />);
  const sw = one('grant-products') as HTMLButtonElement;
  assert.equal(sw.getAttribute('role'), 'switch');
  assert.equal(sw.dataset.on, 'false');
  assert.equal(sw.getAttribute('aria-checked'), 'false');
  click(sw);
  assert.deepEqual(onChange.mock.calls[0]?.arguments, ['cole', true]);
  assert.equal(sw.disabled, true, 'busy');
  d.resolve(undefined);
  await flush();
  r.rerender(<ProductPermissionToggle member={{ ...member, permissions: { canManageProducts: true } }} onChange={onChange} />);
  assert.equal(one('grant-products').dataset.on, 'true');
  const fail = mock.fn(async () => {
    throw { status: 403, code: 'not_host', message: 'x' };
  });
  r.rerender(<ProductPermissionToggle member={{ ...member, permissions: { canManageProducts: true } }} onChange={fail} />);
  click(one('grant-products'));
  await flush();
  assert.deepEqual(fail.mock.calls[0]?.arguments, ['cole', false]);
  assert.equal(one('grant-products-error').textContent, 'Only the host can do this.');
});

// ------------------------------------------------------------------------ theme of the engagement UI

test('every class the engagement components render is cohost- prefixed and styled in theme.css', async () => {
  const root = join(import.meta.dirname, '..');
  const css = readFileSync(join(root, 'src', 'theme.css'), 'utf8');
  const cssClasses = new Set(Array.from(css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/\.(-?[_a-zA-Z][\w-]*)/g), (m) => m[1]!));
  const msg = (id: string, role: 'host' | 'cohost' | 'viewer') => ({ messageId: id, text: 'hi', author: { userId: id, displayName: id, role }, createdAt: '' });
  render(
    <div>
      <LiveChat messages={[msg('h', 'host'), msg('c', 'cohost'), msg('v', 'viewer')]} me={{ userId: 'h', role: 'host' }} onSend={async () => undefined} onDelete={async () => undefined} onModerate={async () => undefined} slowModeSeconds={5} />
      <LiveChat messages={[]} me={null} onSend={async () => undefined} />
      <FloatingReactions onReact={() => undefined} reducedMotion />
      <ProductShelf products={[mug, cap]} pinnedProductId="mug" defaultExpanded />
      <ProductManager products={[mug, cap]} pinnedProductId="mug" canManage={false} onSearch={async () => [mug]} onSetProducts={async () => undefined} onPin={async () => undefined} onUnpin={async () => undefined} onClose={() => undefined} />
      <ProductPermissionToggle member={{ userId: 'c', displayName: 'C' }} onChange={async () => undefined} />
    </div>,
  );
  await loaded();
  click(all('chat-menu-button')[1]!);
  click(all('reaction-button')[0]!);
  typeInto(all('chat-input')[0] as HTMLInputElement, 'x'.repeat(2001));
  const used = new Set<string>();
  for (const el of Array.from(document.querySelectorAll('[class]'))) {
    const cls = el.getAttribute('class') ?? '';
    for (const c of cls.split(/\s+/).filter(Boolean)) used.add(c);
  }
  assert.ok(used.size > 50, `rendered ${used.size} classes`);
  assert.deepEqual([...used].filter((c) => !c.startsWith('cohost-')), []);
  const unstyled = [...used].filter((c) => !cssClasses.has(c));
  assert.deepEqual(unstyled, []);

  // And the README documents every test id of these files.
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const ids = new Set<string>();
  for (const f of readdirSync(join(root, 'src')).filter((x) => /^(LiveChat|FloatingReactions|ProductShelf|ProductManager)\.tsx$/.test(x))) {
    for (const m of readFileSync(join(root, 'src', f), 'utf8').matchAll(/(?:data-testid|testId)="([\w-]+)"/g)) ids.add(m[1]!);
  }
  ids.add('chat-mute').add('chat-unmute').add('chat-ban').add('chat-unban'); // built as `chat-${action}`
  assert.deepEqual([...ids].filter((id) => !readme.includes(`\`${id}\``)), []);
});
