// Chat history paging and slow mode against a real cohostd: observeMessages' loadEarlier() pages
// back (cursor paging, newest page first) until the server says there is nothing earlier, shares
// one request between concurrent calls and the pages between handles, keeps paged-in history
// across a refetch and through live events, finds its place again after `keep` dropped the oldest,
// and rejects a banned reader with the value unchanged. setSlowMode: the host sets it, viewers'
// observeRoom follows (`room.updated`), the server applies it to posts, and refusals (viewer,
// co-host, out of range, not a whole number, ended room) change nothing. Plus the pure helpers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CohostClient, joinLatest, prependMessages, type ChatLiveValue, type ChatMessage } from '../src/index.js';
import { countingFetch, login, refusal, startCohostd, until, type Server } from './harness.js';

let server: Server;
const clients: CohostClient[] = [];

before(async () => {
  server = await startCohostd();
});

after(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

async function user(id: string, opts: Parameters<typeof login>[2] = {}) {
  const { client } = await login(server, id, opts);
  clients.push(client);
  return client;
}

const texts = (list: readonly ChatMessage[] | undefined) => (list ?? []).map((m) => m.text);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `m${from + i}`);

/** A room whose host posted m1..m<n> (the host is exempt from slow mode, and posts fast). */
async function roomWith(host: CohostClient, n: number) {
  const room = await host.createRoom({ title: 'Paging' });
  for (let i = 1; i <= n; i++) await host.sendMessage(room.roomId, `m${i}`);
  return room;
}

