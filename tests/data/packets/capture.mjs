// Captures real Chromium packets as codec test data (tests/unit/wire/captured_packets_test.cpp,
// captured_rtp_rtcp_test.cpp).
//
// Run from tests/browser, after building cohostd, so that harness.mjs finds its node_modules and
// the binary (or set COHOSTD):
//   cd tests/browser && node ../data/packets/capture.mjs [RAW_DIR]
//
// What it does: starts cohostd with `media.test_capture_dir` (every session writes the first 12
// packets of each kind it receives: STUN and DTLS as sent, RTP/RTCP after SRTP unprotect, plus
// `<session>.txt` with the ICE credentials) and `media.test_drop_video_percent: 3` (so the player
// NACKs). Sessions, all on one server:
//   publisher  audio + VP8 with simulcast q/h/f over WHIP (page_lib.js publish, as in
//              whip_whep.test.mjs), room A
//   player     WHEP play of room A (page_lib.js play)
//   layers     WHIP, room B: a sendonly audio transceiver without a track plus the simulcast
//              video (q/h/f), with the answer's bandwidth-estimation feedback removed before
//              setRemoteDescription (a=rtcp-fb transport-cc / goog-remb and the abs-send-time and
//              transport-wide-cc a=extmap lines). The publisher's first 12 RTP packets hold audio,
//              the q keyframe and Chromium's padding probes only; without BWE feedback Chromium
//              does not probe, so this session's first packets are keyframes, keyframe
//              continuations, delta frames and packets without MID/RID of layers q and h (f gets
//              no bitrate at the start estimate).
//   layer-f    WHIP, room B: the same transceivers, BWE kept, only encoding f active, with
//              degradationPreference maintain-resolution: gives the f layer's first packet.
//              The empty audio transceiver keeps the offer's m-line layout, hence the same a=extmap
//              ids as the publisher's offer (checked below).
// Runs ~6 s, stops everything (harness: by PID), then picks the files listed in README.md by rule
// (first packet of each kind that matches), renames them, and writes them next to this script
// together with the WHIP/WHEP offers and answers and the publisher's and player's credentials.
// RAW_DIR (default: a new temporary directory) keeps the full raw capture.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

import { CHROMIUM, User, closeAll, digest, sleep, startCohostd, token } from '../../browser/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const raw = process.argv[2] || mkdtempSync(join(tmpdir(), 'cohost-capture-'));
mkdirSync(raw, { recursive: true });

// ---------------------------------------------------------------------------------------------
// 1. Capture.

/**
 * In-page: a WHIP session with an empty audio transceiver and simulcast video, only encoding
 * `only` active when given, the answer's bandwidth-estimation feedback removed when `noBwe` (see
 * the header comment); resolves {status, offer, body}.
 */
async function publishExtra({ path, token: bearer, only, noBwe }) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720, frameRate: 30 } });
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  pc.addTransceiver('audio', { direction: 'sendonly' });
  const tr = pc.addTransceiver(stream.getVideoTracks()[0], {
    direction: 'sendonly',
    streams: [stream],
    sendEncodings: [
      { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
      { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
      { rid: 'f', maxBitrate: 1700000 },
    ].map((e) => ({ ...e, active: !only || e.rid === only })),
  });
  // As page_lib.js does: keep each layer's resolution (a lone f layer starts at the initial
  // bandwidth estimate, where Chromium would otherwise scale its input down).
  const params = tr.sender.getParameters();
  params.degradationPreference = 'maintain-resolution';
  await tr.sender.setParameters(params);
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => setTimeout(r, 1000));
  const offer = pc.localDescription.sdp;
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/sdp', authorization: `Bearer ${bearer}` },
    body: offer,
  });
  const body = await res.text();
  if (res.status === 201) {
    const answer = body.split('\r\n')
      .filter((l) => !/transport-cc|goog-remb|abs-send-time|transport-wide-cc/.test(l)).join('\r\n');
    await pc.setRemoteDescription({ type: 'answer', sdp: noBwe ? answer : body });
  }
  (window.extraPcs ??= []).push(pc);
  return { status: res.status, offer, body };
}

