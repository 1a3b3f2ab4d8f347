import { cleanup, click, deferred, fakeParticipant, flush, maybe, one, render } from './dom.js';
import { test, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Backstage, type BackstageProps } from '../src/index.js';

afterEach(() => {
  cleanup();
});

function props(over: Partial<BackstageProps> = {}): BackstageProps {
  return {
    preview: fakeParticipant('me', { isLocal: true }),
    cameraOn: true,
    microphoneOn: true,
    onToggleCamera: () => undefined,
    onToggleMicrophone: () => undefined,
    onJoin: () => undefined,
    onCancel: () => undefined,
    ...over,
  };
}

test('"Preparing to go live…" with the preview attached to a muted, mirrored video', () => {
  const preview = fakeParticipant('me', { isLocal: true });
  render(<Backstage {...props({ preview, roomTitle: 'Cooking' })} />);
  assert.match(one('backstage').textContent ?? '', /Preparing to go live…/);
  assert.match(one('backstage').textContent ?? '', /Cooking/);
  const video = one('backstage-preview') as HTMLVideoElement;
  assert.deepEqual(preview.attached, [video]);
  assert.equal(video.muted, true);
  assert.ok(video.classList.contains('cohost-video--mirror'));
});

test('no preview yet, or camera off: a placeholder instead of the video', () => {
  const r = render(<Backstage {...props({ preview: null })} />);
  assert.equal(maybe('backstage-preview'), null);
  assert.match(one('backstage-placeholder').textContent ?? '', /Starting camera/);
  r.rerender(<Backstage {...props({ cameraOn: false })} />);
  assert.equal(maybe('backstage-preview'), null);
  assert.match(one('backstage-placeholder').textContent ?? '', /Camera is off/);
});

test('the toggles call back with the next value and reflect the state', () => {
  const onToggleCamera = mock.fn((_on: boolean) => undefined);
  const onToggleMicrophone = mock.fn((_on: boolean) => undefined);
  const r = render(<Backstage {...props({ onToggleCamera, onToggleMicrophone })} />);
  const mic = one('toggle-microphone');
  assert.equal(mic.tagName, 'BUTTON');
  assert.equal(mic.getAttribute('aria-pressed'), 'true');
  assert.equal(mic.getAttribute('aria-label'), 'Mute microphone');
  click(mic);
  click(one('toggle-camera'));
  assert.deepEqual(onToggleMicrophone.mock.calls.map((c) => c.arguments[0]), [false]);
  assert.deepEqual(onToggleCamera.mock.calls.map((c) => c.arguments[0]), [false]);
  r.rerender(<Backstage {...props({ onToggleCamera, onToggleMicrophone, microphoneOn: false, cameraOn: false })} />);
  assert.equal(one('toggle-microphone').dataset.on, 'false');
  assert.equal(one('toggle-microphone').getAttribute('aria-pressed'), 'false');
  click(one('toggle-microphone'));
  click(one('toggle-camera'));
  assert.deepEqual(onToggleMicrophone.mock.calls.map((c) => c.arguments[0]), [false, true]);
  assert.deepEqual(onToggleCamera.mock.calls.map((c) => c.arguments[0]), [false, true]);
});

test('Join live is busy while joining and ignores double clicks', async () => {
  const d = deferred();
  const onJoin = mock.fn(() => d.promise);
  render(<Backstage {...props({ onJoin })} />);
  const join = one('join-live') as HTMLButtonElement;
  assert.equal(join.textContent, 'Join live');
  click(join);
  assert.equal(join.disabled, true);
  assert.equal(join.textContent, 'Joining…');
  assert.equal(one('backstage').dataset.busy, 'true');
  click(join);
  assert.equal(onJoin.mock.callCount(), 1);
  d.resolve(undefined);
  await flush();
  assert.equal(join.disabled, false);
  assert.equal(one('backstage').dataset.busy, 'false');
});

test('a failed join shows the error and allows a retry', async () => {
  let fail = true;
  const onJoin = mock.fn(async () => {
    if (fail) throw Object.assign(new Error('x'), { code: 'not_on_stage' });
  });
  render(<Backstage {...props({ onJoin })} />);
  click(one('join-live'));
  await flush();
  assert.equal(one('backstage-error').textContent, 'You are not on stage.');
  fail = false;
  click(one('join-live'));
  await flush();
  assert.equal(onJoin.mock.callCount(), 2);
  assert.equal(maybe('backstage-error'), null);
});

test('joining prop forces busy; error prop is shown; cancel calls onCancel', () => {
  const onCancel = mock.fn();
  render(<Backstage {...props({ joining: true, error: 'Camera blocked', onCancel })} />);
  assert.equal((one('join-live') as HTMLButtonElement).disabled, true);
  assert.equal(one('backstage-error').textContent, 'Camera blocked');
  click(one('backstage-cancel'));
  assert.equal(onCancel.mock.callCount(), 1);
});
