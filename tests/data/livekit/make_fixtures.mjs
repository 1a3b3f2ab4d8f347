// Writes the LiveKit signalling fixtures of tests/unit/media/signal_codec_test.cpp with the real JS
// implementation (@livekit/protocol, protobuf-es), so the C++ side is checked against what
// livekit-client sends and parses.
//
// Run from tests/interop so that @livekit/protocol resolves:
//   cd tests/interop && node ../data/livekit/make_fixtures.mjs
//
// Output (next to this script):
//   join_request_value.txt    the `join_request` query value exactly as livekit-client 2.23.0 builds it
//                             (JoinRequest -> bytes -> gzip -> WrappedJoinRequest{GZIP} -> base64,
//                             + -> -, / -> _, padding kept), before URL encoding
//   join_request_query.txt    the same as it travels in the URL (`join_request=...`, `=` as %3D)
//   join_request.bin          the inner JoinRequest bytes (for a message-equality check)
//   join_request_plain_*      a reconnect JoinRequest wrapped with compression NONE, its value
//                             padded with `=` (so the _query form carries `%3D`)
//   req_<case>.bin/.json      SignalRequest, binary and protobuf-JSON (toJsonString)
//   resp_<case>.bin/.json     SignalResponse, binary and protobuf-JSON
//   schema.txt                every field and enum value of the messages our .proto files define,
//                             dumped from the package's runtime reflection
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';

// Resolve @livekit/protocol from the working directory (tests/interop), not from this file's folder.
const requireFromCwd = createRequire(join(process.cwd(), 'package.json'));
const protocolMain = requireFromCwd.resolve('@livekit/protocol');
const P = requireFromCwd('@livekit/protocol');
const protocolVersion = JSON.parse(readFileSync(join(dirname(protocolMain), '..', 'package.json'), 'utf8')).version;

const {
  AddTrackRequest, AudioTrackFeature, ClientConfigSetting, ClientConfiguration, ClientInfo,
  ClientInfo_Capability, ClientInfo_SDK, Codec, ConnectionSettings, DisconnectReason, ICEServer,
  JoinRequest, JoinResponse, LeaveRequest, LeaveRequest_Action, MediaSectionsRequirement,
  MuteTrackRequest, ParticipantInfo, ParticipantInfo_Kind, ParticipantInfo_State,
  ParticipantPermission, ParticipantTracks, ParticipantUpdate, Ping, Pong, ReconnectReason, Room,
  RoomUpdate, ServerInfo, ServerInfo_Edition, SessionDescription, SignalRequest, SignalResponse,
  SignalTarget, SimulcastCodec, SimulcastCodecInfo, SpeakerInfo, SpeakersChanged,
  SubscriptionPermission, TrackInfo, TrackPermission, TrackPublishedResponse, TrackSource, TrackType,
  TrackUnpublishedResponse, TrickleRequest, UpdateSubscription, UpdateTrackSettings, VideoLayer,
  VideoQuality, WrappedJoinRequest, WrappedJoinRequest_Compression,
} = P;

const here = dirname(fileURLToPath(import.meta.url));
const sdpDir = join(here, '..', 'sdp');
const sdp = (name) => readFileSync(join(sdpDir, name), 'utf8');
const out = (name, data) => writeFileSync(join(here, name), data);