const ROOM = 'capture-a';
const ROOM_LAYERS = 'capture-b';
const server = await startCohostd({
  config: {
    media: { public_ip: '127.0.0.1', workers: 1, test_capture_dir: raw, test_drop_video_percent: 3 },
  },
});
const users = [];
const sdp = {};
let chromiumVersion = '';
try {
  chromiumVersion = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim();
  const pubUser = await User.launch('publisher', server.baseUrl);
  users.push(pubUser);
  const pub = await pubUser.publish(ROOM, await token(server, { identity: 'pub', room: ROOM, canSubscribe: false }),
    { width: 1280, height: 720, frameRate: 30, simulcast: true });
  if (pub.status !== 201) throw new Error(`WHIP: ${pub.status} ${pub.body}`);
  sdp.whipOffer = pub.offer;
  sdp.whipAnswer = pub.body;

  const player = await User.launch('player', server.baseUrl);
  users.push(player);
  const play = await player.play(ROOM, await token(server, { identity: 'play', room: ROOM, canPublish: false }));
  if (play.status !== 201) throw new Error(`WHEP: ${play.status} ${play.body}`);
  sdp.whepOffer = play.offer;
  sdp.whepAnswer = play.body;

  const layers = await User.launch('layers', server.baseUrl);
  users.push(layers);
  sdp.layerOffers = [];
  for (const [identity, opts] of [['layers', { noBwe: true }], ['layer-f', { only: 'f' }]]) {
    const bearer = await token(server, { identity, room: ROOM_LAYERS, canSubscribe: false });
    const r = await layers.page.evaluate(publishExtra, { path: `/whip/${ROOM_LAYERS}`, token: bearer, ...opts });
    if (r.status !== 201) throw new Error(`WHIP (${identity}): ${r.status} ${r.body}`);
    sdp.layerOffers.push(r.offer);
  }
  await sleep(6000);
  console.log(`publisher: ${digest(await pubUser.stats())}`);
  console.log(`player: ${digest(await player.stats())}`);
} finally {
  await closeAll(users);
  await server.stop();
}
writeFileSync(join(raw, 'whip_offer.sdp'), sdp.whipOffer);
writeFileSync(join(raw, 'whip_answer.sdp'), sdp.whipAnswer);
writeFileSync(join(raw, 'whep_offer.sdp'), sdp.whepOffer);
writeFileSync(join(raw, 'whep_answer.sdp'), sdp.whepAnswer);

// ---------------------------------------------------------------------------------------------
// 2. Selection.

const extmaps = (text) => text.split(/\r?\n/).filter((l) => l.startsWith('a=extmap:')).join('\n');
for (const o of sdp.layerOffers) {
  if (extmaps(o) !== extmaps(sdp.whipOffer)) throw new Error('layer offer has other a=extmap ids than the WHIP offer');
}
const ufragOf = (text) => /a=ice-ufrag:(\S+)/.exec(text)[1];
const extIds = {};
for (const l of sdp.whipOffer.split(/\r?\n/)) {
  const m = /^a=extmap:(\d+) (\S+)/.exec(l);
  if (m) extIds[m[2]] = Number(m[1]);
}
const ID_MID = extIds['urn:ietf:params:rtp-hdrext:sdes:mid'];
const ID_RID = extIds['urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id'];

// Sessions by the browser ufrag (remote_ufrag) written in <session>.txt.
const sessions = {};
for (const f of readdirSync(raw).filter((n) => n.endsWith('.txt'))) {
  const kv = Object.fromEntries(readFileSync(join(raw, f), 'utf8').trim().split('\n').map((l) => l.split(' ')));
  sessions[f.slice(0, -4)] = kv;
}
const sessionByUfrag = (u) => Object.keys(sessions).find((s) => sessions[s].remote_ufrag === u);
const pubSession = sessionByUfrag(ufragOf(sdp.whipOffer));
const playSession = sessionByUfrag(ufragOf(sdp.whepOffer));
const layerSessions = sdp.layerOffers.map((o) => sessionByUfrag(ufragOf(o)));
if (!pubSession || !playSession || layerSessions.includes(undefined)) throw new Error('a session was not captured');

const packets = (session, kind) => readdirSync(raw).filter((n) => n.startsWith(`${session}-`) && n.endsWith(`-${kind}.bin`))
  .sort().map((n) => ({ name: n, bytes: readFileSync(join(raw, n)) }));

function stunAttrs(b) {
  const out = [];
  for (let i = 20; i + 4 <= b.length;) {
    const t = b.readUInt16BE(i);
    const l = b.readUInt16BE(i + 2);
    out.push(t);
    i += 4 + Math.ceil(l / 4) * 4;
  }
  return out;
}

