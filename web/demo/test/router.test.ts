// The demo's hash routes: parse and build them both ways, and fall back to the room list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hrefOf, parseHash, type Route } from '../src/router.js';

test('known hashes parse to their routes', () => {
  assert.deepEqual(parseHash(''), { name: 'rooms' });
  assert.deepEqual(parseHash('#/'), { name: 'rooms' });
  assert.deepEqual(parseHash('#/new'), { name: 'new' });
  assert.deepEqual(parseHash('#/room/RM_abc123'), { name: 'room', roomId: 'RM_abc123' });
  assert.deepEqual(parseHash('#/room/RM_abc123/'), { name: 'room', roomId: 'RM_abc123' });
});

test('unknown or malformed hashes show the room list', () => {
  for (const h of ['#/nope', '#/room/', '#/room/a/b', '#new', '#/new/x', '#//room/x', '#/room/%E0%A4%A']) {
    assert.deepEqual(parseHash(h), { name: 'rooms' }, h);
  }
});

test('hrefOf and parseHash round-trip, escaping room ids', () => {
  const routes: Route[] = [
    { name: 'rooms' }, { name: 'new' }, { name: 'room', roomId: 'RM_x' }, { name: 'room', roomId: 'a b/c?d#e' },
  ];
  for (const r of routes) assert.deepEqual(parseHash(hrefOf(r)), r);
  assert.equal(hrefOf({ name: 'room', roomId: 'a b/c' }), '#/room/a%20b%2Fc');
});
