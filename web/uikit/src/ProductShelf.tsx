/**
 * The viewer's product shelf (product §7, §9; reference: pinned product first, "Pinned" label,
 * overlay card): the pinned product as a prominent card (image, name, price formatted with its
 * currency, a Buy link that opens the product's url), and a collapsible list of the room's other
 * products. Reports a `view` the first time a product's pinned card is shown and a `click` on Buy.
 * Archived products are not offered. Renders nothing when the room has no product.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { ProductLike } from './engagement_types.js';
import { formatPrice } from './engagement_util.js';
import { useLatest } from './hooks.js';
import { cx, isPromise } from './util.js';

export interface ProductShelfProps {
  /** The room's products, in the host's order. */
  products: readonly ProductLike[];
  pinnedProductId: string | null;
  /** Called once per product per mount when its pinned card is first shown (POST …/events `view`). */
  onView?(product: ProductLike): unknown;
  /** Called when Buy is clicked (POST …/events `click`); the link opens `url` in a new tab regardless. */
  onBuy?(product: ProductLike): unknown;
  /** Hides the pinned card (e.g. after the room ended: the list stays for replay). Default true. */
  showPinned?: boolean;
  /** Locale of the price format (default: the browser's). */
  locale?: string;
  /** The list starts open (default false: only the pinned card and the toggle show). */
  defaultExpanded?: boolean;
  /** Default "Products". */
  title?: string;
}

/** Runs an analytics callback; its failure never disturbs the shelf. */
function fire(fn: ((p: ProductLike) => unknown) | undefined, p: ProductLike): void {
  try {
    const r = fn?.(p);
    if (isPromise(r)) r.catch(() => {});
  } catch {
    /* analytics are best effort */
  }
}

function ProductImage({ product, large = false }: { product: ProductLike; large?: boolean }) {
  const [broken, setBroken] = useState(false);
  const cls = cx('cohost-product__image', large && 'cohost-product__image--large');
  if (!product.imageUrl || broken) {
    return (
      <span className={cx(cls, 'cohost-product__image--none')} aria-hidden="true">
        {(Array.from(product.name)[0] ?? '?').toUpperCase()}
      </span>
    );
  }
  return <img className={cls} data-testid="product-image" src={product.imageUrl} alt="" loading="lazy" onError={() => setBroken(true)} />;
}

function BuyLink({ product, testId, onBuy, primary }: { product: ProductLike; testId: string; onBuy: () => void; primary?: boolean }) {
  return (
    <a
      className={cx('cohost-button', 'cohost-button--small', primary && 'cohost-button--primary', 'cohost-product__buy')}
      data-testid={testId}
      data-product-id={product.productId}
      href={product.url}
      target="_blank"
      rel="noopener noreferrer"
      aria-label={`Buy ${product.name}`}
      onClick={onBuy}
    >
      Buy
    </a>
  );
}

export function ProductShelf(props: ProductShelfProps) {
  const { products, pinnedProductId, onView, onBuy, showPinned = true, locale, defaultExpanded = false } = props;
  const title = props.title ?? 'Products';
  const listId = useId();
  const [expanded, setExpanded] = useState(defaultExpanded);
  const viewed = useRef(new Set<string>());
  const view = useLatest(onView);

  const available = products.filter((p) => p.status !== 'archived');
  const pinned = showPinned && pinnedProductId ? available.find((p) => p.productId === pinnedProductId) : undefined;
  const others = available.filter((p) => p !== pinned);

  useEffect(() => {
    if (!pinned || viewed.current.has(pinned.productId)) return;
    viewed.current.add(pinned.productId);
    fire(view.current, pinned);
  }, [pinned, view]);

  if (available.length === 0) return null;
  const buy = (p: ProductLike) => () => fire(onBuy, p);

  return (
    <section className="cohost-shelf" data-testid="product-shelf" data-count={available.length} aria-label={title}>
      {pinned && (
        <article className="cohost-pinned" data-testid="pinned-product" data-product-id={pinned.productId}>
          <ProductImage product={pinned} large />
          <div className="cohost-product__info">
            <span className="cohost-pinned__label">Pinned</span>
            <span className="cohost-product__name" data-testid="product-name">
              {pinned.name}
            </span>
            <span className="cohost-product__price" data-testid="product-price">
              {formatPrice(pinned.price, pinned.currency, locale)}
            </span>
          </div>
          <BuyLink product={pinned} testId="pinned-buy" onBuy={buy(pinned)} primary />
        </article>
      )}
      {others.length > 0 && (
        <>
          <button
            type="button"
            className="cohost-shelf__toggle"
            data-testid="product-shelf-toggle"
            aria-expanded={expanded}
            aria-controls={listId}
            onClick={() => setExpanded(!expanded)}
          >
            {title} ({available.length}) {expanded ? '▾' : '▸'}
          </button>
          {expanded && (
            <ul className="cohost-shelf__list" id={listId}>
              {others.map((p) => (
                <li key={p.productId} className="cohost-product" data-testid="product-item" data-product-id={p.productId}>
                  <ProductImage product={p} />
                  <div className="cohost-product__info">
                    <span className="cohost-product__name">{p.name}</span>
                    <span className="cohost-product__price">{formatPrice(p.price, p.currency, locale)}</span>
                  </div>
                  <BuyLink product={p} testId="product-buy" onBuy={buy(p)} />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
