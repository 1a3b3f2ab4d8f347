// In-page WebRTC client for the browser tests (a classic script, not a module).
//
// The harness installs it with context.addInitScript() before each page navigates to the server's
// same-origin /healthz, so fetch() to /whip and /whep needs no CORS. It defines `window.cohost`:
//
// - publish({path, token, width, height, frameRate, simulcast, gatherMs}): getUserMedia (fake camera +
//   mic), one sendonly audio and one sendonly video transceiver (three simulcast encodings q/h/f unless
//   simulcast is false), POSTs the offer over WHIP, applies the answer. Resolves {status, location,
//   contentType, body} (body = the answer SDP on 201, else the error text).
// - play({path, token, gatherMs}): one recvonly audio and one recvonly video transceiver, POSTs the
//   offer over WHEP, applies the answer, attaches what arrives to a <video> element. Resolves like
//   publish(); afterwards `window.cohost.firstFrameMs` becomes the time from the WHEP answer to the
//   first decoded video frame.
// - stats(): a compact summary of getStats() (inbound/outbound RTP, transport) plus states and events.
// - leave(): DELETE the resource (same bearer token), stop local tracks, close the peer connection.
//
// Every event (track mute/unmute/ended, connection/ICE/DTLS state changes) is kept in `events` with
// its time (ms since the page's timeOrigin) so the tests can report what Chromium really showed.
(() => {
  if (window.cohost) return;

  const now = () => Math.round(performance.now());
  const state = {
    pc: null,
    role: null,
    location: null,
    token: null,
    localStream: null,
    remoteStream: null,
    video: null,
    events: [],
    answerAt: null,
    firstFrameAt: null,
    firstFrameMs: null,
    lastError: null,
  };

  function log(what, detail) {
    state.events.push({ t: now(), what, ...(detail === undefined ? {} : { detail }) });
  }

  function watchPeerConnection(pc) {
    pc.addEventListener('connectionstatechange', () => log('pc.connectionState', pc.connectionState));
    pc.addEventListener('iceconnectionstatechange', () => log('pc.iceConnectionState', pc.iceConnectionState));
    pc.addEventListener('signalingstatechange', () => log('pc.signalingState', pc.signalingState));
  }

  function watchDtls(pc) {
    const seen = new Set();
    for (const t of pc.getTransceivers()) {
      const dtls = t.receiver.transport || t.sender.transport;
      if (!dtls || seen.has(dtls)) continue;
      seen.add(dtls);
      log('dtls.state', dtls.state);
      dtls.addEventListener('statechange', () => log('dtls.state', dtls.state));
      dtls.addEventListener('error', (e) => log('dtls.error', String(e.error && e.error.message || e.message || e)));
      const ice = dtls.iceTransport;
      if (ice) ice.addEventListener('statechange', () => log('ice.state', ice.state));
    }
  }

  function watchTrack(track, side) {
    const tag = `${side}.${track.kind}`;
    track.addEventListener('mute', () => log(`${tag}.mute`));
    track.addEventListener('unmute', () => log(`${tag}.unmute`));
    track.addEventListener('ended', () => log(`${tag}.ended`));
  }

  async function waitGathering(pc, gatherMs) {
    if (pc.iceGatheringState === 'complete' || gatherMs <= 0) return;
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, gatherMs);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  async function exchange(pc, path, token, gatherMs) {
    await pc.setLocalDescription(await pc.createOffer());
    await waitGathering(pc, gatherMs);
    const offer = pc.localDescription.sdp;
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` },
      body: offer,
    });
    const body = await res.text();
    const out = {
      status: res.status,
      location: res.headers.get('location'),
      contentType: res.headers.get('content-type'),
      body,
      offer,
    };
    log('http.answer', { status: res.status, location: out.location });
    if (res.status === 201) {
      state.answerAt = now();
      state.location = out.location;
      state.token = token;
      await pc.setRemoteDescription({ type: 'answer', sdp: body });
      watchDtls(pc);
    }
    return out;
  }

  function newPeerConnection(role) {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    state.pc = pc;
    state.role = role;
    watchPeerConnection(pc);
    return pc;
  }

  async function publish({ path, token, width = 1280, height = 720, frameRate = 30, simulcast = true,
    gatherMs = 1000 } = {}) {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width, height, frameRate },
    });
    state.localStream = stream;
    const pc = newPeerConnection('publisher');
    const [audio] = stream.getAudioTracks();
    const [video] = stream.getVideoTracks();
    watchTrack(audio, 'local');
    watchTrack(video, 'local');
    pc.addTransceiver(audio, { direction: 'sendonly', streams: [stream] });
    const init = { direction: 'sendonly', streams: [stream] };
    if (simulcast) {
      init.sendEncodings = [
        { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
        { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
        { rid: 'f', maxBitrate: 1700000 },
      ];
    }
    const vt = pc.addTransceiver(video, init);
    // On a loaded 2-core machine Chromium's CPU adaptation would otherwise shrink the input
    // resolution, and the tests assert exact frame sizes: trade frame rate instead.
    try {
      const params = vt.sender.getParameters();
      params.degradationPreference = 'maintain-resolution';
      await vt.sender.setParameters(params);
    } catch (e) {
      log('publisher.degradationPreference', String(e));
    }
    return exchange(pc, path, token, gatherMs);
  }

  function pollFirstFrame() {
    const pc = state.pc;
    const tick = async () => {
      if (state.pc !== pc || pc.connectionState === 'closed' || state.firstFrameAt !== null) return;
      try {
        const report = await pc.getStats();
        for (const s of report.values()) {
          if (s.type === 'inbound-rtp' && s.kind === 'video' && (s.framesDecoded || 0) > 0) {
            state.firstFrameAt = now();
            state.firstFrameMs = state.firstFrameAt - state.answerAt;
            log('first.frame', { msAfterAnswer: state.firstFrameMs, width: s.frameWidth, height: s.frameHeight });
            return;
          }
        }
      } catch (e) {
        state.lastError = String(e);
      }
      setTimeout(tick, 20);
    };
    tick();
  }

  async function play({ path, token, gatherMs = 1000 } = {}) {
    const pc = newPeerConnection('subscriber');
    const remote = new MediaStream();
    state.remoteStream = remote;
    const video = document.createElement('video');
    video.autoplay = true;
    video.muted = true;
    video.playsInline = true;
    video.width = 640;
    video.height = 360;
    video.style.background = '#202020';
    video.srcObject = remote;
    document.body.appendChild(video);
    state.video = video;
    pc.addEventListener('track', (ev) => {
      log('pc.track', { kind: ev.track.kind, mid: ev.transceiver && ev.transceiver.mid, streams: ev.streams.length });
      watchTrack(ev.track, 'remote');
      remote.addTrack(ev.track);
      video.play().catch(() => {});
    });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.addTransceiver('video', { direction: 'recvonly' });
    const out = await exchange(pc, path, token, gatherMs);
    if (out.status === 201) pollFirstFrame();
    return out;
  }

  const pick = (s, keys) => {
    const o = {};
    for (const k of keys) if (s[k] !== undefined) o[k] = s[k];
    return o;
  };

  const INBOUND = ['kind', 'ssrc', 'mid', 'trackIdentifier', 'packetsReceived', 'packetsLost', 'bytesReceived',
    'nackCount', 'pliCount', 'firCount', 'framesDecoded', 'framesReceived', 'framesDropped', 'keyFramesDecoded',
    'frameWidth', 'frameHeight', 'framesPerSecond', 'freezeCount', 'totalFreezesDuration', 'pauseCount',
    'totalPauseDuration', 'jitter', 'lastPacketReceivedTimestamp', 'decoderImplementation', 'codecId',
    'totalSamplesReceived', 'concealedSamples', 'audioLevel', 'retransmittedPacketsReceived'];
  const OUTBOUND = ['kind', 'ssrc', 'mid', 'rid', 'packetsSent', 'bytesSent', 'framesEncoded', 'frameWidth',
    'frameHeight', 'framesPerSecond', 'targetBitrate', 'qualityLimitationReason', 'nackCount', 'pliCount',
    'firCount', 'retransmittedPacketsSent', 'encoderImplementation', 'active', 'scalabilityMode'];

  async function stats() {
    const pc = state.pc;
    const out = {
      t: now(),
      role: state.role,
      connectionState: pc ? pc.connectionState : null,
      iceConnectionState: pc ? pc.iceConnectionState : null,
      dtlsStates: [],
      tracks: [],
      inbound: [],
      outbound: [],
      transport: null,
      codecs: {},
      firstFrameMs: state.firstFrameMs,
      videoElement: null,
      events: state.events.slice(),
      lastError: state.lastError,
    };
    if (!pc) return out;
    for (const t of pc.getTransceivers()) {
      const dtls = t.receiver.transport || t.sender.transport;
      if (dtls) out.dtlsStates.push(dtls.state);
      const track = t.receiver.track;
      if (state.role === 'subscriber' && track) {
        out.tracks.push({ kind: track.kind, readyState: track.readyState, muted: track.muted, mid: t.mid,
          direction: t.direction, currentDirection: t.currentDirection });
      }
    }
    if (state.video) {
      const v = state.video;
      out.videoElement = { videoWidth: v.videoWidth, videoHeight: v.videoHeight, readyState: v.readyState,
        paused: v.paused, currentTime: v.currentTime };
    }
    if (pc.connectionState === 'closed') return out;
    const report = await pc.getStats();
    for (const s of report.values()) {
      if (s.type === 'inbound-rtp') out.inbound.push(pick(s, INBOUND));
      else if (s.type === 'outbound-rtp') out.outbound.push(pick(s, OUTBOUND));
      else if (s.type === 'transport') {
        out.transport = pick(s, ['dtlsState', 'iceState', 'dtlsRole', 'tlsVersion', 'srtpCipher', 'dtlsCipher',
          'bytesSent', 'bytesReceived', 'packetsSent', 'packetsReceived', 'selectedCandidatePairChanges']);
      } else if (s.type === 'codec') out.codecs[s.id] = s.mimeType;
    }
    for (const r of [...out.inbound, ...out.outbound]) {
      if (r.codecId) r.codec = out.codecs[r.codecId];
    }
    return out;
  }

  async function leave({ del = true } = {}) {
    let status = null;
    if (del && state.location) {
      try {
        const res = await fetch(state.location, { method: 'DELETE', headers: { authorization: `Bearer ${state.token}` } });
        status = res.status;
      } catch (e) {
        status = String(e);
      }
      log('http.delete', status);
    }
    if (state.localStream) for (const t of state.localStream.getTracks()) t.stop();
    if (state.pc) state.pc.close();
    log('pc.closed');
    return status;
  }

  window.cohost = { publish, play, stats, leave, state, log };
})();