describe('observeMessages loadEarlier', () => {
  it('pages back to the first message, then reports nothing earlier', async () => {
    const host = await user('pagehost');
    const counter = countingFetch();
    const viewer = await user('pageviewer', { fetch: counter.fetch });
    const room = await roomWith(host, 12);
    const path = `/v1/rooms/${room.roomId}/messages`;

    const chat = viewer.observeMessages(room.roomId, { limit: 5 });
    assert.equal(chat.hasEarlier, false, 'false before the first value');
    assert.deepEqual(texts(await chat.ready()), range(8, 12));
    assert.equal(chat.hasEarlier, true);

    // Two calls at once share one request.
    const gets = counter.count('GET', path);
    const first = chat.loadEarlier();
    assert.equal(chat.loadingEarlier, true);
    const second = chat.loadEarlier();
    assert.deepEqual(await Promise.all([first, second]), [5, 5]);
    assert.equal(counter.count('GET', path), gets + 1, 'one request for both calls');
    assert.equal(chat.loadingEarlier, false);
    assert.deepEqual(texts(chat.value), range(3, 12));
    assert.equal(chat.hasEarlier, true);

    const seen: string[][] = [];
    const off = chat.observe((v) => seen.push(texts(v)));
    assert.equal(await chat.loadEarlier(10), 2, 'only two are left');
    off();
    assert.deepEqual(texts(chat.value), range(1, 12));
    assert.equal(chat.hasEarlier, false);
    assert.deepEqual(seen.at(-1), range(1, 12), 'observers heard the page');

    const before = counter.count('GET', path);
    assert.equal(await chat.loadEarlier(), 0, 'nothing earlier');
    assert.equal(counter.count('GET', path), before, 'and no request for it');
    chat.close();
    assert.equal(await chat.loadEarlier(), 0, 'a closed handle loads nothing');
  });

  it('shares pages between handles, keeps them through events and a refetch, skips deleted messages', async () => {
    const host = await user('sharehost');
    const viewer = await user('shareviewer');
    const room = await roomWith(host, 9);
    const gone = (await host.listMessages(room.roomId, { limit: 200 })).messages.find((m) => m.text === 'm2');
    assert.ok(gone);
    await host.deleteMessage(room.roomId, gone.messageId);

    const a = viewer.observeMessages(room.roomId, { limit: 3 });
    const b = viewer.observeMessages(room.roomId, { limit: 3 });
    assert.deepEqual(texts(await a.ready()), range(7, 9));
    assert.equal(await b.loadEarlier(), 3);
    assert.deepEqual(texts(a.value), range(4, 9), 'the other handle sees the page');
    assert.equal(a.hasEarlier, true);

    const fresh = await host.sendMessage(room.roomId, 'm10');
    await until(a, 'the new message', (l) => l.at(-1)?.messageId === fresh.messageId);
    assert.deepEqual(texts(a.value), [...range(4, 9), 'm10']);

    const paged = a.value?.find((m) => m.text === 'm5');
    assert.ok(paged);
    await host.deleteMessage(room.roomId, paged.messageId);
    await until(a, 'the paged-in message deleted', (l) => !l.some((m) => m.messageId === paged.messageId));

    await a.refetch();
    assert.deepEqual(texts(a.value), ['m4', 'm6', 'm7', 'm8', 'm9', 'm10'], 'the refetch keeps the history paged in');
    assert.equal(a.hasEarlier, true);

    assert.equal(await a.loadEarlier(), 2, 'm2 was deleted: m1 and m3');
    assert.deepEqual(texts(b.value), ['m1', 'm3', 'm4', 'm6', 'm7', 'm8', 'm9', 'm10']);
    assert.equal(b.hasEarlier, false);
    a.close();
    b.close();
  });

  it('finds its place again after `keep` dropped the oldest messages', async () => {
    const host = await user('keephost');
    const viewer = await user('keepviewer');
    const room = await roomWith(host, 10);

    const chat = viewer.observeMessages(room.roomId, { limit: 3, keep: 4 });
    assert.deepEqual(texts(await chat.ready()), range(8, 10));
    assert.equal(await chat.loadEarlier(2), 2);
    assert.deepEqual(texts(chat.value), range(6, 10), 'the page is kept although it goes past keep');

    // The bound is now what is held (5) plus keep (4): the fifth new message pushes m6 out.
    for (let i = 11; i <= 14; i++) await host.sendMessage(room.roomId, `m${i}`);
    await until(chat, 'm14', (l) => l.at(-1)?.text === 'm14');
    assert.deepEqual(texts(chat.value), range(6, 14), 'four more fit');
    await host.sendMessage(room.roomId, 'm15');
    await until(chat, 'm15', (l) => l.at(-1)?.text === 'm15');
    assert.deepEqual(texts(chat.value), range(7, 15), 'the oldest went for the new one');
    assert.equal(chat.hasEarlier, true);

    // The cursor before m6 no longer fits: the next page is what comes right before m7.
    const added = await chat.loadEarlier(2);
    assert.ok(added >= 1);
    const list = texts(chat.value);
    assert.deepEqual(list, range(16 - list.length, 15), `no gap and no duplicate: ${list.join(',')}`);
    while (chat.hasEarlier) assert.ok((await chat.loadEarlier(2)) > 0);
    assert.deepEqual(texts(chat.value), range(1, 15));
    chat.close();
  });

  it('a banned reader gets 403 banned and keeps the list it had', async () => {
    const host = await user('banhost');
    const viewer = await user('banreader');
    const room = await roomWith(host, 6);
    const chat: ChatLiveValue = viewer.observeMessages(room.roomId, { limit: 2 });
    await chat.ready();
    const had = texts(chat.value);
    await host.moderate(room.roomId, { action: 'ban', userId: 'banreader' });
    const err = await refusal(chat.loadEarlier());
    assert.equal(err.status, 403);
    assert.equal(err.code, 'banned');
    assert.deepEqual(texts(chat.value), had);
    assert.equal(chat.hasEarlier, true, 'still earlier messages: the read was refused, not exhausted');
    chat.close();
  });
});

