// A LiveKit-peer test server: plays the LiveKit media server toward cohostd in both directions.
//
// - Serves the RoomService Twirp API (`POST /twirp/livekit.RoomService/<Method>`) like the Go server
//   (reference/livekit-protocol.md §2): the `Authorization: Bearer <jwt>` header is verified with
//   livekit-server-sdk's `TokenVerifier`, the grant each method needs is checked (missing →
//   Twirp `unauthenticated` 401), and every body is parsed STRICTLY with the `@livekit/protocol`
//   message classes (`ignoreUnknownFields: false`): a body that does not parse is recorded in
//   `violations` and answered Twirp `malformed` 400. Answers are `toJson()` of the response message
//   (`{}` for empty messages), errors `{code,msg}` with `Content-Type: application/json`.
//   Every call is recorded in `calls` so tests can assert "exactly once".
// - Sends LiveKit webhooks (§3) to cohostd when a test simulates media (`join`, `publish`,
//   `unpublish`, `drop`, `finishRoom`) and when a Twirp call disconnects someone
//   (RemoveParticipant → participant_left; DeleteRoom → participant_left… + room_finished):
//   body = JSON of `WebhookEvent.toJson()`, `Content-Type: application/webhook+json`,
//   `Authorization: <raw JWT>` from `AccessToken` with `sha256` = base64(SHA-256(body)).
//   Webhooks go out one at a time, in the order they were made (like the Go notifier's queue).
//
// Usage: `const peer = await startLivekitPeer({apiKey, apiSecret}); peer.webhookUrl = …;`
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import {
  CreateRoomRequest, DeleteRoomRequest, DeleteRoomResponse, DisconnectReason,
  ListParticipantsRequest, ListParticipantsResponse, ListRoomsRequest, ListRoomsResponse,
  MuteRoomTrackRequest, MuteRoomTrackResponse, ParticipantInfo, ParticipantInfo_Kind,
  ParticipantInfo_State, ParticipantPermission, RemoveParticipantResponse, Room,
  RoomParticipantIdentity, SendDataRequest, SendDataResponse, TrackInfo, TrackSource, TrackType,
  UpdateParticipantRequest, VideoLayer, VideoQuality, WebhookEvent,
} from '@livekit/protocol';
import { AccessToken, TokenVerifier } from 'livekit-server-sdk';

const TWIRP_PREFIX = '/twirp/livekit.RoomService/';
const MAX_BODY = 1 << 20;

/** Twirp code → HTTP status (twitchtv/twirp ServerHTTPStatusFromErrorCode). */
const TWIRP_STATUS = {
  invalid_argument: 400, malformed: 400, out_of_range: 400, unauthenticated: 401,
  permission_denied: 403, resource_exhausted: 403, not_found: 404, bad_route: 404,
  already_exists: 409, aborted: 409, failed_precondition: 412, canceled: 408,
  deadline_exceeded: 408, internal: 500, unknown: 500, data_loss: 500, unimplemented: 501,
  unavailable: 503,
};

class TwirpError extends Error {
  constructor(code, msg) {
    super(msg);
    this.code = code;
  }
}

/** `PFX_` + 12 random characters, like LiveKit's guid package. */
function guid(prefix) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(12);
  let out = prefix;
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

const nowS = () => BigInt(Math.floor(Date.now() / 1000));
const nowMs = () => BigInt(Date.now());

/** base64 (standard alphabet, padded) of SHA-256 over the UTF-8 bytes of `body`. */
export function bodyHash(body) {
  return createHash('sha256').update(body, 'utf8').digest('base64');
}

/**
 * The `Authorization` value a LiveKit server sends with `body`: a raw JWT (no `Bearer `) from
 * livekit-server-sdk's AccessToken with `sha256` set. `ttl` defaults to LiveKit's 5 minutes; a
 * past ttl such as '1 minute ago' makes an expired token; `sha256` overrides the hash (tampering).
 */
export async function signWebhook(body, apiKey, apiSecret, { ttl = '5m', sha256 } = {}) {
  const at = new AccessToken(apiKey, apiSecret, { ttl });
  at.sha256 = sha256 ?? bodyHash(body);
  return at.toJwt();
}

function sourceEnum(source) {
  const s = TrackSource[String(source).toUpperCase()];
  if (s === undefined || typeof s !== 'number') throw new Error(`unknown track source ${source}`);
  return s;
}