/** Minimal RTP header walk: {pt, payload, padded, ext: {id: Buffer}}. */
function rtp(b) {
  const cc = b[0] & 15;
  let off = 12 + 4 * cc;
  const ext = {};
  if (b[0] & 0x10) {
    const words = b.readUInt16BE(off + 2);
    const e = b.subarray(off + 4, off + 4 + 4 * words);
    off += 4 + 4 * words;
    for (let i = 0; i < e.length;) {
      if (e[i] === 0) { i++; continue; }
      const id = e[i] >> 4;
      const len = (e[i] & 15) + 1;
      if (id === 15) break;
      ext[id] = e.subarray(i + 1, i + 1 + len);
      i += 1 + len;
    }
  }
  const pad = b[0] & 0x20 ? b[b.length - 1] : 0;
  return { pt: b[1] & 127, payload: b.subarray(off, b.length - pad), padded: pad > 0, ext };
}

/** VP8 descriptor summary: {start, keyframe} (RFC 7741 §4.2/§4.3). */
function vp8(p) {
  let i = 1;
  if (p[0] & 0x80) {
    const x = p[1];
    i = 2;
    if (x & 0x80) i += p[i] & 0x80 ? 2 : 1;
    if (x & 0x40) i += 1;
    if (x & 0x30) i += 1;
  }
  const start = (p[0] & 0x10) !== 0 && (p[0] & 0x0f) === 0;
  return { start, keyframe: start && (p[i] & 1) === 0 };
}

const picked = [];
const missing = [];
// Files the C++ tests need; the others (OPTIONAL) depend on timing and are kept when present.
const OPTIONAL = new Set(['rtp_vp8_no_extensions.bin', 'rtcp_player_rr_empty.bin', 'rtcp_player_rr.bin', 'rtcp_player_rr_audio.bin',
  'rtcp_player_pli.bin', 'rtcp_player_remb.bin', 'rtcp_player_transport_cc.bin', 'rtp_opus_padding.bin']);
function keep(file, bytes, what) {
  rmSync(join(here, file), { force: true });
  if (!bytes) {
    console.log(`(none) ${file}: ${what}`);
    if (!OPTIONAL.has(file)) missing.push(file);
    return;
  }
  writeFileSync(join(here, file), bytes);
  picked.push(`${file} (${bytes.length} B): ${what}`);
}
const first = (list, pred) => list.find((p) => pred(p.bytes))?.bytes;

// STUN binding requests.
const USE_CANDIDATE = 0x0025;
keep('stun_publisher_binding.bin', first(packets(pubSession, 'stun'), (b) => !stunAttrs(b).includes(USE_CANDIDATE)),
  'publisher binding request without USE-CANDIDATE');
keep('stun_publisher_binding_use_candidate.bin',
  first(packets(pubSession, 'stun'), (b) => stunAttrs(b).includes(USE_CANDIDATE)),
  'publisher binding request with USE-CANDIDATE');
keep('stun_player_binding_use_candidate.bin',
  first(packets(playSession, 'stun'), (b) => stunAttrs(b).includes(USE_CANDIDATE)),
  'player binding request with USE-CANDIDATE');

// DTLS: the ClientHello in two datagrams, and the client's second flight.
const dtls = packets(pubSession, 'dtls');
keep('dtls_client_hello_1.bin', dtls[0]?.bytes, 'publisher DTLS ClientHello, first fragment datagram');
keep('dtls_client_hello_2.bin', dtls[1]?.bytes, 'publisher DTLS ClientHello, second fragment datagram');
keep('dtls_client_flight2.bin', dtls[2]?.bytes, 'publisher DTLS Certificate..Finished flight');

// RTP.
const pubRtp = packets(pubSession, 'rtp');
const layerRtp = layerSessions.flatMap((s) => packets(s, 'rtp'));
const allRtp = [...pubRtp, ...layerRtp];
const rid = (b) => rtp(b).ext[ID_RID]?.toString();
const isVp8 = (b) => rtp(b).pt === 96 && rtp(b).payload.length > 0;
keep('rtp_opus.bin', first(pubRtp, (b) => rtp(b).pt === 111 && rtp(b).payload.length > 0 && !rtp(b).padded),
  'opus packet with audio level, transport-wide seq and MID');
