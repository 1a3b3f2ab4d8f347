/**
 * The host's product manager (product §7, §10 "Room products"; reference "Tagged products" sheet):
 * the room's tagged products with Pin / Unpin / Remove, and the catalogue (searchable, active
 * products only) with Add, up to `max` (20) products — every change is a full-replace PUT of the
 * list. Disabled, with the reason, for someone without the permission (only the host and co-hosts
 * granted canManageProducts may manage). Errors (too_many_products, an archived product, ...) are
 * shown. Also ProductPermissionToggle: the host's switch granting a co-host canManageProducts.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useAsyncAction, useKeyedActions } from './actions.js';
import type { PermissionMemberLike, ProductLike } from './engagement_types.js';
import { engagementErrorMessage, formatPrice, withEngagementText } from './engagement_util.js';
import { useMounted } from './hooks.js';
import { CloseIcon } from './icons.js';
import { cx } from './util.js';

export interface ProductManagerProps {
  /** The room's tagged products, in order (observeRoomProducts). */
  products: readonly ProductLike[];
  pinnedProductId: string | null;
  /** Host, or a co-host with canManageProducts; false ⇒ everything disabled with a notice. */
  canManage: boolean;
  /** Pinning allowed (default: canManage; false after the room ended). */
  canPin?: boolean;
  /** Searches the catalogue ('' = newest first); called on mount and (debounced) per query. */
  onSearch(query: string): Promise<readonly ProductLike[]>;
  /** PUT …/products with the full new list. */
  onSetProducts(productIds: string[]): Promise<unknown>;
  onPin(productId: string): Promise<unknown>;
  onUnpin(): Promise<unknown>;
  /** Most products per room (default 20, the server's engagement.max_room_products). */
  max?: number;
  /** Shows a Close button when given. */
  onClose?(): void;
  /** Search debounce in ms, default 250. */
  searchDelayMs?: number;
  locale?: string;
  /** Default "Products". */
  title?: string;
}

type Search = { kind: 'loading' } | { kind: 'done'; items: readonly ProductLike[] } | { kind: 'error'; message: string };

