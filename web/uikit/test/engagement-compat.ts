/**
 * Compile-time check (run by `tsc -p tsconfig.json`, see typecheck.test.ts) that the SDK's
 * engagement models and live values fit the engagement components' props, so the demo passes
 * them as they are. Never executed: only types are imported.
 */
import type { ChatMessage, CohostClient, Moderation, ModerationMap, ModerationRequest, Product, ReactionBurst, StageMember } from '@cohost/sdk';
import type {
  ChatMessageLike, ModerationLike, ModerationRequestLike, PermissionMemberLike, ProductLike, ReactionBurstLike, StageRoleLike,
} from '../src/engagement_types.js';
import type { FloatingReactionsProps, LiveChatProps, LiveValueLike, ProductManagerProps } from '../src/index.js';

type Assignable<From, To> = [From] extends [To] ? true : false;
const ok = <T extends true>(_: T) => _;

ok<Assignable<ChatMessage, ChatMessageLike>>(true);
ok<Assignable<Moderation, ModerationLike>>(true);
ok<Assignable<ModerationMap, NonNullable<LiveChatProps['moderation']>>>(true);
ok<Assignable<Product, ProductLike>>(true);
ok<Assignable<ReactionBurst, ReactionBurstLike>>(true);
ok<Assignable<StageMember, StageRoleLike>>(true);
ok<Assignable<StageMember, PermissionMemberLike>>(true);
ok<Assignable<ModerationRequestLike, ModerationRequest>>(true);
ok<Assignable<ReturnType<CohostClient['observeMessages']>, LiveValueLike<ChatMessageLike[]>>>(true);
// The SDK's calls fit the callbacks.
ok<Assignable<(cb: (b: ReactionBurst) => void) => () => void, NonNullable<FloatingReactionsProps['subscribe']>>>(true);
ok<Assignable<CohostClient['listProducts'] extends (...a: never[]) => Promise<{ products: Product[] }> ? true : false, true>>(true);
ok<Assignable<(ids: string[]) => ReturnType<CohostClient['setRoomProducts']>, ProductManagerProps['onSetProducts']>>(true);