keep('rtp_opus_padding.bin', first(pubRtp, (b) => rtp(b).pt === 111 && rtp(b).payload.length === 0),
  'padding-only packet on the audio SSRC (bandwidth probe)');
for (const layer of ['q', 'h', 'f']) {
  keep(`rtp_vp8_${layer}_keyframe_start.bin`,
    first(allRtp, (b) => isVp8(b) && rid(b) === layer && vp8(rtp(b).payload).keyframe && rtp(b).ext[ID_MID]),
    `first VP8 packet of simulcast layer ${layer}: keyframe start, with MID and RID`);
}
keep('rtp_vp8_keyframe_continuation.bin', first(allRtp, (b) => isVp8(b) && !vp8(rtp(b).payload).start),
  'VP8 keyframe packet that is not the frame start (S=0)');
keep('rtp_vp8_delta_frame.bin', first(allRtp, (b) => isVp8(b) && vp8(rtp(b).payload).start &&
  !vp8(rtp(b).payload).keyframe), 'VP8 non-keyframe frame start');
keep('rtp_vp8_no_extensions.bin', first(allRtp, (b) => isVp8(b) && !(b[0] & 0x10)),
  'VP8 packet without header extensions (X=0: once MID/RID were sent, nothing else to carry without BWE)');
keep('rtp_vp8_padding_probe.bin', first(pubRtp, (b) => rtp(b).pt === 96 && rtp(b).payload.length === 0),
  'padding-only packet on a video SSRC (bandwidth probe, padding count 255)');

// RTCP.
const types = (b) => {
  const out = [];
  for (let i = 0; i + 4 <= b.length; i += 4 * (b.readUInt16BE(i + 2) + 1)) out.push(`${b[i + 1]}/${b[i] & 31}`);
  return out.join(',');
};
const pubRtcp = packets(pubSession, 'rtcp');
const playRtcp = packets(playSession, 'rtcp');
// SDES CNAME length of the first chunk's first item: 0 for Chromium's video senders here.
const cnameLen = (b) => b[4 * (b.readUInt16BE(2) + 1) + 9];
keep('rtcp_publisher_sr_sdes_video.bin', first(pubRtcp, (b) => types(b) === '200/0,202/1' && cnameLen(b) === 0),
  'publisher SR + SDES of a video SSRC (empty CNAME item)');
keep('rtcp_publisher_sr_sdes_audio.bin', first(pubRtcp, (b) => types(b) === '200/0,202/1' && cnameLen(b) > 0),
  'publisher SR + SDES of the audio SSRC (CNAME)');
keep('rtcp_player_rr_empty.bin', first(playRtcp, (b) => types(b) === '201/0'),
  'player RR without report blocks (its first RTCP)');
keep('rtcp_player_rr.bin', first(playRtcp, (b) => types(b) === '201/1' && b.readUInt32BE(4) === 1),
  'player RR of the video receiver (sender SSRC 1)');
keep('rtcp_player_rr_audio.bin', first(playRtcp, (b) => types(b) === '201/1' && b.readUInt32BE(4) !== 1),
  'player RR of the audio receiver');
keep('rtcp_player_rr_nack.bin', first(playRtcp, (b) => types(b).includes('205/1')), 'player RR + generic NACK');
keep('rtcp_player_pli.bin', first(playRtcp, (b) => types(b).includes('206/1')), 'player compound with PLI');
keep('rtcp_player_remb.bin', first(playRtcp, (b) => types(b).includes('206/15')), 'player compound with REMB');
keep('rtcp_player_transport_cc.bin', first(playRtcp, (b) => types(b).includes('205/15')),
  'player compound with transport-cc');

// SDP and credentials.
for (const [file, text] of [['whip_offer.sdp', sdp.whipOffer], ['whip_answer.sdp', sdp.whipAnswer],
  ['whep_offer.sdp', sdp.whepOffer], ['whep_answer.sdp', sdp.whepAnswer]]) writeFileSync(join(here, file), text);
copyFileSync(join(raw, `${pubSession}.txt`), join(here, 'publisher_session.txt'));
copyFileSync(join(raw, `${playSession}.txt`), join(here, 'player_session.txt'));

console.log(`${chromiumVersion}; captured ${new Date().toISOString()}; raw capture in ${raw}`);
for (const p of picked) console.log(p);
if (missing.length > 0) {
  console.error(`missing required packets: ${missing.join(', ')}; run again (the set is incomplete)`);
  process.exitCode = 1;
}
