/**
 * The stylesheet and README stay true to the components: every class rendered is styled (or is a
 * documented hook), every class in theme.css is `cohost-` prefixed, the documented theme variables
 * exist, and every data-testid in src/ is documented in README.md.
 */
import { cleanup, fakeParticipant, render } from './dom.js';
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Backstage,
  CoHostStage,
  Countdown,
  InvitationBanner,
  InviteCoHostPage,
  LeaveStageButton,
  LiveBadge,
  ReconnectingOverlay,
  ViewerCount,
} from '../src/index.js';
import { host, invitation, member, user } from './fixtures.js';

afterEach(cleanup);

const root = join(import.meta.dirname, '..');
const css = readFileSync(join(root, 'src', 'theme.css'), 'utf8');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const cssClasses = new Set(Array.from(css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/\.(-?[_a-zA-Z][\w-]*)/g), (m) => m[1]!));

test('every class in theme.css is prefixed cohost-', () => {
  const bad = [...cssClasses].filter((c) => !c.startsWith('cohost-'));
  assert.deepEqual(bad, []);
});

test('the documented theme variables are defined', () => {
  for (const v of ['--cohost-accent', '--cohost-accent-fg', '--cohost-bg', '--cohost-fg', '--cohost-surface', '--cohost-muted', '--cohost-danger', '--cohost-live', '--cohost-warning', '--cohost-radius', '--cohost-gap', '--cohost-font']) {
    assert.match(css, new RegExp(`${v}:`), v);
    assert.ok(readme.includes(`\`${v}\``), `README documents ${v}`);
  }
});

test('every class the components render is cohost- prefixed and styled', () => {
  const noop = () => undefined;
  const p = fakeParticipant('c1');
  render(
    <div>
      <InviteCoHostPage
        onSearch={async () => []}
        viewers={[user('v1')]}
        pendingInvitations={[invitation('v2')]}
        stage={[host(), member('c1')]}
        maxCoHosts={2}
        onInvite={async () => undefined}
        onCancel={async () => undefined}
        onClose={noop}
      />
      <InviteCoHostPage onSearch={async () => []} viewers={[]} pendingInvitations={[]} stage={[host()]} maxCoHosts={2} onInvite={async () => undefined} onCancel={async () => undefined} />
      <InvitationBanner invitation={invitation('me')} onAccept={noop} onDecline={noop} />
      <Backstage preview={p} cameraOn microphoneOn={false} onToggleCamera={noop} onToggleMicrophone={noop} onJoin={noop} onCancel={noop} error="x" roomTitle="r" />
      <Backstage preview={null} cameraOn={false} microphoneOn onToggleCamera={noop} onToggleMicrophone={noop} onJoin={noop} onCancel={noop} />
      <CoHostStage
        members={[host({ state: 'reconnecting' }), member('c1'), member('c2', { state: 'backstage' }), member('c3'), member('c4', { state: 'offline' })]}
        participants={[p]}
        localUserId="host"
        canRemove
        onRemove={noop}
      />
      <CoHostStage members={[]} />
      <LeaveStageButton onLeave={noop} />
      <ReconnectingOverlay state="reconnecting" />
      <ViewerCount count={3} />
      <LiveBadge status="live" />
      <LiveBadge status="ended" />
      <Countdown onDone={noop} />
    </div>,
  );
  const used = new Set<string>();
  for (const el of Array.from(document.querySelectorAll('[class]'))) for (const c of Array.from(el.classList)) used.add(c);
  assert.ok(used.size > 40, `rendered ${used.size} classes`);
  const unprefixed = [...used].filter((c) => !c.startsWith('cohost-'));
  assert.deepEqual(unprefixed, []);
  // Structural hooks that need no rule of their own.
  const hooks = new Set(['cohost-invite__user--pending', 'cohost-banner--open', 'cohost-tile--live', 'cohost-tile--backstage', 'cohost-tile__state--backstage', 'cohost-stage__grid--n1', 'cohost-tile__video']);
  const unstyled = [...used].filter((c) => !cssClasses.has(c) && !hooks.has(c));
  assert.deepEqual(unstyled, []);
});

test('every data-testid in src/ is documented in README.md', () => {
  const ids = new Set<string>();
  for (const f of readdirSync(join(root, 'src'))) {
    if (!f.endsWith('.tsx')) continue;
    const src = readFileSync(join(root, 'src', f), 'utf8');
    for (const m of src.matchAll(/(?:data-testid|testId)="([\w-]+)"/g)) ids.add(m[1]!);
  }
  assert.ok(ids.size > 30, `found ${ids.size} test ids`);
  const missing = [...ids].filter((id) => !readme.includes(`\`${id}\``));
  assert.deepEqual(missing, []);
});