// --- join_request, as livekit-client 2.23.0 SignalClient.createJoinRequestParam builds it ---------
function joinRequestParam(joinRequest, gzip) {
  const bytes = joinRequest.toBinary();
  const wrapped = new WrappedJoinRequest({
    compression: gzip ? WrappedJoinRequest_Compression.GZIP : WrappedJoinRequest_Compression.NONE,
    joinRequest: gzip ? new Uint8Array(gzipSync(bytes)) : bytes,
  }).toBinary();
  const b64 = btoa(Array.from(wrapped, (b) => String.fromCharCode(b)).join(''));
  return b64.replace(/\+/g, '-').replace(/\//g, '_');
}

const CAMERA_CID = '5f1d2c3b-9a8e-4f70-b6c5-d4e3f2a1b0c9';
const MIC_CID = 'c0ffee00-1111-4222-8333-944455566677';

const joinRequest = new JoinRequest({
  clientInfo: new ClientInfo({
    sdk: ClientInfo_SDK.JS,
    version: '2.23.0',
    protocol: 17,
    clientProtocol: 2,
    capabilities: [ClientInfo_Capability.CAP_COMPRESSION_DEFLATE_RAW],
  }),
  connectionSettings: new ConnectionSettings({ autoSubscribe: true }),
  publisherOffer: new SessionDescription({ type: 'offer', sdp: sdp('chromium156_join_offer.sdp'), id: 1 }),
});
const joinValue = joinRequestParam(joinRequest, true);
out('join_request_value.txt', joinValue);
out('join_request_query.txt', new URLSearchParams({ join_request: joinValue }).toString());
out('join_request.bin', joinRequest.toBinary());

// A reconnect as a client without CompressionStream sends it (compression NONE); explicit-presence
// `subscriber_allow_pause = false`, a map, and add_track_requests.
const joinPlain = (metadata) => new JoinRequest({
  clientInfo: new ClientInfo({ sdk: ClientInfo_SDK.JS, version: '2.23.0', protocol: 17, browser: 'Firefox', browserVersion: '140.0' }),
  connectionSettings: new ConnectionSettings({ autoSubscribe: false, adaptiveStream: true, subscriberAllowPause: false, disableIceLite: true }),
  metadata,
  participantAttributes: { role: 'guest', lang: 'fr' },
  addTrackRequests: [new AddTrackRequest({ cid: MIC_CID, source: TrackSource.MICROPHONE })],
  reconnect: true,
  reconnectReason: ReconnectReason.RR_SIGNAL_DISCONNECTED,
  participantSid: 'PA_self',
});
// Pad the metadata until the value ends in `=` padding, so the URL-encoded form has `%3D`.
let plainMetadata = '{"seat":3}';
while (!joinRequestParam(joinPlain(plainMetadata), false).endsWith('=')) plainMetadata += ' ';
const plainValue = joinRequestParam(joinPlain(plainMetadata), false);
out('join_request_plain_value.txt', plainValue);
out('join_request_plain_query.txt', new URLSearchParams({ join_request: plainValue }).toString());
out('join_request_plain.bin', joinPlain(plainMetadata).toBinary());

// --- SignalRequest (client -> server) --------------------------------------------------------------
const cameraLayers = () => [
  new VideoLayer({ quality: VideoQuality.LOW, width: 320, height: 180, bitrate: 160000 }),
  new VideoLayer({ quality: VideoQuality.MEDIUM, width: 640, height: 360, bitrate: 450000 }),
  new VideoLayer({ quality: VideoQuality.HIGH, width: 1280, height: 720, bitrate: 1700000 }),
];
const candidate = JSON.stringify({
  candidate: 'candidate:1227790881 1 udp 2122194687 192.0.2.2 45651 typ host generation 0 ufrag sdLo network-id 1',
  sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'sdLo',
});

const requests = {
  offer: { case: 'offer', value: new SessionDescription({ type: 'offer', sdp: sdp('chromium156_publish_simulcast_offer.sdp'), id: 2 }) },
  answer: { case: 'answer', value: new SessionDescription({ type: 'answer', sdp: sdp('chromium156_answer_to_cohost_offer.sdp'), id: 7 }) },
  trickle: { case: 'trickle', value: new TrickleRequest({ candidateInit: candidate, target: SignalTarget.SUBSCRIBER, final: true }) },
  add_track_camera: {
    case: 'addTrack',
    value: new AddTrackRequest({
      cid: CAMERA_CID, name: 'camera', type: TrackType.VIDEO, width: 1280, height: 720,
      source: TrackSource.CAMERA, layers: cameraLayers(),
      simulcastCodecs: [new SimulcastCodec({ codec: 'vp8', cid: CAMERA_CID })],
    }),
  },
  add_track_microphone: {
    case: 'addTrack',
    value: new AddTrackRequest({
      cid: MIC_CID, source: TrackSource.MICROPHONE, stereo: false, disableDtx: true,
      audioFeatures: [AudioTrackFeature.TF_AUTO_GAIN_CONTROL, AudioTrackFeature.TF_ECHO_CANCELLATION,
        AudioTrackFeature.TF_NOISE_SUPPRESSION],
    }),
  },
  mute: { case: 'mute', value: new MuteTrackRequest({ sid: 'TR_VCself', muted: true }) },
  leave: { case: 'leave', value: new LeaveRequest({ reason: DisconnectReason.CLIENT_INITIATED, action: LeaveRequest_Action.DISCONNECT }) },
  ping: { case: 'ping', value: 1763990000123n },
  ping_req: { case: 'pingReq', value: new Ping({ timestamp: 1763990000123n, rtt: 42n }) },
  subscription_permission: {
    case: 'subscriptionPermission',
    value: new SubscriptionPermission({
      allParticipants: true,
      trackPermissions: [new TrackPermission({ participantSid: 'PA_bob', allTracks: false, trackSids: ['TR_VCself'], participantIdentity: 'bob' })],
    }),
  },
  update_subscription: {
    case: 'subscription',
    value: new UpdateSubscription({
      trackSids: ['TR_VCbob', 'TR_AMbob'], subscribe: true,
      participantTracks: [new ParticipantTracks({ participantSid: 'PA_bob', trackSids: ['TR_VCbob'] })],
    }),
  },
  track_setting: {
    case: 'trackSetting',
    value: new UpdateTrackSettings({ trackSids: ['TR_VCbob'], disabled: false, quality: VideoQuality.MEDIUM, width: 640, height: 360, fps: 30, priority: 2 }),
  },
};
for (const [name, message] of Object.entries(requests)) {
  const req = new SignalRequest({ message });
  out(`req_${name}.bin`, req.toBinary());
  out(`req_${name}.json`, req.toJsonString());
}

// --- SignalResponse (server -> client) -------------------------------------------------------------
const permission = () => new ParticipantPermission({
  canSubscribe: true, canPublish: true, canPublishData: true,
  canPublishSources: [TrackSource.CAMERA, TrackSource.MICROPHONE], canUpdateMetadata: true,
});
const bobVideo = new TrackInfo({
  sid: 'TR_VCbob', type: TrackType.VIDEO, name: 'camera', width: 1280, height: 720, simulcast: true,
  source: TrackSource.CAMERA, layers: cameraLayers(), mimeType: 'video/VP8', mid: '2', stream: 'camera',
  codecs: [new SimulcastCodecInfo({ mimeType: 'video/VP8', mid: '2', cid: CAMERA_CID, layers: cameraLayers() })],
});
const bobAudio = new TrackInfo({
  sid: 'TR_AMbob', type: TrackType.AUDIO, source: TrackSource.MICROPHONE, mimeType: 'audio/opus', mid: '1',
  muted: true, disableDtx: true,
  audioFeatures: [AudioTrackFeature.TF_ECHO_CANCELLATION, AudioTrackFeature.TF_NOISE_SUPPRESSION],
});
const room = new Room({
  sid: 'RM_studio1', name: 'studio', emptyTimeout: 300, departureTimeout: 20, maxParticipants: 16,
  creationTime: 1763990000n, creationTimeMs: 1763990000456n, metadata: '{"title":"Live"}',
  numParticipants: 2, numPublishers: 1,
  enabledCodecs: [new Codec({ mime: 'audio/opus' }), new Codec({ mime: 'video/VP8', fmtpLine: '' })],
});
const bob = new ParticipantInfo({
  sid: 'PA_bob', identity: 'bob', name: 'Bob', state: ParticipantInfo_State.ACTIVE, version: 3,
  joinedAt: 1763989990n, joinedAtMs: 1763989990789n, isPublisher: true, tracks: [bobVideo, bobAudio],
  permission: permission(), kind: ParticipantInfo_Kind.STANDARD, attributes: { role: 'guest' },
});

const responses = {
  join: {
    case: 'join',
    value: new JoinResponse({
      room,
      participant: new ParticipantInfo({
        sid: 'PA_self', identity: 'alice', name: 'Alice', state: ParticipantInfo_State.JOINED, version: 1,
        joinedAt: 1763990001n, permission: permission(), attributes: { role: 'host' },
      }),
      otherParticipants: [bob],
      serverVersion: '1.9.0',
      iceServers: [new ICEServer({ urls: ['stun:127.0.0.1:3478', 'turn:127.0.0.1:3478?transport=udp'], username: 'u1', credential: 'c1' })],
      clientConfiguration: new ClientConfiguration({ resumeConnection: ClientConfigSetting.DISABLED }),
      pingTimeout: 15,
      pingInterval: 5,
      serverInfo: new ServerInfo({ edition: ServerInfo_Edition.Standard, version: '1.9.0', protocol: 16, nodeId: 'cohost-node-1' }),
    }),
  },
  answer: {
    case: 'answer',
    value: new SessionDescription({
      type: 'answer', sdp: sdp('chromium156_join_answer_libwebrtc.sdp'), id: 1,
      midToTrackId: { 2: 'TR_VCbob', 1: 'TR_AMbob' },
    }),
  },
  update: {
    case: 'update',
    value: new ParticipantUpdate({
      participants: [
        new ParticipantInfo({ sid: 'PA_bob', identity: 'bob', state: ParticipantInfo_State.DISCONNECTED, version: 4, disconnectReason: DisconnectReason.CLIENT_INITIATED }),
        bob,
      ],
    }),
  },
  track_published: {
    case: 'trackPublished',
    value: new TrackPublishedResponse({
      cid: CAMERA_CID,
      track: new TrackInfo({ sid: 'TR_VCself', type: TrackType.VIDEO, source: TrackSource.CAMERA, width: 1280, height: 720, simulcast: true, layers: cameraLayers(), mimeType: 'video/VP8' }),
    }),
  },
  track_unpublished: { case: 'trackUnpublished', value: new TrackUnpublishedResponse({ trackSid: 'TR_VCself' }) },
  leave: { case: 'leave', value: new LeaveRequest({ canReconnect: false, reason: DisconnectReason.PARTICIPANT_REMOVED, action: LeaveRequest_Action.DISCONNECT }) },
  pong: { case: 'pong', value: 1763990000150n },
  pong_resp: { case: 'pongResp', value: new Pong({ lastPingTimestamp: 1763990000123n, timestamp: 1763990000150n }) },
  media_sections_requirement: { case: 'mediaSectionsRequirement', value: new MediaSectionsRequirement({ numAudios: 1, numVideos: 2 }) },
  refresh_token: { case: 'refreshToken', value: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl' },
  mute: { case: 'mute', value: new MuteTrackRequest({ sid: 'TR_AMbob', muted: false }) },
  speakers_changed: { case: 'speakersChanged', value: new SpeakersChanged({ speakers: [new SpeakerInfo({ sid: 'PA_bob', level: 0.5, active: true })] }) },
  room_update: { case: 'roomUpdate', value: new RoomUpdate({ room }) },
};
for (const [name, message] of Object.entries(responses)) {
  const resp = new SignalResponse({ message });
  out(`resp_${name}.bin`, resp.toBinary());
  out(`resp_${name}.json`, resp.toJsonString());
}

// --- schema.txt: the JS side of every message media/proto/*.proto defines ---------------------------
// Line formats (the C++ test SignalCodecSchema.* compares them with the generated descriptors):
//   message <full name>
//   field <message> <number> <proto name> <json name> <type> [repeated] [optional] [oneof:<name>]
//     type: s<FieldDescriptorProto.Type number> | e:<enum> | m:<message> | map<s<k>,<v>>
//   enum <full name> <NAME>=<number> ...
const MESSAGES = [
  'ActiveSpeakerUpdate', 'AddTrackRequest', 'ClientConfiguration', 'ClientInfo', 'Codec',
  'ConnectionQualityInfo', 'ConnectionQualityUpdate', 'ConnectionSettings', 'DataPacket',
  'DisabledCodecs', 'Encryption', 'ICEServer', 'JoinRequest', 'JoinResponse', 'LeaveRequest',
  'MediaSectionsRequirement', 'MuteTrackRequest', 'ParticipantInfo', 'ParticipantPermission',
  'ParticipantTracks', 'ParticipantUpdate', 'Ping', 'Pong', 'ReconnectResponse', 'RegionInfo',
  'RegionSettings', 'Room', 'RoomUpdate', 'ServerInfo', 'SessionDescription', 'SignalRequest',
  'SignalResponse', 'SimulcastCodec', 'SimulcastCodecInfo', 'SpeakerInfo', 'SpeakersChanged',
  'StreamStateInfo', 'StreamStateUpdate', 'SubscribedCodec', 'SubscribedQuality',
  'SubscribedQualityUpdate', 'SubscriptionPermission', 'SubscriptionPermissionUpdate',
  'SubscriptionResponse', 'TimedVersion', 'TrackInfo', 'TrackPermission', 'TrackPublishedResponse',
  'TrackSubscribed', 'TrackUnpublishedResponse', 'TrickleRequest', 'UpdateLocalAudioTrack',
  'UpdateLocalVideoTrack', 'UpdateParticipantMetadata', 'UpdateSubscription', 'UpdateTrackSettings',
  'UpdateVideoLayers', 'UserPacket', 'VideoConfiguration', 'VideoLayer', 'WrappedJoinRequest',
];
const typesByName = new Map();
for (const v of Object.values(P)) {
  if (typeof v === 'function' && typeof v.typeName === 'string') typesByName.set(v.typeName, v);
  if (v && typeof v === 'object' && typeof v.typeName === 'string' && Array.isArray(v.values)) typesByName.set(v.typeName, v);
}
const lines = [`# generated by make_fixtures.mjs from @livekit/protocol ${protocolVersion}`];
const enums = new Map();
const typeOf = (kind, T) => {
  if (kind === 'scalar') return `s${T}`;
  if (kind === 'enum') { enums.set(T.typeName, T); return `e:${T.typeName}`; }
  return `m:${T.typeName}`;
};
for (const short of MESSAGES) {
  const type = typesByName.get(`livekit.${short}`);
  if (!type) throw new Error(`@livekit/protocol has no livekit.${short}`);
  lines.push(`message ${type.typeName}`);
  for (const f of type.fields.list()) {
    const t = f.kind === 'map' ? `map<s${f.K},${typeOf(f.V.kind, f.V.T)}>` : typeOf(f.kind, f.T);
    lines.push(['field', type.typeName, f.no, f.name, f.jsonName, t, f.repeated ? 'repeated' : '',
      f.opt ? 'optional' : '', f.oneof ? `oneof:${f.oneof.name}` : ''].filter((x) => x !== '').join(' '));
  }
}
for (const [name, e] of [...enums].sort()) {
  lines.push(`enum ${name} ${e.values.map((v) => `${v.name}=${v.no}`).join(' ')}`);
}
out('schema.txt', lines.join('\n') + '\n');
console.log(`wrote fixtures to ${here}`);
