/**
 * The demo app shell: restores or asks for a dev login, shows the top bar (who is logged in, log
 * out) and the view of the current hash route.
 */
import { useCallback, useEffect, useState } from 'react';
import { hasStoredSession, login, logout, restore, type Session } from './auth.js';
import { navigate, useRoute } from './router.js';
import { LoginView } from './views/LoginView.js';
import { RoomListView } from './views/RoomListView.js';
import { CreateRoomView } from './views/CreateRoomView.js';
import { RoomPage } from './views/RoomPage.js';

type AuthState = { kind: 'restoring' } | { kind: 'out' } | { kind: 'in'; session: Session };

export function App() {
  const route = useRoute();
  const [auth, setAuth] = useState<AuthState>(() => (hasStoredSession() ? { kind: 'restoring' } : { kind: 'out' }));

  useEffect(() => {
    if (auth.kind !== 'restoring') return;
    let cancelled = false;
    void restore().then((session) => {
      if (!cancelled) setAuth(session ? { kind: 'in', session } : { kind: 'out' });
    });
    return () => {
      cancelled = true;
    };
  }, [auth.kind]);

  const onLogin = useCallback(async (userId: string, displayName: string) => {
    const session = await login(userId, displayName);
    setAuth({ kind: 'in', session });
  }, []);

  const onLogout = useCallback(() => {
    if (auth.kind === 'in') logout(auth.session);
    setAuth({ kind: 'out' });
    navigate({ name: 'rooms' });
  }, [auth]);

  return (
    <div className="demo-app">
      <header className="demo-topbar">
        <a className="demo-brand" href="#/">cohost</a>
        {auth.kind === 'in' && (
          <div className="demo-whoami">
            <span data-testid="whoami" data-user-id={auth.session.me.userId}>
              {auth.session.me.displayName}
            </span>
            <button type="button" className="demo-link-button" data-testid="logout" onClick={onLogout}>
              Log out
            </button>
          </div>
        )}
      </header>
      <main className="demo-main">
        {auth.kind === 'restoring' && <p className="demo-muted" role="status">Signing in…</p>}
        {auth.kind === 'out' && <LoginView onLogin={onLogin} />}
        {auth.kind === 'in' && route.name === 'rooms' && <RoomListView session={auth.session} />}
        {auth.kind === 'in' && route.name === 'new' && <CreateRoomView session={auth.session} />}
        {auth.kind === 'in' && route.name === 'room' && (
          <RoomPage key={route.roomId} session={auth.session} roomId={route.roomId} />
        )}
      </main>
    </div>
  );
}