describe('setSlowMode', () => {
  it('the host sets it, viewers follow room.updated, the server applies it, and off lifts it at once', async () => {
    const host = await user('slowhost');
    const viewer = await user('slowviewer');
    const room = await host.createRoom({ title: 'Slow' });
    const watched = viewer.observeRoom(room.roomId);
    assert.equal((await watched.ready()).slowModeSeconds, 0);

    const updated = await host.setSlowMode(room.roomId, 30);
    assert.equal(updated.slowModeSeconds, 30);
    await until(watched, 'the viewer sees slow mode 30', (r) => r.slowModeSeconds === 30);

    await viewer.sendMessage(room.roomId, 'first');
    const err = await refusal(viewer.sendMessage(room.roomId, 'second'));
    assert.equal(err.status, 429);
    assert.equal(err.code, 'slow_mode');
    assert.equal(err.details.slowModeSeconds, 30);
    assert.ok(typeof err.details.retryAfterSeconds === 'number' && err.details.retryAfterSeconds >= 1 && err.details.retryAfterSeconds <= 30);
    await host.sendMessage(room.roomId, 'host one');
    await host.sendMessage(room.roomId, 'host two'); // exempt

    await host.setSlowMode(room.roomId, 0);
    await until(watched, 'the viewer sees slow mode off', (r) => r.slowModeSeconds === 0);
    await viewer.sendMessage(room.roomId, 'second, now allowed');
    watched.close();
  });

  it('refusals: a viewer or co-host 403 not_host, out of range 400, not whole 400 unsent, ended 409; nothing changes', async () => {
    const host = await user('slowhost2');
    const counter = countingFetch();
    const hostCounted = await user('slowhost2', { fetch: counter.fetch });
    const viewer = await user('slowviewer2');
    const cohost = await user('slowcohost2');
    const room = await host.createRoom({ title: 'Slow refusals' });
    await host.setSlowMode(room.roomId, 10);
    const inv = await host.invite(room.roomId, 'slowcohost2');
    await cohost.acceptInvitation(inv.invitationId);
    assert.ok((await host.getStage(room.roomId)).members.some((m) => m.userId === 'slowcohost2'));

    for (const who of [viewer, cohost]) {
      const e = await refusal(who.setSlowMode(room.roomId, 60));
      assert.equal(e.status, 403);
      assert.equal(e.code, 'not_host');
    }
    for (const bad of [301, -1]) {
      const e = await refusal(host.setSlowMode(room.roomId, bad));
      assert.equal(e.status, 400);
      assert.equal(e.code, 'invalid_argument');
      assert.equal(e.details.field, 'slowModeSeconds');
    }
    const path = `/v1/rooms/${room.roomId}`;
    for (const bad of [2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const e = await refusal(hostCounted.setSlowMode(room.roomId, bad));
      assert.equal(e.code, 'invalid_argument');
      assert.equal(e.details.field, 'slowModeSeconds');
    }
    assert.equal(counter.count('PATCH', path), 0, 'not sent');
    assert.equal((await host.getRoom(room.roomId)).slowModeSeconds, 10, 'unchanged');

    await host.stopRoom(room.roomId);
    const ended = await refusal(host.setSlowMode(room.roomId, 5));
    assert.equal(ended.status, 409);
    assert.equal(ended.code, 'room_ended');
    assert.equal((await host.getRoom(room.roomId)).slowModeSeconds, 10);
  });
});

describe('paging helpers', () => {
  const m = (id: string): ChatMessage => ({
    messageId: id, roomId: 'R', text: id, author: { userId: 'u', displayName: 'U', role: 'viewer' }, createdAt: '2026-11-29T00:00:00.000Z',
  });
  const ids = (l: ChatMessage[]) => l.map((x) => x.messageId);

  it('prependMessages leaves out what the list has and duplicates within the page', () => {
    assert.deepEqual(ids(prependMessages([m('c'), m('d')], [m('a'), m('b'), m('b'), m('c')])), ['a', 'b', 'c', 'd']);
    assert.deepEqual(ids(prependMessages([], [])), []);
  });

  it('joinLatest keeps what is older than the page when they overlap, else takes the page alone', () => {
    const list = [m('a'), m('b'), m('c'), m('d')];
    assert.deepEqual(joinLatest(list, [m('c'), m('e')]), { list: [m('a'), m('b'), m('c'), m('e')], joined: true }, 'd was deleted meanwhile');
    assert.deepEqual(joinLatest(list, [m('x'), m('y')]), { list: [m('x'), m('y')], joined: false });
    assert.deepEqual(joinLatest(list, []), { list: [], joined: false });
  });
});
