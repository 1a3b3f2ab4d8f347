// Issue 7 (engagement UI) end to end through the demo app cohostd serves at / (web/demo): three
// people in three Chromiums (fake camera + mic), every action a click or a keystroke in the UI.
// alice (desktop 1280x800) hosts, bob (phone 390x844) becomes her co-host, carol (phone) watches.
//
// alice goes live -> carol chats, alice sees the message and answers (carol sees the Host badge) ->
// alice deletes carol's message from its menu, carol sees it disappear -> bob is invited and joins
// live -> alice tags two catalogue products from her product manager, carol's shelf lists them ->
// alice grants bob "Can manage products" on the stage, bob opens the manager and pins the mug ->
// carol sees the pinned card (name, price with its currency) and clicks Buy: the product page opens
// in a new tab and `GET …/products/stats` counts the click, credited to alice and bob -> carol's
// heart floats on alice's and bob's pages -> bob (co-host) has no Ban in his menu, mutes carol for
// 5 min, and carol's composer says she is muted.
//
// The catalogue is app-backend only (`POST /v1/products`): the test mints an app-backend token
// (HS256 with the server's secret, `video.roomAdmin`, no `sub`). Steps build on each other (once one
// fails the rest is skipped). Screenshots go to output/demo_engagement/ (NN-<user>-<step>.png) with
// cohostd.log; any console error or uncaught exception in any page fails the step where it appeared.
// web/demo/dist is rebuilt first when older than the web sources (demo_lib.mjs ensureDemoBuilt).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';

import { closeAll, http, outputDir, show, startCohostd, steps, waitUntil } from './harness.mjs';
import { DESKTOP, DemoUser, PHONE, consoleErrors, ensureDemoBuilt } from './demo_lib.mjs';

const TITLE = 'Shop the look, live';

let server;
let out;
let admin;      // app-backend token
const U = {};   // alice, bob, carol: DemoUser
const S = {};   // journey state

const b64url = (s) => Buffer.from(s).toString('base64url');

/** An app-backend token: HS256 with the server's secret, `video.roomAdmin: true`, no `sub`. */
function appBackendToken() {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ iss: server.apiKey, nbf: now - 5, exp: now + 3600, video: { roomAdmin: true } }));
  return `${head}.${body}.${createHmac('sha256', server.apiSecret).update(`${head}.${body}`).digest('base64url')}`;
}

async function api(method, path, body) {
  const r = await http(server.baseUrl, method, path, {
    token: admin, body: body === undefined ? undefined : JSON.stringify(body), contentType: body === undefined ? undefined : 'application/json',
  });
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${show(r)}`);
  return r.json;
}

before(async (t) => {
  out = outputDir('demo_engagement');
  t.diagnostic?.(ensureDemoBuilt());
  server = await startCohostd({ config: { media: { public_ip: '127.0.0.1', workers: 1 } }, logFile: join(out, 'cohostd.log') });
  admin = appBackendToken();
  // Product pages on this server (a tab opened by Buy must not need the internet).
  for (const p of [
    { productId: 'mug', name: 'Stoneware mug', price: '12.5', currency: 'EUR' },
    { productId: 'tee', name: 'Logo tee', price: '20.00', currency: 'USD' },
  ]) {
    await api('POST', '/v1/products', { ...p, url: `${server.baseUrl}/healthz?product=${p.productId}` });
  }
  U.alice = await DemoUser.open('alice', server.baseUrl, { outDir: out, viewport: DESKTOP });
  U.bob = await DemoUser.open('bob', server.baseUrl, { outDir: out, viewport: PHONE });
  U.carol = await DemoUser.open('carol', server.baseUrl, { outDir: out, viewport: PHONE });
});

after(async () => {
  await closeAll(Object.values(U));
  if (server) await server.stop();
});

function assertNoConsoleErrors() {
  for (const u of Object.values(U)) {
    const errs = consoleErrors(u);
    assert.deepEqual(errs, [], `${u.name}'s page logged errors:\n${errs.join('\n')}`);
  }
}

