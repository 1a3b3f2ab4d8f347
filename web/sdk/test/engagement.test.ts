// Engagement live collections against a real cohostd: the chat (history oldest first, new
// messages appended, deletions removed, for two users at once), moderation states from
// `chat.moderation`, the room's products and pin (including a pin dropped by a full replace and a
// co-host granted canManageProducts), and reaction bursts with the counts sent. Plus the pure
// apply functions on malformed and foreign events.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import {
  CohostClient, CohostError, applyChatEvent, applyProductsEvent, parseReactionBurst, type ChatMessage, type RealtimeEvent,
  type ReactionBurst, type RoomProducts,
} from '../src/index.js';
import { API_KEY, login, refusal, socketLab, startCohostd, until, waitFor, type Server } from './harness.js';

let server: Server;
let admin: CohostClient;
const clients: CohostClient[] = [];

const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** An app-backend token: HS256 with the server's secret, `video.roomAdmin`, no `sub`. */
function appBackendToken(secret: string): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ iss: API_KEY, nbf: now - 5, exp: now + 600, video: { roomAdmin: true } }));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

before(async () => {
  server = await startCohostd();
  admin = new CohostClient({ baseUrl: server.baseUrl, token: appBackendToken(server.apiSecret), WebSocket: socketLab().WebSocket });
  clients.push(admin);
});