/** The method table: request class, response builder, grant check. */
const METHODS = {
  CreateRoom: { req: CreateRoomRequest, grant: 'create' },
  ListRooms: { req: ListRoomsRequest, grant: 'list' },
  DeleteRoom: { req: DeleteRoomRequest, grant: 'create' },
  ListParticipants: { req: ListParticipantsRequest, grant: 'admin' },
  RemoveParticipant: { req: RoomParticipantIdentity, grant: 'admin' },
  UpdateParticipant: { req: UpdateParticipantRequest, grant: 'admin' },
  MutePublishedTrack: { req: MuteRoomTrackRequest, grant: 'admin' },
  SendData: { req: SendDataRequest, grant: 'admin' },
};

function checkGrant(kind, video, request) {
  if (kind === 'create') return video.roomCreate === true;
  if (kind === 'list') return video.roomList === true;
  return video.roomAdmin === true && typeof video.room === 'string' && video.room === request.room;
}

/**
 * Starts the peer on 127.0.0.1:0. Options: apiKey, apiSecret (what cohostd signs with and what
 * the peer signs webhooks with), webhookUrl (settable later), webhookTimeoutMs.
 */
export async function startLivekitPeer({ apiKey, apiSecret, webhookUrl = null, webhookTimeoutMs = 10_000 } = {}) {
  const peer = new LivekitPeer({ apiKey, apiSecret, webhookUrl, webhookTimeoutMs });
  await peer.listen();
  return peer;
}

export class LivekitPeer {
  constructor({ apiKey, apiSecret, webhookUrl, webhookTimeoutMs }) {
    if (!apiKey || !apiSecret) throw new Error('LivekitPeer needs apiKey and apiSecret');
    this.apiKey = apiKey;
    this.apiSecret = apiSecret;
    /** cohostd's `POST /v1/livekit/webhook` URL; null = webhooks are recorded but not sent. */
    this.webhookUrl = webhookUrl;
    this.webhookTimeoutMs = webhookTimeoutMs;
    /** false = webhooks are silently dropped (recorded with `dropped: true`). */
    this.webhooksEnabled = true;
    /** Every Twirp call: {seq, method, request (toJson), claims, status, code, injected, at}. */
    this.calls = [];
    /** Protocol violations by the caller: {method, reason, body}. */
    this.violations = [];
    /** Every webhook made: {seq, id, event, room, identity, body, auth, dropped, status, text, error}. */
    this.webhooks = [];
    /** name → {room: Room, participants: Map identity → participant record}. */
    this.rooms = new Map();
    this.verifier = new TokenVerifier(apiKey, apiSecret);
    this._failures = [];
    this._queue = Promise.resolve();
    this._waiters = new Set();
    this._server = createServer((req, res) => {
      this._handle(req, res).catch((err) => {
        if (!res.headersSent) sendTwirpError(res, new TwirpError('internal', String(err?.message ?? err)));
      });
    });
  }

