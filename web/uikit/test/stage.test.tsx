import { cleanup, all, click, fakeParticipant, maybe, one, render } from './dom.js';
import { test, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { CoHostStage } from '../src/index.js';
import { host, member } from './fixtures.js';

afterEach(() => {
  cleanup();
});

const tileOf = (userId: string) => all('stage-tile').find((t) => t.dataset.userId === userId)!;

test('caps the grid at 4 tiles and puts the rest in the strip, host first', () => {
  const members = [member('c1'), member('c2'), host(), member('c3'), member('c4'), member('c5')];
  render(<CoHostStage members={members} />);
  assert.equal(one('stage').dataset.count, '6');
  const grid = all('stage-tile', one('stage-grid'));
  const strip = all('stage-tile', one('stage-strip'));
  assert.deepEqual(grid.map((t) => t.dataset.userId), ['host', 'c1', 'c2', 'c3']);
  assert.deepEqual(strip.map((t) => t.dataset.userId), ['c4', 'c5']);
  assert.ok(grid.every((t) => t.dataset.overflow === 'false'));
  assert.ok(strip.every((t) => t.dataset.overflow === 'true'));
});

test('no strip at 4 or fewer members; maxVisible changes the cap', () => {
  const r = render(<CoHostStage members={[host(), member('c1'), member('c2'), member('c3')]} />);
  assert.equal(all('stage-tile').length, 4);
  assert.equal(maybe('stage-strip'), null);
  r.rerender(<CoHostStage members={[host(), member('c1'), member('c2'), member('c3')]} maxVisible={2} />);
  assert.equal(all('stage-tile', one('stage-grid')).length, 2);
  assert.equal(all('stage-tile', one('stage-strip')).length, 2);
});

test('role badges and state badges per tile', () => {
  render(
    <CoHostStage
      members={[host({ state: 'reconnecting' }), member('c1', { state: 'backstage' }), member('c2', { state: 'live' }), member('c3', { state: 'reconnecting' })]}
    />,
  );
  assert.equal(one('tile-role', tileOf('host')).textContent, 'Host');
  assert.equal(one('tile-role', tileOf('c1')).textContent, 'Co-host');
  assert.equal(tileOf('host').dataset.role, 'host');
  assert.equal(tileOf('host').dataset.state, 'reconnecting');
  assert.equal(one('tile-state', tileOf('host')).textContent, 'Reconnecting');
  assert.equal(one('tile-state', tileOf('c1')).textContent, 'Backstage');
  assert.equal(maybe('tile-state', tileOf('c2')), null, 'no badge when live');
  assert.match(tileOf('c1').textContent ?? '', /User c1/);
});

test('an offline host shows Offline', () => {
  render(<CoHostStage members={[host({ state: 'offline' })]} />);
  assert.equal(one('tile-state').textContent, 'Offline');
});

test('remove buttons only with canRemove, only on co-host tiles, calling back with the userId', () => {
  const onRemove = mock.fn((_id: string) => undefined);
  const members = [host(), member('c1'), member('c2')];
  const r = render(<CoHostStage members={members} onRemove={onRemove} />);
  assert.equal(all('remove-cohost').length, 0);
  r.rerender(<CoHostStage members={members} canRemove onRemove={onRemove} />);
  assert.deepEqual(all('remove-cohost').map((b) => b.dataset.userId), ['c1', 'c2'], 'never on the host tile');
  r.rerender(<CoHostStage members={members} canRemove onRemove={onRemove} localUserId="host" />);
  assert.deepEqual(all('remove-cohost').map((b) => b.dataset.userId), ['c1', 'c2']);
  assert.equal(maybe('remove-cohost', tileOf('host')), null);
  const b = one('remove-cohost', tileOf('c2'));
  assert.equal(b.tagName, 'BUTTON');
  assert.equal(b.getAttribute('aria-label'), 'Remove User c2 from the stage');
  click(b);
  assert.deepEqual(onRemove.mock.calls.map((c) => c.arguments[0]), ['c2']);
});

test('remove works on tiles in the overflow strip too', () => {
  const onRemove = mock.fn((_id: string) => undefined);
  render(<CoHostStage members={[host(), member('c1'), member('c2'), member('c3'), member('c4')]} canRemove onRemove={onRemove} />);
  click(one('remove-cohost', one('stage-strip')));
  assert.deepEqual(onRemove.mock.calls.map((c) => c.arguments[0]), ['c4']);
});

test("a tile plays its participant's video; without one it shows the initials", () => {
  const pHost = fakeParticipant('host', { isLocal: true });
  const pC1 = fakeParticipant('c1');
  render(<CoHostStage members={[host(), member('c1'), member('c2')]} participants={[pHost, pC1]} localUserId="host" />);
  const hostVideo = one('tile-video', tileOf('host')) as HTMLVideoElement;
  assert.deepEqual(pHost.attached, [hostVideo]);
  assert.equal(hostVideo.muted, true);
  assert.equal(tileOf('host').dataset.hasVideo, 'true');
  assert.deepEqual(pC1.attached, [one('tile-video', tileOf('c1'))]);
  assert.equal(maybe('tile-video', tileOf('c2')), null);
  assert.equal(tileOf('c2').dataset.hasVideo, 'false');
  assert.match(tileOf('c2').querySelector('.cohost-avatar')!.textContent ?? '', /^UC$/);
});

test("the local user's audio is never played; remote audio is", () => {
  const pHost = fakeParticipant('host', { isLocal: true });
  const pC1 = fakeParticipant('c1');
  render(<CoHostStage members={[host(), member('c1')]} participants={[pHost, pC1]} localUserId="host" />);
  assert.equal(pHost.audio.length, 0);
  assert.equal(maybe('tile-audio', tileOf('host')), null);
  assert.deepEqual(pC1.audio, [one('tile-audio', tileOf('c1'))]);
  // Every <video> is muted (video only).
  for (const v of Array.from(document.querySelectorAll('video'))) assert.equal(v.muted, true);
});

test('playAudio={false} attaches no audio', () => {
  const pC1 = fakeParticipant('c1');
  render(<CoHostStage members={[host(), member('c1')]} participants={[pC1]} playAudio={false} />);
  assert.equal(pC1.audio.length, 0);
});

test('camera off: placeholder and detach; camera back on: attached again', () => {
  const p = fakeParticipant('c1');
  const members = [host(), member('c1')];
  const r = render(<CoHostStage members={members} participants={[p]} />);
  const first = one('tile-video', tileOf('c1'));
  r.rerender(<CoHostStage members={members} participants={[{ ...p, cameraOn: false }]} />);
  assert.equal(maybe('tile-video', tileOf('c1')), null);
  assert.deepEqual(p.detached, [first]);
  r.rerender(<CoHostStage members={members} participants={[p]} />);
  assert.equal(p.attached.length, 2);
  assert.equal(p.attached[1], one('tile-video', tileOf('c1')));
});

test('mic / camera indicators follow the participant, else the stage member', () => {
  const members = [host({ microphone: 'off', camera: 'on' }), member('c1', { microphone: 'on', camera: 'on' })];
  render(<CoHostStage members={members} participants={[fakeParticipant('c1', { microphoneOn: false, cameraOn: false })]} />);
  assert.equal(one('tile-mic', tileOf('host')).dataset.on, 'false');
  assert.equal(one('tile-camera', tileOf('host')).dataset.on, 'true');
  assert.equal(one('tile-mic', tileOf('c1')).dataset.on, 'false');
  assert.equal(one('tile-camera', tileOf('c1')).dataset.on, 'false');
  assert.match(one('tile-mic', tileOf('c1')).textContent ?? '', /Microphone muted/);
});

test('unmounting detaches every video', () => {
  const p = fakeParticipant('c1');
  const r = render(<CoHostStage members={[host(), member('c1')]} participants={[p]} />);
  r.unmount();
  assert.equal(p.detached.length, 1);
});

test('a source whose attachVideo returns the element is detached with detachVideo(el)', () => {
  const calls: string[] = [];
  const p = {
    ...fakeParticipant('c1'),
    attachVideo: (el: HTMLVideoElement) => {
      calls.push(`attach:${el.dataset.testid}`);
      return el; // livekit-client's track.attach(el) returns the element
    },
    detachVideo: (el: HTMLVideoElement) => void calls.push(`detach:${el.dataset.testid}`),
  };
  const r = render(<CoHostStage members={[host(), member('c1')]} participants={[p]} />);
  r.unmount();
  assert.deepEqual(calls, ['attach:tile-video', 'detach:tile-video']);
});

test('an attachVideo that throws does not break the stage', () => {
  const bad = { ...fakeParticipant('c1'), attachVideo: () => { throw new Error('no track'); } };
  render(<CoHostStage members={[host(), member('c1')]} participants={[bad]} />);
  assert.equal(all('stage-tile').length, 2);
});

test('empty stage', () => {
  render(<CoHostStage members={[]} />);
  assert.equal(one('stage').dataset.count, '0');
  assert.equal(all('stage-tile').length, 0);
});
