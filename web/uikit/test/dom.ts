/**
 * Test helper: a jsdom window installed as the globals React expects, plus render / query / event
 * helpers built on react-dom/client and act(). Import it FIRST in every test file (react-dom decides
 * whether a DOM exists when it is first loaded).
 */
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>', { url: 'http://localhost/', pretendToBeVisual: true });
const win = dom.window as unknown as Record<string, unknown>;
const g = globalThis as Record<string, unknown>;
for (const key of Object.getOwnPropertyNames(win)) {
  if (key in g) continue;
  try {
    g[key] = win[key];
  } catch {
    /* read-only global: keep Node's */
  }
}
g.window = dom.window;
g.document = dom.window.document;
if (!('navigator' in g) || !g.navigator) g.navigator = dom.window.navigator;
g.IS_REACT_ACT_ENVIRONMENT = true;
// jsdom has no media playback; React's autoPlay/muted props only need the properties to exist.
const media = dom.window.HTMLMediaElement.prototype as unknown as Record<string, unknown>;
media.play = () => Promise.resolve();
media.pause = () => {};

const { act } = await import('react');
const { createRoot } = await import('react-dom/client');
import type { ReactElement } from 'react';

export { act };

export interface Rendered {
  container: HTMLElement;
  rerender(el: ReactElement): void;
  unmount(): void;
}

const mounted = new Set<Rendered>();

/** Renders `el` into a fresh container attached to document.body. */
export function render(el: ReactElement): Rendered {
  const container = document.createElement('div');
  document.body.appendChild(container);
  const root = createRoot(container);
  act(() => root.render(el));
  const r: Rendered = {
    container,
    rerender(next) {
      act(() => root.render(next));
    },
    unmount() {
      if (!mounted.delete(r)) return;
      act(() => root.unmount());
      container.remove();
    },
  };
  mounted.add(r);
  return r;
}

/** Unmounts everything rendered (stopping component timers) and empties the body. Use in afterEach. */
export function cleanup(): void {
  for (const r of [...mounted]) r.unmount();
  document.body.innerHTML = '';
}

/** All elements with data-testid = id inside `scope` (default document). */
export function all(id: string, scope: ParentNode = document): HTMLElement[] {
  return Array.from(scope.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));
}

/** The one element with data-testid = id (throws if there is not exactly one). */
export function one(id: string, scope: ParentNode = document): HTMLElement {
  const found = all(id, scope);
  if (found.length !== 1) throw new Error(`expected one [data-testid="${id}"], found ${found.length}`);
  return found[0]!;
}

/** The element with data-testid = id, or null. */
export function maybe(id: string, scope: ParentNode = document): HTMLElement | null {
  return scope.querySelector<HTMLElement>(`[data-testid="${id}"]`);
}

/** Clicks like a user (a disabled button ignores it, as in a browser). */
export function click(el: Element): void {
  act(() => {
    el.dispatchEvent(new dom.window.MouseEvent('click', { bubbles: true, cancelable: true }));
  });
}

/** Types `value` into a React-controlled input. */
export function typeInto(input: HTMLInputElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(dom.window.HTMLInputElement.prototype, 'value')!.set!;
  act(() => {
    setter.call(input, value);
    input.dispatchEvent(new dom.window.Event('input', { bubbles: true }));
  });
}

/** Lets pending promise callbacks (and the React updates they cause) run. */
export async function flush(): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  });
}

/** A promise with its resolve/reject exposed. */
export function deferred<T = unknown>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fake VideoSource / MediaParticipant recording which elements it was attached to. */
export function fakeParticipant(identity: string, opts: { isLocal?: boolean; cameraOn?: boolean; microphoneOn?: boolean } = {}) {
  const attached: HTMLVideoElement[] = [];
  const detached: HTMLVideoElement[] = [];
  const audio: HTMLAudioElement[] = [];
  return {
    identity,
    isLocal: opts.isLocal ?? false,
    cameraOn: opts.cameraOn ?? true,
    microphoneOn: opts.microphoneOn ?? true,
    connectionQuality: 'good',
    attached,
    detached,
    audio,
    attachVideo(el: HTMLVideoElement) {
      attached.push(el);
      return () => detached.push(el);
    },
    attachAudio(el: HTMLAudioElement) {
      audio.push(el);
    },
  };
}