export function ProductManager(props: ProductManagerProps) {
  const { products, pinnedProductId, canManage, onSearch, onSetProducts, onPin, onUnpin, max = 20, onClose, searchDelayMs = 250, locale } = props;
  const canPin = canManage && (props.canPin ?? true);
  const title = props.title ?? 'Products';
  const headingId = useId();
  const mounted = useMounted();
  const actions = useKeyedActions();
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState<Search>({ kind: 'loading' });
  const seq = useRef(0);
  // The list we last PUT, until the next products change from outside (the event) replaces it:
  // two quick Adds must not PUT from a stale list.
  const [sent, setSent] = useState<{ ids: string[]; basis: readonly ProductLike[] } | null>(null);

  const ids = sent && sent.basis === products ? sent.ids : products.map((p) => p.productId);
  const tagged = new Set(ids);
  const full = ids.length >= max;
  const listBusy = actions.busy.has('list');

  const trimmed = query.trim();
  useEffect(() => {
    const mine = ++seq.current;
    setSearch({ kind: 'loading' });
    const timer = setTimeout(() => {
      onSearch(trimmed).then(
        (items) => {
          if (mounted.current && mine === seq.current) setSearch({ kind: 'done', items });
        },
        (err: unknown) => {
          if (mounted.current && mine === seq.current) setSearch({ kind: 'error', message: engagementErrorMessage(err, 'The catalogue could not be searched.') });
        },
      );
    }, trimmed ? searchDelayMs : 0);
    return () => clearTimeout(timer);
    // onSearch is deliberately not a dependency: a new callback identity must not re-run the search.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [trimmed, searchDelayMs]);

  const setList = (next: string[], fallback: string) => {
    const basis = products;
    void actions.run('list', withEngagementText(async () => {
      await onSetProducts(next);
      if (mounted.current) setSent({ ids: next, basis });
    }, fallback), fallback);
  };
  const add = (p: ProductLike) => setList([...ids, p.productId], `${p.name} could not be added.`);
  const remove = (id: string) => setList(ids.filter((x) => x !== id), 'The product could not be removed.');
  const pin = (id: string) => {
    const fallback = 'The product could not be pinned.';
    void actions.run(`pin:${id}`, withEngagementText(() => onPin(id), fallback), fallback);
  };
  const unpin = () => {
    const fallback = 'The product could not be unpinned.';
    void actions.run('unpin', withEngagementText(() => onUnpin(), fallback), fallback);
  };

  const catalogue = search.kind === 'done' ? search.items.filter((p) => p.status !== 'archived') : [];

  return (
    <section className="cohost-manager" data-testid="product-manager" data-can-manage={String(canManage)} data-count={ids.length} aria-labelledby={headingId}>
      <header className="cohost-manager__header">
        <h2 id={headingId} className="cohost-manager__title">
          {title}
        </h2>
        <span className="cohost-manager__capacity" data-testid="manager-capacity" aria-label={`${ids.length} of ${max} products`}>
          {ids.length}/{max}
        </span>
        {onClose && (
          <button type="button" className="cohost-button cohost-button--ghost" data-testid="manager-close" aria-label="Close" onClick={onClose}>
            <CloseIcon />
          </button>
        )}
      </header>

      {!canManage && (
        <p className="cohost-notice" role="status" data-testid="manager-locked">
          Only the host, or a co-host the host allowed, can manage products.
        </p>
      )}
      {canManage && full && (
        <p className="cohost-notice" role="status" data-testid="manager-full">
          {max} of {max} products: remove one to add another.
        </p>
      )}
      {actions.error && (
        <p className="cohost-error" role="alert" data-testid="manager-error">
          {actions.error}
        </p>
      )}

      <div className="cohost-manager__section">
        <h3 className="cohost-manager__subtitle">In this room</h3>
        {products.length === 0 ? (
          <p className="cohost-manager__hint">No products yet. Add some from the catalogue below.</p>
        ) : (
          <ul className="cohost-manager__list">
            {products.map((p) => {
              const isPinned = p.productId === pinnedProductId;
              return (
                <li key={p.productId} className={cx('cohost-manager__row', isPinned && 'cohost-manager__row--pinned')} data-testid="manager-product" data-product-id={p.productId} data-pinned={String(isPinned)}>
                  <span className="cohost-manager__name">
                    {p.name}
                    {isPinned && <span className="cohost-pinned__label">Pinned</span>}
                    {p.status === 'archived' && <span className="cohost-manager__hint"> (archived)</span>}
                  </span>
                  <span className="cohost-product__price">{formatPrice(p.price, p.currency, locale)}</span>
                  {isPinned ? (
                    <button type="button" className="cohost-button cohost-button--small" data-testid="manager-unpin" data-product-id={p.productId} disabled={!canPin || actions.busy.has('unpin')} onClick={unpin}>
                      Unpin
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="cohost-button cohost-button--small"
                      data-testid="manager-pin"
                      data-product-id={p.productId}
                      disabled={!canPin || p.status === 'archived' || actions.busy.has(`pin:${p.productId}`)}
                      onClick={() => pin(p.productId)}
                    >
                      Pin
                    </button>
                  )}
                  <button
                    type="button"
                    className="cohost-button cohost-button--small cohost-button--danger"
                    data-testid="manager-remove"
                    data-product-id={p.productId}
                    aria-label={`Remove ${p.name}`}
                    disabled={!canManage || listBusy}
                    onClick={() => remove(p.productId)}
                  >
                    Remove
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </div>

      <div className="cohost-manager__section">
        <h3 className="cohost-manager__subtitle">Catalogue</h3>
        <input
          type="search"
          className="cohost-input"
          data-testid="manager-search"
          placeholder="Search products"
          aria-label="Search products"
          value={query}
          disabled={!canManage}
          onChange={(e) => setQuery(e.target.value)}
        />
        {search.kind === 'loading' && <p className="cohost-manager__hint">Searching…</p>}
        {search.kind === 'error' && (
          <p className="cohost-error" role="alert" data-testid="manager-search-error">
            {search.message}
          </p>
        )}
        {search.kind === 'done' && catalogue.length === 0 && <p className="cohost-manager__hint">No products found.</p>}
        {catalogue.length > 0 && (
          <ul className="cohost-manager__list">
            {catalogue.map((p) => {
              const isTagged = tagged.has(p.productId);
              return (
                <li key={p.productId} className="cohost-manager__row" data-testid="catalogue-product" data-product-id={p.productId} data-status={isTagged ? 'tagged' : 'available'}>
                  <span className="cohost-manager__name">{p.name}</span>
                  <span className="cohost-product__price">{formatPrice(p.price, p.currency, locale)}</span>
                  <button
                    type="button"
                    className="cohost-button cohost-button--small cohost-button--primary"
                    data-testid="manager-add"
                    data-product-id={p.productId}
                    aria-label={isTagged ? `${p.name} is in the room` : `Add ${p.name}`}
                    disabled={!canManage || isTagged || full || listBusy}
                    onClick={() => add(p)}
                  >
                    {isTagged ? 'Added' : 'Add'}
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </section>
  );
}

export interface ProductPermissionToggleProps {
  /** The co-host (a StageMember). */
  member: PermissionMemberLike;
  /** PATCH …/stage/{userId} `{permissions: {canManageProducts}}`; busy while pending, rejection shown. */
  onChange(userId: string, canManageProducts: boolean): Promise<unknown>;
  disabled?: boolean;
  /** Default "Can manage products". */
  label?: string;
}

/** The host's switch letting a co-host manage (and pin) products. */
export function ProductPermissionToggle({ member, onChange, disabled = false, label = 'Can manage products' }: ProductPermissionToggleProps) {
  const on = !!member.permissions?.canManageProducts;
  const { busy, error, run } = useAsyncAction();
  return (
    <span className="cohost-grant">
      <button
        type="button"
        role="switch"
        className="cohost-grant__switch"
        data-testid="grant-products"
        data-user-id={member.userId}
        data-on={String(on)}
        aria-checked={on}
        aria-label={`${member.displayName}: ${label}`}
        disabled={disabled || busy}
        aria-busy={busy || undefined}
        onClick={() => void run(withEngagementText(() => onChange(member.userId, !on), 'The permission could not be changed.'), 'The permission could not be changed.')}
      >
        <span className="cohost-grant__track" aria-hidden="true">
          <span className="cohost-grant__thumb" />
        </span>
        <span className="cohost-grant__label">{label}</span>
      </button>
      {error && (
        <span className="cohost-error" role="alert" data-testid="grant-products-error">
          {error}
        </span>
      )}
    </span>
  );
}
