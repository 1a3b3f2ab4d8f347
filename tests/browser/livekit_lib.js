// In-page livekit-client driver for the LiveKit browser tests and bench/livekit_join.mjs (a classic
// script, not a module). Load it after the livekit-client UMD build (global `LivekitClient`); it
// defines `window.lk`:
//
// - connect({url, token, publish, videoResolution, roomOptions, connectOptions, timeoutMs}): a
//   fresh Room (any earlier one is disconnected first; `connectOptions` go to room.connect), every
//   RoomEvent of interest recorded in `events`, remote
//   video tracks attached to a <video> per publisher identity. Resolves {ok, ms, error, reason,
//   identity, sid}; `ms` is the time room.connect() took. With `publish`, camera + mic are enabled
//   (livekit-client defaults: 1280x720 with q/h/f simulcast) before it resolves.
// - disconnect(): room.disconnect().
// - remote(identity): per remote track of that participant {kind, sid, subscribed, inbound-rtp
//   summary}, plus the <video> element's size/currentTime.
// - local(): outbound-rtp summaries and the local participant's permissions.
// - firstFrame(): ms from the start of the last connect() to the first remote video frame decoded
//   (null until then), polled from getStats every 10 ms.
//
// Events are kept as {t, ev, ...detail} with t = ms since the page's timeOrigin.
(() => {
  if (window.lk) return;
  const L = window.LivekitClient;
  const now = () => Math.round(performance.now());
  const reasonName = (r) => (r === undefined || r === null ? String(r) : (L.DisconnectReason[r] ?? String(r)));

  const state = {
    room: null,
    events: [],
    videos: new Map(), // identity -> <video>
    connectStart: null,
    firstFrameAt: null,
    generation: 0,
  };

  function log(ev, detail = {}) {
    state.events.push({ t: now(), ev, ...detail });
    if (state.events.length > 2000) state.events.splice(0, 500);
  }

  function videoFor(identity) {
    let v = state.videos.get(identity);
    if (!v) {
      v = document.createElement('video');
      v.autoplay = true;
      v.muted = true;
      v.playsInline = true;
      v.width = 320;
      v.height = 180;
      v.dataset.identity = identity;
      document.body.appendChild(v);
      state.videos.set(identity, v);
    }
    return v;
  }

  function wire(room) {
    const E = L.RoomEvent;
    room.on(E.Connected, () => log('Connected'));
    room.on(E.Reconnecting, () => log('Reconnecting'));
    room.on(E.Reconnected, () => log('Reconnected'));
    room.on(E.Disconnected, (reason) => log('Disconnected', { reason, reasonName: reasonName(reason) }));
    room.on(E.ParticipantConnected, (p) => log('ParticipantConnected', { identity: p.identity, sid: p.sid }));
    room.on(E.ParticipantDisconnected, (p) => log('ParticipantDisconnected', { identity: p.identity, sid: p.sid }));
    room.on(E.TrackPublished, (pub, p) => log('TrackPublished', { identity: p.identity, kind: pub.kind, sid: pub.trackSid }));
    room.on(E.TrackUnpublished, (pub, p) => log('TrackUnpublished', { identity: p.identity, kind: pub.kind, sid: pub.trackSid }));
    room.on(E.TrackSubscribed, (track, pub, p) => {
      log('TrackSubscribed', { identity: p.identity, kind: track.kind, sid: pub.trackSid, source: pub.source });
      if (track.kind === 'video') {
        const v = videoFor(p.identity);
        track.attach(v);
        v.play().catch(() => {});
      }
    });
    room.on(E.TrackUnsubscribed, (track, pub, p) => {
      log('TrackUnsubscribed', { identity: p.identity, kind: track.kind, sid: pub.trackSid });
      if (track.kind === 'video') track.detach();
    });
    room.on(E.TrackSubscriptionFailed, (sid, p, err) => log('TrackSubscriptionFailed', { identity: p?.identity, sid, error: String(err) }));
    room.on(E.LocalTrackPublished, (pub) => log('LocalTrackPublished', { kind: pub.kind, sid: pub.trackSid }));
    room.on(E.LocalTrackUnpublished, (pub) => log('LocalTrackUnpublished', { kind: pub.kind, sid: pub.trackSid }));
    room.on(E.LocalTrackSubscribed, (pub) => log('LocalTrackSubscribed', { kind: pub.kind, sid: pub.trackSid }));
    room.on(E.ParticipantPermissionsChanged, (prev, p) => log('ParticipantPermissionsChanged', {
      identity: p.identity, canPublish: p.permissions?.canPublish, canSubscribe: p.permissions?.canSubscribe,
      local: p === room.localParticipant,
    }));
    room.on(E.MediaDevicesError, (e) => log('MediaDevicesError', { error: String(e) }));
  }

  function pollFirstFrame(room, generation) {
    const tick = async () => {
      if (state.generation !== generation || state.firstFrameAt !== null) return;
      try {
        for (const p of room.remoteParticipants.values()) {
          for (const pub of p.trackPublications.values()) {
            const t = pub.track;
            if (!t || t.kind !== 'video' || !t.receiver) continue;
            const report = await t.receiver.getStats();
            for (const s of report.values()) {
              if (s.type === 'inbound-rtp' && (s.framesDecoded || 0) > 0 && state.firstFrameAt === null &&
                  state.generation === generation) {
                state.firstFrameAt = now();
                log('FirstFrame', { identity: p.identity, ms: state.firstFrameAt - state.connectStart,
                  width: s.frameWidth, height: s.frameHeight });
              }
            }
          }
        }
      } catch (e) {
        log('pollError', { error: String(e) });
      }
      if (state.firstFrameAt === null) setTimeout(tick, 10);
    };
    tick();
  }

  async function connect({ url, token, publish = false, videoResolution = null, roomOptions = {},
    connectOptions = {}, timeoutMs = 20_000, watchFirstFrame = false } = {}) {
    if (state.room) {
      try { await state.room.disconnect(); } catch { /* already gone */ }
    }
    for (const v of state.videos.values()) v.remove();
    state.videos.clear();
    const generation = ++state.generation;
    const room = new L.Room(roomOptions);
    state.room = room;
    wire(room);
    state.connectStart = now();
    state.firstFrameAt = null;
    if (watchFirstFrame) pollFirstFrame(room, generation);
    log('connect.start');
    try {
      await Promise.race([
        room.connect(url, token, connectOptions),
        new Promise((_, rej) => setTimeout(() => rej(new Error(`connect took over ${timeoutMs} ms`)), timeoutMs)),
      ]);
    } catch (e) {
      log('connect.error', { error: String(e?.message ?? e), reason: e?.reason, status: e?.status });
      return { ok: false, error: String(e?.message ?? e), name: e?.name, reason: e?.reason,
        reasonName: e?.reason !== undefined && L.ConnectionErrorReason ? L.ConnectionErrorReason[e.reason] : undefined,
        status: e?.status, ms: now() - state.connectStart };
    }
    const ms = now() - state.connectStart;
    log('connect.done', { ms });
    if (publish) {
      try {
        const opts = videoResolution ? { resolution: videoResolution } : undefined;
        await room.localParticipant.setCameraEnabled(true, opts);
        await room.localParticipant.setMicrophoneEnabled(true);
      } catch (e) {
        log('publish.error', { error: String(e?.message ?? e) });
        return { ok: false, error: `publish: ${e?.message ?? e}`, ms };
      }
    }
    return { ok: true, ms, identity: room.localParticipant.identity, sid: room.localParticipant.sid };
  }

  async function disconnect() {
    if (state.room) await state.room.disconnect();
  }

  const INBOUND = ['kind', 'packetsReceived', 'bytesReceived', 'framesDecoded', 'frameWidth', 'frameHeight',
    'framesPerSecond', 'packetsLost', 'nackCount', 'pliCount', 'freezeCount', 'totalSamplesReceived'];
  const OUTBOUND = ['kind', 'rid', 'packetsSent', 'framesEncoded', 'frameWidth', 'frameHeight',
    'qualityLimitationReason'];
  const pick = (s, keys) => Object.fromEntries(keys.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));

  async function remote(identity) {
    const room = state.room;
    const out = { state: room?.state ?? null, found: false, tracks: [], video: null };
    if (!room) return out;
    const p = [...room.remoteParticipants.values()].find((x) => x.identity === identity);
    if (!p) return out;
    out.found = true;
    out.sid = p.sid;
    for (const pub of p.trackPublications.values()) {
      const t = { kind: pub.kind, sid: pub.trackSid, source: pub.source, subscribed: pub.isSubscribed,
        muted: pub.isMuted, inbound: null };
      if (pub.track && pub.track.receiver) {
        try {
          const report = await pub.track.receiver.getStats();
          for (const s of report.values()) if (s.type === 'inbound-rtp') t.inbound = pick(s, INBOUND);
        } catch (e) {
          t.error = String(e);
        }
      }
      out.tracks.push(t);
    }
    const v = state.videos.get(identity);
    if (v) {
      out.video = { videoWidth: v.videoWidth, videoHeight: v.videoHeight, currentTime: v.currentTime,
        readyState: v.readyState, paused: v.paused };
    }
    return out;
  }

  async function local() {
    const room = state.room;
    if (!room) return null;
    const lp = room.localParticipant;
    const out = { state: room.state, identity: lp.identity, sid: lp.sid,
      permissions: lp.permissions ? { canPublish: lp.permissions.canPublish, canSubscribe: lp.permissions.canSubscribe } : null,
      publications: [...lp.trackPublications.values()].map((p) => ({ kind: p.kind, sid: p.trackSid, source: p.source })),
      outbound: [] };
    for (const pub of lp.trackPublications.values()) {
      const sender = pub.track?.sender;
      if (!sender) continue;
      try {
        const report = await sender.getStats();
        for (const s of report.values()) if (s.type === 'outbound-rtp') out.outbound.push(pick(s, OUTBOUND));
      } catch {
        // sender gone
      }
    }
    return out;
  }

  const firstFrame = () => (state.firstFrameAt === null ? null : state.firstFrameAt - state.connectStart);

  window.lk = { connect, disconnect, remote, local, firstFrame, state, events: state.events, log };
})();
