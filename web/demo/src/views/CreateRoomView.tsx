/**
 * "Create room": a title (and the co-host limit), POST /v1/rooms, then the room page, where the
 * host's backstage preview and "Go live" are.
 */
import { useState, type FormEvent } from 'react';
import type { Session } from '../auth.js';
import { errorText } from '../live.js';
import { hrefOf, navigate } from '../router.js';

export function CreateRoomView({ session }: { session: Session }) {
  const [title, setTitle] = useState('');
  const [maxCoHosts, setMaxCoHosts] = useState(4);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const t = title.trim();
    if (!t) {
      setError('A room needs a title.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const room = await session.client.createRoom({ title: t, maxCoHosts });
      navigate({ name: 'room', roomId: room.roomId });
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <section className="demo-card" aria-labelledby="create-title">
      <h1 id="create-title">Create a room</h1>
      <form onSubmit={submit} className="demo-form" data-testid="create-room-form">
        <label>
          Title
          <input
            name="title"
            data-testid="room-title-input"
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            placeholder="What is this stream about?"
            required
          />
        </label>
        <label>
          Co-hosts at most
          <select
            name="maxCoHosts"
            data-testid="room-max-cohosts"
            value={maxCoHosts}
            onChange={(e) => setMaxCoHosts(Number(e.target.value))}
          >
            {[1, 2, 3, 4, 5, 6, 7, 8].map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </select>
        </label>
        {error && <p className="demo-error" role="alert" data-testid="create-room-error">{error}</p>}
        <div className="demo-actions">
          <a className="demo-button" href={hrefOf({ name: 'rooms' })}>Back</a>
          <button type="submit" className="demo-button demo-button--primary" data-testid="create-room-submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create room'}
          </button>
        </div>
      </form>
    </section>
  );
}