  async listen() {
    await new Promise((resolve, reject) => {
      this._server.once('error', reject);
      this._server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = this._server.address();
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
  }

  async close() {
    this._server.closeAllConnections?.();
    await new Promise((resolve) => this._server.close(() => resolve()));
    await this._queue;
  }

  // ---- failure injection ----------------------------------------------------------------------

  /**
   * The next `count` calls (of `methods`, or any) fail with Twirp `code` (HTTP status from the
   * Twirp table, or `status`), after auth and strict parsing. They are recorded with `injected`.
   */
  failNext(count, { code = 'unavailable', status, msg = 'injected failure', methods } = {}) {
    this._failures.push({ left: count, code, status: status ?? TWIRP_STATUS[code] ?? 500, msg, methods });
  }

  _takeFailure(method) {
    for (const f of this._failures) {
      if (f.left > 0 && (!f.methods || f.methods.includes(method))) {
        f.left -= 1;
        return f;
      }
    }
    return null;
  }

  // ---- recorded calls ---------------------------------------------------------------------------

  /** Calls of `method` whose parsed request matches `match` (subset of fields), any outcome. */
  callsOf(method, match = {}) {
    return this.calls.filter((c) => c.method === method &&
      Object.entries(match).every(([k, v]) => c.request?.[k] === v));
  }

  /** Successful (2xx) calls of `method` matching `match`. */
  okCallsOf(method, match = {}) {
    return this.callsOf(method, match).filter((c) => c.status === 200);
  }

  /**
   * Resolves when `predicate()` holds, re-checked after every Twirp call and webhook; rejects with
   * `what` after `timeoutMs`.
   */
  waitUntil(predicate, what, timeoutMs = 10_000) {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        check: () => {
          if (!predicate()) return;
          clearTimeout(timer);
          this._waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this._waiters.delete(waiter);
        reject(new Error(`LiveKit peer: timed out after ${timeoutMs} ms waiting for ${what}.\n` +
          `calls: ${this.calls.map((c) => `${c.method}(${JSON.stringify(c.request)})=${c.status}`).join(', ')}`));
      }, timeoutMs);
      this._waiters.add(waiter);
    });
  }

  /** Waits for a call of `method` matching `match` (successful unless `anyStatus`); returns it. */
  async waitForCall(method, match = {}, { timeoutMs = 10_000, anyStatus = false, count = 1 } = {}) {
    const list = () => (anyStatus ? this.callsOf(method, match) : this.okCallsOf(method, match));
    await this.waitUntil(() => list().length >= count,
      `${count} ${anyStatus ? '' : 'successful '}${method} ${JSON.stringify(match)}`, timeoutMs);
    return list()[count - 1];
  }

  _notify() {
    for (const w of [...this._waiters]) w.check();
  }

  // ---- Twirp server -----------------------------------------------------------------------------

  async _handle(req, res) {
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_BODY) {
        sendTwirpError(res, new TwirpError('resource_exhausted', 'body too large'));
        return;
      }
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, 'http://peer');
    if (!url.pathname.startsWith(TWIRP_PREFIX)) {
      sendTwirpError(res, new TwirpError('bad_route', `no handler for ${url.pathname}`));
      return;
    }
    const method = url.pathname.slice(TWIRP_PREFIX.length);
    const call = { seq: this.calls.length + 1, method, request: null, claims: null, status: 0, code: null,
      injected: false, at: Date.now(), body: text, contentType: req.headers['content-type'] ?? '' };
    this.calls.push(call);
    try {
      const answer = await this._dispatch(req, method, text, call);
      call.status = 200;
      sendJson(res, 200, answer.body);
      if (answer.after) res.once('finish', answer.after);
    } catch (err) {
      const e = err instanceof TwirpError ? err : new TwirpError('internal', String(err?.message ?? err));
      call.status = e.status ?? TWIRP_STATUS[e.code] ?? 500;
      call.code = e.code;
      sendTwirpError(res, e, call.status);
    } finally {
      this._notify();
    }
  }

  async _dispatch(req, method, text, call) {
    if (req.method !== 'POST') throw new TwirpError('bad_route', `unsupported method ${req.method}`);
    const spec = METHODS[method];
    if (!spec) throw new TwirpError('bad_route', `no handler for livekit.RoomService/${method}`);
    const ctype = (call.contentType.split(';')[0] || '').trim().toLowerCase();
    if (ctype !== 'application/json') {
      this.violations.push({ method, reason: `content-type ${call.contentType} (the peer speaks JSON only)`, body: text });
      throw new TwirpError('malformed', `unsupported content-type ${call.contentType}`);
    }
    // Auth first (the Go server's middleware), then strict parsing, then the grant.
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) throw new TwirpError('unauthenticated', 'missing Bearer authorization');
    const jwt = auth.slice('Bearer '.length);
    try {
      const header = JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());
      if (header.alg !== 'HS256') throw new Error(`alg ${header.alg}`);
      call.claims = await this.verifier.verify(jwt);
    } catch (err) {
      throw new TwirpError('unauthenticated', `invalid token: ${err.message}`);
    }
    let msg;
    try {
      msg = spec.req.fromJson(JSON.parse(text), { ignoreUnknownFields: false });
    } catch (err) {
      this.violations.push({ method, reason: err.message, body: text });
      throw new TwirpError('malformed', `failed to parse request: ${err.message}`);
    }
    call.request = msg.toJson();
    call.message = msg;
    if (!checkGrant(spec.grant, call.claims.video ?? {}, msg)) {
      throw new TwirpError('unauthenticated', `permissions denied for ${method}`);
    }
    const failure = this._takeFailure(method);
    if (failure) {
      call.injected = true;
      const e = new TwirpError(failure.code, failure.msg);
      e.status = failure.status;
      throw e;
    }
    return this[`_rpc${method}`](msg);
  }

  _rpcCreateRoom(r) {
    if (!r.name) throw new TwirpError('invalid_argument', 'name is required');
    const room = this._ensureRoom(r.name, r);
    return { body: new Room(room.info).toJson() };
  }

  _rpcListRooms(r) {
    const rooms = [...this.rooms.values()].filter((x) => r.names.length === 0 || r.names.includes(x.info.name));
    return { body: new ListRoomsResponse({ rooms: rooms.map((x) => this._roomInfo(x)) }).toJson() };
  }

  _rpcDeleteRoom(r) {
    const room = this._room(r.room);
    return { body: new DeleteRoomResponse().toJson(), after: () => this._closeRoom(room, DisconnectReason.ROOM_DELETED) };
  }

  _rpcListParticipants(r) {
    const room = this._room(r.room);
    const participants = [...room.participants.values()].map((p) => this._participantInfo(p));
    return { body: new ListParticipantsResponse({ participants }).toJson() };
  }

  _rpcRemoveParticipant(r) {
    const room = this._room(r.room);
    const p = this._participant(room, r.identity);
    return {
      body: new RemoveParticipantResponse().toJson(),
      after: () => Promise.all(this._leaveNow(room, p, DisconnectReason.PARTICIPANT_REMOVED)),
    };
  }

  _rpcUpdateParticipant(r) {
    const room = this._room(r.room);
    const p = this._participant(room, r.identity);
    if (r.metadata) p.metadata = r.metadata;
    if (r.name) p.name = r.name;
    if (r.permission) p.permission = new ParticipantPermission(r.permission);
    for (const [k, v] of Object.entries(r.attributes ?? {})) p.attributes[k] = v;
    p.version += 1;
    return { body: this._participantInfo(p).toJson() };
  }

  _rpcMutePublishedTrack(r) {
    const room = this._room(r.room);
    const p = this._participant(room, r.identity);
    const track = [...p.tracks.values()].find((t) => t.sid === r.trackSid);
    if (!track) throw new TwirpError('not_found', 'track is not found');
    track.muted = r.muted;
    return { body: new MuteRoomTrackResponse({ track: new TrackInfo(track) }).toJson() };
  }

  _rpcSendData(r) {
    this._room(r.room);
    if (r.nonce.length !== 0 && r.nonce.length !== 16) throw new TwirpError('invalid_argument', 'nonce should be 16-bytes or not present');
    return { body: new SendDataResponse().toJson() };
  }

  _room(name) {
    const room = this.rooms.get(name);
    if (!room) throw new TwirpError('not_found', 'requested room does not exist');
    return room;
  }

  _participant(room, identity) {
    const p = room.participants.get(identity);
    if (!p) throw new TwirpError('not_found', 'participant not found');
    return p;
  }

  // ---- model ------------------------------------------------------------------------------------

  _ensureRoom(name, req = {}) {
    let room = this.rooms.get(name);
    if (room) return room;
    room = {
      info: {
        sid: guid('RM_'), name, emptyTimeout: req.emptyTimeout || 300, departureTimeout: req.departureTimeout || 20,
        maxParticipants: req.maxParticipants || 0, creationTime: nowS(), creationTimeMs: nowMs(),
        metadata: req.metadata || '',
        enabledCodecs: [{ mime: 'audio/opus' }, { mime: 'audio/red' }, { mime: 'video/VP8' }, { mime: 'video/H264' }],
      },
      participants: new Map(),
    };
    this.rooms.set(name, room);
    return room;
  }

  _roomInfo(room) {
    const ps = [...room.participants.values()];
    return new Room({ ...room.info, numParticipants: ps.length, numPublishers: ps.filter((p) => p.tracks.size > 0).length });
  }

  _participantInfo(p, { state = ParticipantInfo_State.ACTIVE, disconnectReason } = {}) {
    return new ParticipantInfo({
      sid: p.sid, identity: p.identity, name: p.name, state, metadata: p.metadata,
      joinedAt: p.joinedAt, joinedAtMs: p.joinedAtMs, version: p.version,
      permission: new ParticipantPermission(p.permission), isPublisher: p.tracks.size > 0,
      kind: ParticipantInfo_Kind.STANDARD, attributes: { ...p.attributes },
      tracks: [...p.tracks.values()].map((t) => new TrackInfo(t)),
      ...(disconnectReason !== undefined ? { disconnectReason } : {}),
    });
  }

  /** Participant as in track_* webhooks: only sid and identity (Go telemetry). */
  static _slimParticipant(p) {
    return new ParticipantInfo({ sid: p.sid, identity: p.identity });
  }

  static _trackFor(source) {
    const s = sourceEnum(source);
    if (s === TrackSource.CAMERA || s === TrackSource.SCREEN_SHARE) {
      const name = s === TrackSource.CAMERA ? 'camera' : 'screen_share';
      return {
        sid: guid('TR_'), type: TrackType.VIDEO, name, source: s, width: 1280, height: 720, simulcast: true,
        mimeType: 'video/VP8', mid: '1', stream: name,
        layers: [
          new VideoLayer({ quality: VideoQuality.LOW, width: 320, height: 180, bitrate: 150_000 }),
          new VideoLayer({ quality: VideoQuality.MEDIUM, width: 640, height: 360, bitrate: 500_000 }),
          new VideoLayer({ quality: VideoQuality.HIGH, width: 1280, height: 720, bitrate: 1_700_000 }),
        ],
      };
    }
    const name = s === TrackSource.MICROPHONE ? 'microphone' : 'screen_share_audio';
    return { sid: guid('TR_'), type: TrackType.AUDIO, name, source: s, mimeType: 'audio/opus', mid: '0', stream: name };
  }

  // ---- media simulation (each returns the delivery results of the webhooks it sent) -------------

  /**
   * A participant connects (LiveKit auto-creates the room and then sends room_started). A second
   * join with the same identity first disconnects the old session (DUPLICATE_IDENTITY).
   */
  join(roomName, identity, { canPublish = true, canSubscribe = true, canPublishData, hidden = false, name, metadata = '' } = {}) {
    const fresh = !this.rooms.has(roomName);
    const room = this._ensureRoom(roomName);
    const out = [];
    if (fresh) out.push(this._emit('room_started', room, {}));
    const old = room.participants.get(identity);
    if (old) out.push(...this._leaveNow(room, old, DisconnectReason.DUPLICATE_IDENTITY));
    const p = {
      sid: guid('PA_'), identity, name: name ?? identity, metadata, joinedAt: nowS(), joinedAtMs: nowMs(), version: 1,
      attributes: {}, tracks: new Map(),
      permission: { canPublish, canSubscribe, canPublishData: canPublishData ?? canPublish, hidden,
        canPublishSources: canPublish ? [TrackSource.CAMERA, TrackSource.MICROPHONE] : [] },
    };
    room.participants.set(identity, p);
    out.push(this._emit('participant_joined', room, { participant: this._participantInfo(p) }));
    return Promise.all(out);
  }

  /** The participant publishes a track of `source` ('CAMERA' | 'MICROPHONE' | …). */
  publish(roomName, identity, source) {
    const room = this._room(roomName);
    const p = this._participant(room, identity);
    const key = sourceEnum(source);
    if (p.tracks.has(key)) throw new Error(`${identity} already publishes ${source}`);
    const track = LivekitPeer._trackFor(source);
    p.tracks.set(key, track);
    p.version += 1;
    return Promise.all([this._emit('track_published', room,
      { participant: LivekitPeer._slimParticipant(p), track: new TrackInfo(track) })]);
  }

  /** The participant stops publishing `source`. */
  unpublish(roomName, identity, source) {
    const room = this._room(roomName);
    const p = this._participant(room, identity);
    const key = sourceEnum(source);
    const track = p.tracks.get(key);
    if (!track) throw new Error(`${identity} does not publish ${source}`);
    p.tracks.delete(key);
    p.version += 1;
    return Promise.all([this._emit('track_unpublished', room,
      { participant: LivekitPeer._slimParticipant(p), track: new TrackInfo(track) })]);
  }

  /**
   * The participant's connection is lost (no leave): its tracks are unpublished, then
   * participant_left with `reason` (default CONNECTION_TIMEOUT).
   */
  drop(roomName, identity, { reason = DisconnectReason.CONNECTION_TIMEOUT } = {}) {
    const room = this._room(roomName);
    const p = this._participant(room, identity);
    return Promise.all(this._leaveNow(room, p, typeof reason === 'string' ? DisconnectReason[reason] : reason));
  }

  /** The media room closes (every participant leaves with ROOM_CLOSED, then room_finished). */
  finishRoom(roomName) {
    return this._closeRoom(this._room(roomName), DisconnectReason.ROOM_CLOSED);
  }

  _leaveNow(room, p, reason) {
    const out = [];
    for (const track of [...p.tracks.values()]) {
      p.tracks.delete(track.source);
      out.push(this._emit('track_unpublished', room,
        { participant: LivekitPeer._slimParticipant(p), track: new TrackInfo(track) }));
    }
    if (room.participants.get(p.identity) === p) room.participants.delete(p.identity);
    p.version += 1;
    out.push(this._emit('participant_left', room, {
      participant: this._participantInfo(p, { state: ParticipantInfo_State.DISCONNECTED, disconnectReason: reason }),
    }));
    return out;
  }

  _closeRoom(room, reason) {
    const out = [];
    for (const p of [...room.participants.values()]) out.push(...this._leaveNow(room, p, reason));
    this.rooms.delete(room.info.name);
    out.push(this._emit('room_finished', room, {}));
    return Promise.all(out);
  }

  // ---- webhooks ---------------------------------------------------------------------------------

  /**
   * Builds a WebhookEvent now (state snapshot) and queues its delivery; returns a promise of the
   * delivery record {id, event, status, text, error, dropped}.
   */
  _emit(event, room, { participant, track } = {}) {
    const ev = new WebhookEvent({
      event, room: this._roomInfo(room), participant, track, id: guid('EV_'), createdAt: nowS(),
    });
    const body = JSON.stringify(ev.toJson());
    const record = { seq: this.webhooks.length + 1, id: ev.id, event, room: room.info.name,
      identity: participant?.identity ?? null, body, auth: null, dropped: !this.webhooksEnabled,
      status: 0, text: null, error: null, sent: false, done: false };
    this.webhooks.push(record);
    const run = async () => {
      record.auth = await signWebhook(body, this.apiKey, this.apiSecret);
      if (!record.dropped && this.webhookUrl) {
        record.sent = true;
        const r = await this.sendRaw(body, record.auth);
        record.status = r.status;
        record.text = r.text;
        record.error = r.error;
      }
      record.done = true;
      this._notify();
      return record;
    };
    const p = this._queue.then(run, run);
    this._queue = p.catch(() => {});
    return p;
  }

  /** Builds (without sending) the body of an event for a participant, for forged/tampered tests. */
  makeEventBody(event, roomName, identity, { track } = {}) {
    const room = this.rooms.get(roomName) ?? { info: { sid: guid('RM_'), name: roomName }, participants: new Map() };
    const p = room.participants.get(identity);
    const participant = p ? this._participantInfo(p) : new ParticipantInfo({ sid: guid('PA_'), identity });
    const ev = new WebhookEvent({ event, room: this._roomInfo(room), participant, track, id: guid('EV_'), createdAt: nowS() });
    return JSON.stringify(ev.toJson());
  }

  /** POSTs `body` with `authHeader` (null = no header) to cohostd. Returns {status, text, error}. */
  async sendRaw(body, authHeader, { contentType = 'application/webhook+json' } = {}) {
    if (!this.webhookUrl) throw new Error('LiveKit peer: webhookUrl is not set');
    const headers = { 'content-type': contentType, 'user-agent': 'LiveKit' };
    if (authHeader !== null && authHeader !== undefined) headers.authorization = authHeader;
    try {
      const res = await fetch(this.webhookUrl, { method: 'POST', headers, body,
        signal: AbortSignal.timeout(this.webhookTimeoutMs) });
      return { status: res.status, text: await res.text(), error: null };
    } catch (err) {
      return { status: 0, text: null, error: String(err?.message ?? err) };
    }
  }

  /** Resolves when every queued webhook has been delivered (or dropped). */
  async drained() {
    await this._queue;
  }

  /** Genuine webhooks that were sent and not answered 2xx (should be empty in every test). */
  refusedWebhooks() {
    return this.webhooks.filter((w) => w.sent && !(w.status >= 200 && w.status < 300));
  }
}

function sendJson(res, status, obj) {
  const text = JSON.stringify(obj ?? {});
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendTwirpError(res, err, status) {
  sendJson(res, status ?? err.status ?? TWIRP_STATUS[err.code] ?? 500, { code: err.code, msg: err.message });
}
