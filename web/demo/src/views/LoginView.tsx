/** Dev login: a user id and a display name (POST /v1/auth/dev-login; only on loopback servers). */
import { useState, type FormEvent } from 'react';
import { errorText } from '../live.js';

/** docs/api/openapi.yaml UserId: 1–128 of [A-Za-z0-9_.@-], not starting with viewer-. */
const USER_ID = /^(?!viewer-)[A-Za-z0-9_.@-]{1,128}$/;

export function LoginView({ onLogin }: { onLogin(userId: string, displayName: string): Promise<void> }) {
  const [userId, setUserId] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const id = userId.trim();
    if (!USER_ID.test(id)) {
      setError('A user id is 1–128 letters, digits or . _ @ - (not starting with viewer-).');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onLogin(id, displayName.trim() || id);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <section className="demo-card demo-login" aria-labelledby="login-title">
      <h1 id="login-title">Log in</h1>
      <p className="demo-muted">Development login: any user id, no password (the server must allow dev login).</p>
      <form onSubmit={submit} className="demo-form" data-testid="login-form">
        <label>
          User id
          <input
            name="userId"
            data-testid="login-user-id"
            autoComplete="username"
            value={userId}
            onChange={(e) => setUserId(e.target.value)}
            required
          />
        </label>
        <label>
          Display name
          <input
            name="displayName"
            data-testid="login-display-name"
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
            placeholder="shown to others"
          />
        </label>
        {error && <p className="demo-error" role="alert" data-testid="login-error">{error}</p>}
        <button type="submit" className="demo-button demo-button--primary" data-testid="login-submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </section>
  );
}
