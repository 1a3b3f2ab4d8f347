// The media wrapper's state mapping, without WebRTC: a real livekit-client Room (never connected)
// whose events are emitted by the test, as livekit emits them, in livekit's order. Real media runs
// in Chromium through the demo (tests/browser).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionState, DisconnectReason, Room, RoomEvent } from 'livekit-client';

import { MediaSession, disconnectReasonName, type MediaSessionState } from '../src/index.js';

function session(role: 'host' | 'cohost' | 'viewer' = 'host'): { s: MediaSession; room: Room; states: MediaSessionState[]; ended: MediaSession[] } {
  const room = new Room();
  const ended: MediaSession[] = [];
  const s = new MediaSession('RM_x', role, role === 'viewer' ? 'viewer-bob-1' : 'alice', room, (x) => ended.push(x));
  const states: MediaSessionState[] = [];
  s.onState((st) => states.push(st));
  return { s, room, states, ended };
}

describe('MediaSession state mapping', () => {
  it('maps connection, reconnecting and reconnected', () => {
    const { s, room, states } = session();
    assert.equal(s.state, 'connecting');
    room.emit(RoomEvent.ConnectionStateChanged, ConnectionState.Connected);
    room.emit(RoomEvent.Reconnecting);
    room.emit(RoomEvent.ConnectionStateChanged, ConnectionState.Reconnecting);
    room.emit(RoomEvent.Reconnected);
    room.emit(RoomEvent.ConnectionStateChanged, ConnectionState.Connected);
    room.emit(RoomEvent.SignalReconnecting);
    room.emit(RoomEvent.ConnectionStateChanged, ConnectionState.SignalReconnecting);
    room.emit(RoomEvent.Reconnected);
    assert.deepEqual(states, ['connected', 'reconnecting', 'connected', 'reconnecting', 'connected']);
    assert.equal(s.disconnectReason, undefined);
  });

  it('takes the disconnect reason by name, and the reason is readable when the state changes', () => {
    const { s, room, states, ended } = session('cohost');
    room.emit(RoomEvent.ConnectionStateChanged, ConnectionState.Connected);
    let reasonSeen: string | undefined;
    s.onState((st) => {
      if (st === 'disconnected') reasonSeen = s.disconnectReason;
    });
    // livekit's order: ConnectionStateChanged(Disconnected) first, then Disconnected with the reason.
    room.emit(RoomEvent.ConnectionStateChanged, ConnectionState.Disconnected);
    assert.equal(s.state, 'connected', 'waits for RoomEvent.Disconnected, which carries the reason');
    room.emit(RoomEvent.Disconnected, DisconnectReason.PARTICIPANT_REMOVED);
    assert.equal(s.state, 'disconnected');
    assert.equal(s.disconnectReason, 'PARTICIPANT_REMOVED');
    assert.equal(reasonSeen, 'PARTICIPANT_REMOVED');
    assert.deepEqual(ended, [s]);
    // Final: later events change nothing.
    room.emit(RoomEvent.Reconnected);
    room.emit(RoomEvent.ConnectionStateChanged, ConnectionState.Connecting);
    assert.deepEqual(states, ['connected', 'disconnected']);
  });

  it('names every reason the demo reacts to', () => {
    assert.equal(disconnectReasonName(DisconnectReason.ROOM_DELETED), 'ROOM_DELETED');
    assert.equal(disconnectReasonName(DisconnectReason.PARTICIPANT_REMOVED), 'PARTICIPANT_REMOVED');
    assert.equal(disconnectReasonName(DisconnectReason.CLIENT_INITIATED), 'CLIENT_INITIATED');
    assert.equal(disconnectReasonName(undefined), 'UNKNOWN_REASON');
  });

  it('lists the local participant for publishers, not for viewers; onParticipants gets new arrays', () => {
    const host = session('host');
    const lists: number[] = [];
    host.s.onParticipants((p) => lists.push(p.length));
    host.room.emit(RoomEvent.Connected);
    const [local] = host.s.participants();
    assert.ok(local);
    assert.equal(local.isLocal, true);
    assert.equal(local.cameraOn, false, 'nothing published yet');
    assert.equal(local.microphoneOn, false);
    assert.equal(local.connectionQuality, 'unknown');
    assert.deepEqual(lists, [1]);
    host.room.emit(RoomEvent.Reconnected);
    assert.equal(host.s.participants()[0], local, 'participant objects are stable');
    assert.notEqual(lists.length, 1);

    const viewer = session('viewer');
    viewer.room.emit(RoomEvent.Connected);
    assert.deepEqual(viewer.s.participants(), []);
  });

  it('viewers cannot publish', async () => {
    const { s } = session('viewer');
    await assert.rejects(s.setCamera(true), /viewers do not publish/);
    await assert.rejects(s.setMicrophone(true), /viewers do not publish/);
  });

  it('leave() on a session that never connected ends it as client-initiated', async () => {
    const { s, states } = session();
    await s.leave();
    assert.equal(s.state, 'disconnected');
    assert.equal(s.disconnectReason, 'CLIENT_INITIATED');
    assert.deepEqual(states, ['disconnected']);
  });
});
