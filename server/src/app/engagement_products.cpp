// EngagementService: the product catalogue, room products with the pin, view/click counters.
#include "cohost/core/ids.hpp"
#include "engagement_impl.hpp"

namespace cohost::server::app {

using rooms::Errc;
using rooms::make_error;

namespace {

/// Validates and applies the fields of `in` that are set onto `p` (create: all required ones
/// must be set; the caller checked that).
void apply_input(rooms::Product& p, const ProductInput& in) {
    if (in.name) p.name = *in.name;
    if (in.url) {
        if (!rooms::valid_http_url(*in.url)) {
            engagement_refuse(
                rooms::invalid("url", "must be an http(s) URL of at most 2048 chars"));
        }
        p.url = *in.url;
    }
    if (in.image_url) {
        if (!in.image_url->empty() && !rooms::valid_http_url(*in.image_url)) {
            engagement_refuse(rooms::invalid(
                "imageUrl", "must be empty or an http(s) URL of at most 2048 chars"));
        }
        p.image_url = *in.image_url;
    }
    const std::string currency = in.currency.value_or(p.currency);
    if (in.currency && !rooms::valid_currency(currency)) {
        engagement_refuse(rooms::invalid("currency", "must be an ISO 4217 code such as USD"));
    }
    if (in.price || in.currency) {
        // A currency change re-reads the price in the new currency's minor unit.
        const std::string price = in.price.value_or(rooms::format_price(p.price_minor, p.currency));
        auto minor = rooms::parse_price(price, currency);
        if (!minor) {
            engagement_refuse(
                rooms::invalid("price", "must be a decimal string such as \"19.99\" with at most " +
                                            std::to_string(rooms::currency_exponent(currency)) +
                                            " decimals for " + currency));
        }
        p.price_minor = *minor;
        p.currency = currency;
    }
    if (in.status) p.status = *in.status;
}

void require_backend(const rooms::Actor& a) {
    if (!a.admin) {
        engagement_refuse(
            make_error(Errc::Forbidden, "only the app backend manages the catalogue"));
    }
}

}  // namespace

rooms::Product EngagementService::create_product(const rooms::Actor& a, const ProductInput& in) {
    require_backend(a);
    auto& m = *impl_;
    rooms::Product p;
    p.product_id = in.product_id.value_or(core::new_id("PR_", 16));
    if (!rooms::valid_product_id(p.product_id)) {
        engagement_refuse(rooms::invalid("productId", "1-128 characters of [A-Za-z0-9_.-]"));
    }
    if (!in.name || !in.url || !in.price || !in.currency) {
        engagement_refuse(rooms::invalid(!in.name    ? "name"
                                         : !in.url   ? "url"
                                         : !in.price ? "price"
                                                     : "currency",
                                         "is required"));
    }
    apply_input(p, in);
    p.status = rooms::ProductStatus::Active;
    p.created_at = p.updated_at = m.clock.now();
    if (m.es.get_product(p.product_id)) {
        engagement_refuse(make_error(Errc::Conflict, "a product with this id exists",
                                     {{"productId", p.product_id}}));
    }
    store::EngagementChangeset c;
    c.products.push_back(p);
    if (!m.commit(std::move(c), {})) {
        engagement_refuse(make_error(Errc::Conflict, "a product with this id exists",
                                     {{"productId", p.product_id}}));
    }
    p.version = 1;
    return p;
}

rooms::Product EngagementService::update_product(const rooms::Actor& a,
                                                 const std::string& product_id,
                                                 const ProductInput& in) {
    require_backend(a);
    auto& m = *impl_;
    for (int attempt = 1;; ++attempt) {
        auto p = m.es.get_product(product_id);
        if (!p) engagement_refuse(make_error(Errc::NotFound, "product not found"));
        auto next = *p;
        apply_input(next, in);
        next.updated_at = m.clock.now();
        store::EngagementChangeset c;
        c.products.push_back(next);
        if (m.commit(std::move(c), {})) {
            next.version += 1;
            return next;
        }
        if (attempt == Impl::kMaxCommitAttempts) {
            engagement_refuse(make_error(Errc::Conflict, "concurrent update, retry"));
        }
    }
}

rooms::Product EngagementService::get_product(const std::string& product_id) {
    auto p = impl_->es.get_product(product_id);
    if (!p) engagement_refuse(make_error(Errc::NotFound, "product not found"));
    return *p;
}

store::Page<rooms::Product> EngagementService::list_products(const std::string& query, int limit,
                                                             const std::string& cursor) {
    try {
        return impl_->es.list_products(query, limit, cursor);
    } catch (const std::invalid_argument&) {
        engagement_refuse(rooms::invalid("cursor", "invalid cursor"));
    }
}

// ---- room products ----------------------------------------------------------------------------

namespace {

template <class Decide>
rooms::RoomProducts run_room_products(EngagementService::Impl& m, const std::string& room_id,
                                      Decide&& decide) {
    for (int attempt = 1;; ++attempt) {
        auto state = m.load(room_id);
        auto current = m.es.get_room_products(room_id);
        rooms::RoomProductsDecision d = decide(state, current, m.clock.now());
        if (!d.changed()) return d.products;
        store::EngagementChangeset c;
        c.room_products = d.products;
        if (m.commit(std::move(c), d.events)) return d.products;
        if (attempt == EngagementService::Impl::kMaxCommitAttempts) {
            engagement_refuse(make_error(Errc::Conflict, "concurrent update, retry"));
        }
    }
}

}  // namespace

rooms::RoomProducts EngagementService::set_room_products(const rooms::Actor& a,
                                                         const std::string& room_id,
                                                         const std::vector<std::string>& ids) {
    auto& m = *impl_;
    // Look up no more than the limit allows (the domain refuses longer lists anyway).
    std::vector<rooms::Product> catalogue;
    if (ids.size() <= m.opts.policy.max_room_products) catalogue = m.es.get_products(ids);
    return run_room_products(
        m, room_id,
        [&](const rooms::RoomState& s, const rooms::RoomProducts& cur, core::TimePoint now) {
            return engagement_value(
                rooms::set_room_products(s, a, cur, ids, catalogue, m.opts.policy, now));
        });
}

rooms::RoomProducts EngagementService::pin(const rooms::Actor& a, const std::string& room_id,
                                           const std::string& product_id) {
    return run_room_products(
        *impl_, room_id,
        [&](const rooms::RoomState& s, const rooms::RoomProducts& cur, core::TimePoint now) {
            return engagement_value(rooms::pin_product(s, a, cur, product_id, now));
        });
}

rooms::RoomProducts EngagementService::unpin(const rooms::Actor& a, const std::string& room_id) {
    return run_room_products(
        *impl_, room_id,
        [&](const rooms::RoomState& s, const rooms::RoomProducts& cur, core::TimePoint now) {
            return engagement_value(rooms::unpin_product(s, a, cur, now));
        });
}

rooms::RoomProducts EngagementService::room_products(const std::string& room_id) {
    auto& m = *impl_;
    if (!m.store.get_room(room_id)) engagement_refuse(make_error(Errc::NotFound, "room not found"));
    return m.es.get_room_products(room_id);
}

std::vector<rooms::Product> EngagementService::products_of(const rooms::RoomProducts& p) {
    return impl_->products_of()(p);
}

bool EngagementService::product_event(const rooms::Actor& a, const std::string& room_id,
                                      const std::string& product_id, rooms::ProductEventType type) {
    auto& m = *impl_;
    auto state = m.load(room_id);
    const auto mod = a.admin ? std::nullopt : m.es.get_moderation(room_id, a.user_id);
    const auto products = m.es.get_room_products(room_id);
    auto hit = engagement_value(rooms::product_hit(state, a, mod ? &*mod : nullptr, products,
                                                   product_id, type, m.clock.now()));
    store::EngagementChangeset c;
    c.hits.push_back(std::move(hit));
    store::EngagementCommitResult r;
    if (!m.commit(std::move(c), {}, &r)) {
        engagement_refuse(make_error(Errc::Conflict, "concurrent update, retry"));
    }
    return r.hits_counted > 0;
}

std::vector<store::ProductStats> EngagementService::product_stats(const rooms::Actor& a,
                                                                  const std::string& room_id) {
    auto& m = *impl_;
    auto state = m.load(room_id);
    if (!a.admin && a.user_id != state.room.host_user_id) {
        engagement_refuse(make_error(Errc::NotHost, "only the host may read product stats"));
    }
    return m.es.product_stats(room_id);
}

}  // namespace cohost::server::app
