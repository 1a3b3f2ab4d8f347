/**
 * The dev-login session of the demo: one CohostClient per browser tab, its token kept in
 * sessionStorage (per tab, so several users can be tried side by side in one browser), restored on
 * reload and dropped on log out.
 */
import { CohostClient, type User } from '@cohost/sdk';

const STORAGE_KEY = 'cohost.demo.session';

/** What sessionStorage keeps: enough to rebuild the client without logging in again. */
interface Stored {
  token: string;
  userId: string;
  displayName: string;
}

/** The API is served by the same cohostd as this page. */
export const baseUrl = (): string => window.location.origin;

function readStored(): Stored | null {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<Stored>;
    if (typeof v.token !== 'string' || typeof v.userId !== 'string') return null;
    return { token: v.token, userId: v.userId, displayName: typeof v.displayName === 'string' ? v.displayName : v.userId };
  } catch {
    return null;
  }
}

function writeStored(v: Stored | null): void {
  try {
    if (v) window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(v));
    else window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage disabled: the session lasts until reload
  }
}

/** A logged-in user: the client plus who it is. */
export interface Session {
  client: CohostClient;
  me: User;
}

/** POST /v1/auth/dev-login through the SDK; remembers the token for this tab. */
export async function login(userId: string, displayName: string): Promise<Session> {
  const client = await CohostClient.devLogin(baseUrl(), userId, displayName);
  const me = client.me ?? (await client.getMe());
  writeStored({ token: client.token, userId: me.userId, displayName: me.displayName });
  return { client, me };
}

/**
 * Rebuilds the session stored in this tab, checking the token with GET /v1/me. Returns null when
 * nothing is stored or the token is no longer accepted (it is then forgotten).
 */
export async function restore(): Promise<Session | null> {
  const stored = readStored();
  if (!stored) return null;
  const client = new CohostClient({ baseUrl: baseUrl(), token: stored.token });
  try {
    const me = await client.getMe();
    return { client, me };
  } catch {
    client.close();
    writeStored(null);
    return null;
  }
}

/** True when a token is stored (so the app shows "Signing in…" rather than the login form). */
export const hasStoredSession = (): boolean => readStored() !== null;

/** Forgets the token and closes the client (realtime socket and media). */
export function logout(session: Session | null): void {
  writeStored(null);
  session?.client.close();
}
