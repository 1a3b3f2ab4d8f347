/**
 * Compile-time check (run by `tsc -p tsconfig.json`, see typecheck.test.ts) that the SDK's chat
 * paging and slow-mode calls fit LiveChat's and SlowModeControl's props, so the demo passes them
 * as they are. Never executed: only types are imported.
 */
import type { ChatLiveValue, CohostClient, Room } from '@cohost/sdk';
import type { LiveChatProps, LiveValueLike, SlowModeControlProps } from '../src/index.js';
import type { ChatMessageLike } from '../src/engagement_types.js';

type Assignable<From, To> = [From] extends [To] ? true : false;
const ok = <T extends true>(_: T) => _;

ok<Assignable<ReturnType<CohostClient['observeMessages']>, ChatLiveValue>>(true);
ok<Assignable<ChatLiveValue, LiveValueLike<ChatMessageLike[]>>>(true);
ok<Assignable<ChatLiveValue['hasEarlier'], NonNullable<LiveChatProps['hasEarlier']>>>(true);
ok<Assignable<() => ReturnType<ChatLiveValue['loadEarlier']>, NonNullable<LiveChatProps['onLoadEarlier']>>>(true);
ok<Assignable<(seconds: number) => ReturnType<CohostClient['setSlowMode']>, SlowModeControlProps['onChange']>>(true);
ok<Assignable<Room['slowModeSeconds'], SlowModeControlProps['seconds']>>(true);
