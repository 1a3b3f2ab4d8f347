/**
 * The room's engagement UI (product §7, §9), wired from @cohost/sdk to the UIKit:
 * - RoomReactions: reaction buttons + floats over the stage (client.react, client.onReactionBurst);
 * - RoomShelf: the viewer's products with the pinned card (view / click product events);
 * - StagePermissions: the host's "Can manage products" switch per co-host (PATCH …/stage/{userId});
 * - EngagementPanel: the side (desktop) / bottom (phone) column with the live chat (delete and
 *   moderation per role, "Load earlier messages" paging back through the history, the room's slow
 *   mode as it changes), the host's slow-mode choice (only the host may change it: the server
 *   answers 403 not_host to co-hosts) and, for the host and co-hosts granted canManageProducts,
 *   the product manager.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  FloatingReactions, LiveChat, ProductManager, ProductPermissionToggle, ProductShelf, SlowModeControl, useLiveValue,
  type ChatRole, type ModerationRequestLike, type ProductLike,
} from '@cohost/uikit';
import type { CohostClient, LiveValue, Room, StageMember } from '@cohost/sdk';
import type { Session } from '../auth.js';
import '../engagement.css';

/** The value type of a LiveValue handle. */
type ValueOf<V> = V extends LiveValue<infer T> ? T : never;

/**
 * A LiveValue opened for the component's lifetime: its value, its last error (cleared by a value)
 * and the handle itself (null until opened), e.g. a ChatLiveValue for paging.
 */