/** The chat messages a page shows: [{id, userId, role, text, badge}]. */
function messages(u) {
  return u.page.evaluate(() => Array.from(document.querySelectorAll('[data-testid="chat-message"]')).map((m) => ({
    id: m.getAttribute('data-message-id'),
    userId: m.getAttribute('data-user-id'),
    role: m.getAttribute('data-role'),
    text: m.querySelector('[data-testid="chat-text"]')?.textContent ?? '',
    badge: m.querySelector('[data-testid="chat-badge"]')?.textContent ?? null,
  })));
}

const waitMessages = (u, predicate, what) =>
  waitUntil(() => messages(u), predicate, { timeoutMs: 15_000, intervalMs: 200, what: `${u.name}: ${what}` });

/** Types `text` into the chat composer and sends it. */
async function say(u, text) {
  await u.tid('chat-input').fill(text);
  await u.tid('chat-send').click();
  await waitMessages(u, (l) => l.some((m) => m.text === text), `own message "${text}" shown`);
}

describe('demo app: chat, moderation, reactions and products through the UI', { concurrency: 1 }, () => {
  const step = steps({
    afterEach: assertNoConsoleErrors,
    onFailure: async (name) => {
      for (const u of Object.values(U)) await u.shot(`FAILED-${name.slice(0, 24).replace(/\W+/g, '_')}`).catch(() => {});
    },
  });

  step('alice logs in, creates a room and goes live', { timeout: 60_000 }, async () => {
    const { alice } = U;
    await alice.login('alice', 'Alice');
    await alice.tid('create-room').click();
    await alice.tid('room-title-input').fill(TITLE);
    await alice.tid('create-room-submit').click();
    await alice.visible(alice.tid('backstage'), 'the host backstage');
    S.roomId = decodeURIComponent(/#\/room\/([^/]+)/.exec(alice.page.url())?.[1] ?? '');
    assert.match(S.roomId, /^RM_/);
    await alice.assertVideoPlays('[data-testid="backstage-preview"]', 'the backstage preview');
    await alice.tid('join-live').click();
    await alice.visible(alice.tid('host-live'), 'the host live view', 30_000);
    await alice.visible(alice.tid('live-badge', { status: 'live' }), 'the LIVE badge', 20_000);
    await alice.visible(alice.tid('engagement-panel', { role: 'host' }), 'her chat panel');
    await alice.shot('live');
  });

  step('carol watches and chats; alice sees it and answers with the Host badge', { timeout: 60_000 }, async () => {
    const { alice, carol } = U;
    await carol.login('carol', 'Carol');
    await carol.visible(carol.tid('room-card', { 'room-id': S.roomId }), 'the live room card', 20_000);
    await carol.tid('room-card', { 'room-id': S.roomId }).click();
    await carol.visible(carol.tid('viewer'), 'the viewer view');
    await carol.visible(carol.tid('engagement-panel', { role: 'viewer' }), 'her chat panel');
    await say(carol, 'Hello from Carol');
    const seen = await waitMessages(alice, (l) => l.some((m) => m.userId === 'carol' && m.text === 'Hello from Carol'), 'carol\'s message');
    S.carolMsg = seen.find((m) => m.userId === 'carol').id;
    assert.equal(seen.find((m) => m.userId === 'carol').badge, null, 'a viewer has no badge');
    await say(alice, 'Welcome, Carol!');
    const onCarol = await waitMessages(carol, (l) => l.some((m) => m.text === 'Welcome, Carol!'), 'alice\'s answer');
    const answer = onCarol.find((m) => m.text === 'Welcome, Carol!');
    assert.equal(answer.role, 'host');
    assert.equal(answer.badge, 'Host');
    // A viewer's menu: only her own message has one, with Delete only.
    const carolRow = carol.tid('chat-message', { 'message-id': S.carolMsg });
    await carolRow.locator('[data-testid="chat-menu-button"]').click();
    assert.deepEqual(await carolRow.locator('[role="menuitem"]').evaluateAll((els) => els.map((e) => e.dataset.testid)), ['chat-delete']);
    await carolRow.locator('[data-testid="chat-menu-button"]').click();
    const aliceRow = carol.tid('chat-message', { 'message-id': answer.id });
    assert.equal(await aliceRow.locator('[data-testid="chat-menu-button"]').count(), 0, 'no menu on the host\'s message for a viewer');
    await carol.shot('chat');
    await alice.shot('chat');
  });

  step('alice deletes carol\'s message from its menu; carol sees it disappear', { timeout: 30_000 }, async () => {
    const { alice, carol } = U;
    const row = alice.tid('chat-message', { 'message-id': S.carolMsg });
    await row.locator('[data-testid="chat-menu-button"]').click();
    const items = await row.locator('[role="menuitem"]').evaluateAll((els) => els.map((e) => e.dataset.testid));
    assert.deepEqual(items, ['chat-delete', 'chat-mute', 'chat-unmute', 'chat-ban'], 'the host\'s menu on a viewer\'s message');
    await alice.shot('message-menu');
    await row.locator('[data-testid="chat-delete"]').click();
    await carol.gone(carol.tid('chat-message', { 'message-id': S.carolMsg }), 'carol\'s deleted message');
    await alice.gone(row, 'the deleted message on alice\'s page');
    await carol.shot('message-deleted');
  });

  step('bob is invited, accepts and joins live as co-host', { timeout: 90_000 }, async () => {
    const { alice, bob } = U;
    await bob.login('bob', 'Bob');
    await bob.tid('room-card', { 'room-id': S.roomId }).click();
    await bob.visible(bob.tid('viewer'), 'bob\'s viewer view');
    await alice.tid('open-invite').click();
    await alice.visible(alice.tid('invite-user', { 'user-id': 'bob' }), 'bob among the people watching', 20_000);
    await alice.tid('invite-button', { 'user-id': 'bob' }).first().click();
    await bob.visible(bob.tid('invitation-banner', { state: 'open' }), 'the invitation banner');
    await bob.tid('invitation-accept').click();
    await bob.visible(bob.tid('join-live'), 'bob\'s Join live');
    await bob.assertVideoPlays('[data-testid="backstage-preview"]', 'bob\'s backstage preview');
    await bob.tid('join-live').click();
    await bob.visible(bob.tid('cohost-live'), 'bob on stage', 30_000);
    await bob.visible(bob.tid('engagement-panel', { role: 'cohost' }), 'bob\'s panel as co-host');
    await alice.tid('invite-close').click();
    assert.equal(await bob.tid('open-products').count(), 0, 'no product manager without the permission');
  });

  step('alice tags two products from her manager; carol\'s shelf lists them', { timeout: 30_000 }, async () => {
    const { alice, carol } = U;
    await alice.tid('open-products').click();
    await alice.visible(alice.tid('product-manager', { 'can-manage': 'true' }), 'the product manager');
    await alice.visible(alice.tid('catalogue-product', { 'product-id': 'mug' }), 'the mug in the catalogue');
    await alice.tid('manager-add', { 'product-id': 'mug' }).click();
    await alice.visible(alice.tid('manager-product', { 'product-id': 'mug' }), 'the mug in the room');
    await alice.tid('manager-add', { 'product-id': 'tee' }).click();
    await alice.visible(alice.tid('manager-product', { 'product-id': 'tee' }), 'the tee in the room');
    assert.equal(await alice.tid('manager-capacity').innerText(), '2/20');
    await alice.shot('product-manager');
    await carol.visible(carol.tid('product-shelf', { count: '2' }), 'carol\'s shelf with two products');
    assert.equal(await carol.tid('pinned-product').count(), 0, 'nothing pinned yet');
    const room = await api('GET', `/v1/rooms/${S.roomId}/products`);
    assert.deepEqual(room.products.map((p) => p.productId), ['mug', 'tee']);
  });

  step('alice grants bob "Can manage products" on the stage; bob pins the mug', { timeout: 30_000 }, async () => {
    const { alice, bob, carol } = U;
    const sw = alice.tid('grant-products', { 'user-id': 'bob' });
    await alice.visible(sw, 'the permission switch on bob');
    assert.equal(await sw.getAttribute('data-on'), 'false');
    await sw.click();
    await alice.visible(alice.tid('grant-products', { 'user-id': 'bob', on: 'true' }), 'the switch on');
    await alice.shot('granted');
    await bob.visible(bob.tid('products-permission-notice', { on: 'true' }), 'bob\'s "allowed" notice');
    await bob.tid('open-products').click();
    await bob.visible(bob.tid('product-manager', { 'can-manage': 'true' }), 'bob\'s product manager');
    await bob.tid('manager-pin', { 'product-id': 'mug' }).click();
    await bob.visible(bob.tid('manager-product', { 'product-id': 'mug', pinned: 'true' }), 'the mug pinned in bob\'s manager');
    await bob.shot('pinned');
    await alice.visible(alice.tid('manager-product', { 'product-id': 'mug', pinned: 'true' }), 'the pin on alice\'s manager');
    const card = carol.tid('pinned-product', { 'product-id': 'mug' });
    await carol.visible(card, 'the pinned card on carol\'s page');
    assert.equal(await card.locator('[data-testid="product-name"]').innerText(), 'Stoneware mug');
    assert.match(await card.locator('[data-testid="product-price"]').innerText(), /€\s?12\.50|12[.,]50\s?€/);
    await carol.shot('pinned-card');
  });

  step('carol clicks Buy: the product page opens and the stats count the click for alice and bob', { timeout: 30_000 }, async (t) => {
    const { carol } = U;
    const popup = carol.user.context.waitForEvent('page', { timeout: 10_000 });
    await carol.tid('pinned-buy', { 'product-id': 'mug' }).click();
    const tab = await popup;
    await tab.waitForLoadState('domcontentloaded').catch(() => {});
    assert.equal(tab.url(), `${server.baseUrl}/healthz?product=mug`);
    await tab.close();
    const stats = await waitUntil(() => api('GET', `/v1/rooms/${S.roomId}/products/stats`),
      (s) => s.products.some((p) => p.productId === 'mug' && p.clicks === 1),
      { timeoutMs: 10_000, intervalMs: 250, what: 'the click in the product stats' });
    const mug = stats.products.find((p) => p.productId === 'mug');
    t.diagnostic(`mug stats: ${JSON.stringify(mug)}`);
    assert.ok(mug.views >= 1, 'the pinned card was seen');
    const credited = Object.fromEntries(mug.byMember.map((m) => [m.userId, m.clicks]));
    assert.equal(credited.alice, 1, 'the click credits the host');
    assert.equal(credited.bob, 1, 'and the co-host on stage');
  });

  step('carol\'s heart floats on alice\'s and bob\'s pages', { timeout: 30_000 }, async () => {
    const { alice, bob, carol } = U;
    await carol.tid('reaction-button', { reaction: 'heart' }).click();
    await carol.visible(carol.tid('reaction-float', { reaction: 'heart', source: 'local' }), 'carol\'s own float at once', 2_000);
    for (const u of [alice, bob]) {
      await waitUntil(() => u.tid('reaction-float', { reaction: 'heart', source: 'burst' }).count(), (n) => n >= 1,
        { timeoutMs: 10_000, intervalMs: 100, what: `${u.name}: carol's heart from the burst` });
    }
    await alice.shot('reaction');
  });

  step('bob (co-host) cannot ban; he mutes carol for 5 min and her composer says so', { timeout: 30_000 }, async () => {
    const { bob, carol } = U;
    await say(carol, 'Still here!');
    const seen = await waitMessages(bob, (l) => l.some((m) => m.text === 'Still here!'), 'carol\'s second message');
    const row = bob.tid('chat-message', { 'message-id': seen.find((m) => m.text === 'Still here!').id });
    await row.locator('[data-testid="chat-menu-button"]').click();
    const items = await row.locator('[role="menuitem"]').evaluateAll((els) => els.map((e) => e.dataset.testid));
    assert.deepEqual(items, ['chat-delete', 'chat-mute', 'chat-unmute'], 'a co-host\'s menu on a viewer\'s message');
    await row.locator('[data-testid="chat-mute"]').click();
    const reason = carol.tid('chat-disabled-reason', { reason: 'muted' });
    await carol.visible(reason, 'the muted notice on carol\'s composer');
    assert.match(await reason.innerText(), /muted for [45]:\d\d/);
    assert.equal(await carol.tid('chat-input').isDisabled(), true);
    await carol.shot('muted');
    await bob.shot('after-mute');
  });
});
