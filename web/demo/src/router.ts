/**
 * Hash routing: `#/` live rooms, `#/new` create a room, `#/room/<roomId>` a room (host or viewer
 * view). Unknown hashes show the room list.
 */
import { useEffect, useState } from 'react';

export type Route =
  | { name: 'rooms' }
  | { name: 'new' }
  | { name: 'room'; roomId: string };

/** Parses a location hash ("#/room/RM_x") into a Route. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const room = /^\/room\/([^/?#]+)\/?$/.exec(path);
  if (room) {
    try {
      return { name: 'room', roomId: decodeURIComponent(room[1]!) };
    } catch {
      return { name: 'rooms' }; // malformed %-escape
    }
  }
  if (path === '/new') return { name: 'new' };
  return { name: 'rooms' };
}

/** The hash of a Route. */
export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'room':
      return `#/room/${encodeURIComponent(route.roomId)}`;
    case 'new':
      return '#/new';
    default:
      return '#/';
  }
}

/** Navigates (adds a history entry, triggers hashchange). */
export function navigate(route: Route): void {
  const href = hrefOf(route);
  if (window.location.hash !== href) window.location.hash = href;
}

/** The current Route, re-rendered on every hashchange. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    onChange();
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