function useLiveWithError<V extends LiveValue<unknown>>(
  open: () => V,
  deps: readonly unknown[],
): { value: ValueOf<V> | undefined; error: Error | null; handle: V | null } {
  const [lv, setLv] = useState<V | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    const v = open();
    setLv(v);
    setError(null);
    const offError = v.onError((e) => setError(e));
    const offValue = v.observe(() => setError(null));
    return () => {
      offError();
      offValue();
      v.close();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return { value: useLiveValue(lv) as ValueOf<V> | undefined, error, handle: lv };
}

/** Reaction buttons; floats rise over the stage above (place it right below the stage). */
export function RoomReactions({ client, roomId, disabled }: { client: CohostClient; roomId: string; disabled?: boolean }) {
  const subscribe = useCallback((cb: (b: { counts: Record<string, number> }) => void) => client.onReactionBurst(roomId, cb), [client, roomId]);
  const react = useCallback((name: string) => client.react(roomId, name), [client, roomId]);
  return (
    <div className="demo-reactions">
      <FloatingReactions onReact={react} subscribe={subscribe} disabled={disabled} />
    </div>
  );
}

/** The viewer's product shelf: the pinned card (a `view` when first shown) and the list (`click` on Buy). */
export function RoomShelf({ client, roomId }: { client: CohostClient; roomId: string }) {
  const { value } = useLiveWithError(() => client.observeRoomProducts(roomId), [client, roomId]);
  const onView = useCallback((p: ProductLike) => client.productEvent(roomId, p.productId, 'view'), [client, roomId]);
  const onBuy = useCallback((p: ProductLike) => client.productEvent(roomId, p.productId, 'click'), [client, roomId]);
  if (!value) return null;
  return <ProductShelf products={value.products} pinnedProductId={value.pinnedProductId} onView={onView} onBuy={onBuy} />;
}

/** The host's switch per co-host on stage: "Can manage products". */
export function StagePermissions({ client, roomId, stage }: { client: CohostClient; roomId: string; stage: readonly StageMember[] }) {
  const cohosts = stage.filter((m) => m.role === 'cohost');
  const change = useCallback(
    (userId: string, canManageProducts: boolean) => client.updateStageMember(roomId, userId, { permissions: { canManageProducts } }),
    [client, roomId],
  );
  if (cohosts.length === 0) return null;
  return (
    <ul className="demo-permissions" data-testid="stage-permissions" aria-label="Co-host permissions">
      {cohosts.map((m) => (
        <li key={m.userId} className="demo-permissions__row">
          <span className="demo-permissions__name">{m.displayName}</span>
          <ProductPermissionToggle member={m} onChange={change} />
        </li>
      ))}
    </ul>
  );
}

/** The chat and (host, permitted co-host) the product manager. */
export function EngagementPanel({ session, room, stage }: { session: Session; room: Room; stage: readonly StageMember[] }) {
  const { client, me } = session;
  const roomId = room.roomId;
  const mine = stage.find((m) => m.userId === me.userId);
  const role: ChatRole = room.hostUserId === me.userId ? 'host' : mine ? 'cohost' : 'viewer';
  const canManage = role === 'host' || (role === 'cohost' && !!mine?.permissions.canManageProducts);

  const chat = useLiveWithError(() => client.observeMessages(roomId), [client, roomId]);
  const chatHandle = chat.handle;
  // hasEarlier changes only together with the value, so reading it on each render stays current.
  const hasEarlier = !!chat.value && !!chatHandle?.hasEarlier;
  const loadEarlier = useCallback(() => chatHandle?.loadEarlier() ?? Promise.resolve(0), [chatHandle]);
  const setSlowMode = useCallback((seconds: number) => client.setSlowMode(roomId, seconds), [client, roomId]);
  const moderation = useLiveWithError(() => client.observeModeration(roomId), [client, roomId]).value;
  const products = useLiveWithError(() => client.observeRoomProducts(roomId), [client, roomId]).value;
  const [managerOpen, setManagerOpen] = useState(false);
  const permissionNotice = usePermissionNotice(role === 'cohost' ? !!mine?.permissions.canManageProducts : null);

  const send = useCallback((text: string) => client.sendMessage(roomId, text), [client, roomId]);
  const del = useCallback((m: { messageId: string }) => client.deleteMessage(roomId, m.messageId), [client, roomId]);
  const moderate = useCallback((r: ModerationRequestLike) => client.moderate(roomId, r), [client, roomId]);
  const search = useCallback(async (query: string) => (await client.listProducts(query ? { query, limit: 50 } : { limit: 50 })).products, [client]);
  const setProducts = useCallback((ids: string[]) => client.setRoomProducts(roomId, ids), [client, roomId]);
  const pin = useCallback((id: string) => client.pinProduct(roomId, id), [client, roomId]);
  const unpin = useCallback(() => client.unpinProduct(roomId), [client, roomId]);

  return (
    <aside className="demo-engage" data-testid="engagement-panel" data-role={role} aria-label="Chat and products">
      {permissionNotice && (
        <p className="demo-notice" role="status" data-testid="products-permission-notice" data-on={String(permissionNotice.on)}>
          {permissionNotice.on ? 'The host allowed you to manage products.' : 'The host no longer allows you to manage products.'}
        </p>
      )}
      {role === 'host' && <SlowModeControl seconds={room.slowModeSeconds} onChange={setSlowMode} />}
      {canManage && (
        <div className="demo-engage__products">
          <button
            type="button"
            className="demo-button"
            data-testid="open-products"
            aria-expanded={managerOpen}
            onClick={() => setManagerOpen((o) => !o)}
          >
            {managerOpen ? 'Hide products' : `Products (${products?.products.length ?? 0})`}
          </button>
          {managerOpen && (
            <ProductManager
              products={products?.products ?? []}
              pinnedProductId={products?.pinnedProductId ?? null}
              canManage={canManage}
              onSearch={search}
              onSetProducts={setProducts}
              onPin={pin}
              onUnpin={unpin}
              onClose={() => setManagerOpen(false)}
            />
          )}
        </div>
      )}
      <LiveChat
        messages={chat.value ?? []}
        me={{ userId: me.userId, role }}
        stage={stage}
        moderation={moderation}
        roomStatus={room.status}
        slowModeSeconds={room.slowModeSeconds}
        error={chat.value ? null : chat.error}
        hasEarlier={hasEarlier}
        onLoadEarlier={loadEarlier}
        onSend={send}
        onDelete={del}
        onModerate={moderate}
      />
    </aside>
  );
}

/** A co-host's "you may / may no longer manage products" note when the host flips the switch. */
function usePermissionNotice(on: boolean | null): { on: boolean } | null {
  const last = useRef(on);
  const [notice, setNotice] = useState<{ on: boolean } | null>(null);
  useEffect(() => {
    const before = last.current;
    last.current = on;
    if (on === null || before === null || before === on) return undefined;
    setNotice({ on });
    const t = setTimeout(() => setNotice(null), 6000);
    return () => clearTimeout(t);
  }, [on]);
  return notice;
}