after(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

async function user(id: string) {
  const { client } = await login(server, id);
  clients.push(client);
  return client;
}

const texts = (list: ChatMessage[]) => list.map((m) => m.text);

describe('observeMessages', () => {
  it('starts from the history (oldest first), appends new messages and drops deleted ones for every observer', async () => {
    const host = await user('chathost');
    const viewer = await user('chatviewer');
    const room = await host.createRoom({ title: 'Chat' });
    for (const t of ['one', 'two', 'three']) await viewer.sendMessage(room.roomId, t);

    const hostChat = host.observeMessages(room.roomId, { limit: 2 });
    const viewerChat = viewer.observeMessages(room.roomId);
    assert.deepEqual(texts(await hostChat.ready()), ['two', 'three'], 'limit 2: the latest two, oldest first');
    assert.deepEqual(texts(await viewerChat.ready()), ['one', 'two', 'three']);

    const mine = await host.sendMessage(room.roomId, 'welcome');
    for (const lv of [hostChat, viewerChat]) await until(lv, 'the host message', (l) => l.at(-1)?.messageId === mine.messageId);
    assert.equal(viewerChat.value?.at(-1)?.author.role, 'host');

    const victim = viewerChat.value?.find((m) => m.text === 'two');
    assert.ok(victim);
    await host.deleteMessage(room.roomId, victim.messageId);
    for (const lv of [hostChat, viewerChat]) await until(lv, 'the deleted message gone', (l) => !l.some((m) => m.messageId === victim.messageId));
    assert.deepEqual(texts(viewerChat.value ?? []), ['one', 'three', 'welcome']);
    hostChat.close();
    viewerChat.close();
  });

  it('keeps at most `keep` messages, dropping the oldest', async () => {
    const host = await user('keephost');
    const room = await host.createRoom({ title: 'Keep' });
    const chat = host.observeMessages(room.roomId, { limit: 2, keep: 3 });
    assert.deepEqual(await chat.ready(), []);
    for (const t of ['a', 'b', 'c', 'd', 'e']) await host.sendMessage(room.roomId, t);
    await until(chat, 'the last message', (l) => l.at(-1)?.text === 'e');
    assert.deepEqual(texts(chat.value ?? []), ['c', 'd', 'e']);
    chat.close();
  });
});

describe('observeModeration', () => {
  it('follows chat.moderation: mute, unmute and ban of a viewer, as the viewer sees them', async () => {
    const host = await user('modhost');
    const viewer = await user('modviewer');
    const room = await host.createRoom({ title: 'Moderation' });
    const seen = viewer.observeModeration(room.roomId);
    assert.deepEqual(await seen.ready(), {}, 'nothing known before any event');

    await host.moderate(room.roomId, { action: 'mute', userId: 'modviewer', durationSeconds: 300 });
    const muted = await until(seen, 'the mute', (m) => m.modviewer?.muted === true);
    const until5 = Date.parse(muted.modviewer?.mutedUntil ?? '');
    assert.ok(until5 > Date.now() + 200_000 && until5 <= Date.now() + 301_000, `mutedUntil ${muted.modviewer?.mutedUntil}`);
    const post = await refusal(viewer.sendMessage(room.roomId, 'hi'));
    assert.equal(post.code, 'muted');
    assert.equal(post.details.until, muted.modviewer?.mutedUntil);

    await host.moderate(room.roomId, { action: 'unmute', userId: 'modviewer' });
    await until(seen, 'the unmute', (m) => m.modviewer?.muted === false);
    await viewer.sendMessage(room.roomId, 'thanks');

    // A refetch keeps what was seen (there is no REST read of moderation states).
    await seen.refetch();
    assert.equal(seen.value?.modviewer?.muted, false);

    const hostSeen = host.observeModeration(room.roomId);
    await hostSeen.ready();
    await host.moderate(room.roomId, { action: 'ban', userId: 'modviewer' });
    const banned = await until(hostSeen, 'the ban', (m) => m.modviewer?.banned === true);
    assert.equal(banned.modviewer?.bannedUntil ?? null, null, 'a ban without a duration has no end');
    assert.equal((await refusal(viewer.sendMessage(room.roomId, 'x'))).code, 'banned');
    seen.close();
    hostSeen.close();
  });
});

describe('observeRoomProducts', () => {
  it('follows the list and the pin, set by the host and by a co-host granted canManageProducts', async () => {
    const host = await user('shophost');
    const cohost = await user('shopcohost');
    const viewer = await user('shopviewer');
    const room = await host.createRoom({ title: 'Shop' });
    const mug = await admin.createProduct({ productId: 'mug', name: 'Mug', url: 'https://shop.test/mug', price: '12.5', currency: 'EUR' });
    const tee = await admin.createProduct({ productId: 'tee', name: 'Tee', url: 'https://shop.test/tee', price: '20.00', currency: 'USD' });
    assert.equal(mug.price, '12.50');

    const shelf = viewer.observeRoomProducts(room.roomId);
    assert.deepEqual(await shelf.ready(), { roomId: room.roomId, products: [], pinnedProductId: null });

    await host.setRoomProducts(room.roomId, ['tee', 'mug']);
    await until(shelf, 'two products', (v) => v.products.length === 2);
    assert.deepEqual(shelf.value?.products.map((p) => p.productId), ['tee', 'mug']);
    await host.pinProduct(room.roomId, 'mug');
    await until(shelf, 'mug pinned', (v) => v.pinnedProductId === 'mug');

    // The co-host may pin only once granted.
    const inv = await host.invite(room.roomId, 'shopcohost');
    await cohost.acceptInvitation(inv.invitationId);
    assert.equal((await refusal(cohost.pinProduct(room.roomId, tee.productId))).status, 403);
    await host.updateStageMember(room.roomId, 'shopcohost', { permissions: { canManageProducts: true } });
    await cohost.pinProduct(room.roomId, 'tee');
    await until(shelf, 'tee pinned by the co-host', (v) => v.pinnedProductId === 'tee');

    // Dropping the pinned product from the list unpins it.
    await cohost.setRoomProducts(room.roomId, ['mug']);
    const after = await until(shelf, 'tee dropped and unpinned', (v) => v.products.length === 1);
    assert.equal(after.pinnedProductId, null);
    assert.deepEqual(after.products.map((p) => p.productId), ['mug']);
    shelf.close();
  });
});

describe('onReactionBurst', () => {
  it('delivers bursts whose counts add up to the reactions sent', async () => {
    const host = await user('reacthost');
    const viewer = await user('reactviewer');
    const room = await host.createRoom({ title: 'Reactions' });
    const bursts: ReactionBurst[] = [];
    const raw: RealtimeEvent[] = []; // every event of the topic, through a separate listener
    const subscribed = new Promise<void>((resolve) => {
      host.realtime.subscribe(`room:${room.roomId}`, (e) => raw.push(e), { onSubscribed: () => resolve() });
    });
    const stop = host.onReactionBurst(room.roomId, (b) => bursts.push(b));
    await subscribed;
    for (const r of ['heart', 'heart', 'fire', 'heart']) await viewer.react(room.roomId, r);
    const total = (name: string) => bursts.reduce((n, b) => n + (b.counts[name] ?? 0), 0);
    await waitFor('bursts with 3 hearts and 1 fire', () => total('heart') === 3 && total('fire') === 1, { describe: () => bursts });
    for (const b of bursts) {
      assert.equal(b.roomId, room.roomId);
      assert.ok(Date.parse(b.to) > Date.parse(b.from), `burst window ${b.from} .. ${b.to}`);
    }
    stop();
    const before = bursts.length;
    await viewer.react(room.roomId, 'clap');
    await waitFor('the clap burst on the other listener', () => raw.some((e) => e.event === 'reactions.burst' &&
      (e.data as { counts?: Record<string, number> }).counts?.clap === 1));
    assert.equal(bursts.length, before, 'no burst after unsubscribing');
  });
});

describe('apply functions', () => {
  const ev = (event: string, data: unknown, seq = 1): RealtimeEvent => ({ type: event, event, topic: 'room:R', seq, at: '', data });
  const msg = (id: string, text = id): ChatMessage => ({
    messageId: id, roomId: 'R', text, author: { userId: 'u', displayName: 'U', role: 'viewer' }, createdAt: '2026-01-01T00:00:00.000Z',
  });

  it('ignore malformed, foreign-room and unrelated events (same array back)', () => {
    const list = [msg('a')];
    assert.equal(applyChatEvent(list, ev('chat.message', { messageId: 'x', roomId: 'OTHER', text: 't', author: { userId: 'u' } }), 'R'), list);
    assert.equal(applyChatEvent(list, ev('chat.message', { messageId: 7 }), 'R'), list);
    assert.equal(applyChatEvent(list, ev('chat.deleted', { messageId: 'nope', roomId: 'R' }), 'R'), list);
    assert.equal(applyChatEvent(list, ev('stage.updated', {}), 'R'), list);
    assert.deepEqual(applyChatEvent(list, ev('chat.message', msg('a', 'edited')), 'R').map((m) => m.text), ['edited'], 'replaced, not duplicated');
  });

  it('products: pinned/unpinned update the pin; an unpin of another product changes nothing', () => {
    const v: RoomProducts = { roomId: 'R', products: [], pinnedProductId: 'p1' };
    assert.equal(applyProductsEvent(v, ev('products.unpinned', { roomId: 'R', productId: 'p2', reason: 'replaced' }), 'R'), v);
    assert.equal(applyProductsEvent(v, ev('products.unpinned', { roomId: 'R', productId: 'p1', reason: 'unpinned' }), 'R').pinnedProductId, null);
    assert.equal(applyProductsEvent(v, ev('products.pinned', { roomId: 'R', productId: 'p3' }), 'R').pinnedProductId, 'p3');
    assert.equal(applyProductsEvent(v, ev('products.updated', { roomId: 'R', products: 'no' }), 'R'), v);
    assert.equal(applyProductsEvent(v, ev('products.pinned', { roomId: 'X', productId: 'p3' }), 'R'), v);
  });

  it('reaction bursts: non-positive and non-numeric counts are dropped', () => {
    const b = parseReactionBurst(ev('reactions.burst', { roomId: 'R', counts: { heart: 3, fire: 0, wow: 'x', sad: -1 }, from: 'a', to: 'b' }), 'R');
    assert.deepEqual(b?.counts, { heart: 3 });
    assert.equal(parseReactionBurst(ev('reactions.burst', { roomId: 'R' }), 'R'), undefined);
    assert.equal(parseReactionBurst(ev('viewers.count', { roomId: 'R', counts: {} }), 'R'), undefined);
  });
});
