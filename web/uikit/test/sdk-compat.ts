/**
 * Compile-time check (run by `tsc -p tsconfig.json`, see typecheck.test.ts) that the SDK's models
 * fit the UIKit's structural props, so the demo passes SDK objects straight to the components.
 * Never executed: only types are imported.
 */
import type { Invitation, LiveValue, MediaParticipant, MediaSession, Preview, Room, StageMember, User } from '@cohost/sdk';
import type {
  InvitationLike,
  LiveValueLike,
  MediaParticipantLike,
  MediaSessionLike,
  RoomStatus,
  StageMemberLike,
  UserLike,
  VideoSource,
} from '../src/types.js';

type Assignable<From, To> = [From] extends [To] ? true : false;
const ok = <T extends true>(_: T) => _;

ok<Assignable<User, UserLike>>(true);
ok<Assignable<Invitation, InvitationLike>>(true);
ok<Assignable<StageMember, StageMemberLike>>(true);
ok<Assignable<MediaParticipant, MediaParticipantLike>>(true);
ok<Assignable<Preview, VideoSource>>(true);
ok<Assignable<MediaSession, MediaSessionLike>>(true);
ok<Assignable<LiveValue<StageMember[]>, LiveValueLike<StageMemberLike[]>>>(true);
ok<Assignable<LiveValue<number>, LiveValueLike<number>>>(true);
ok<Assignable<Room['status'], RoomStatus>>(true);
