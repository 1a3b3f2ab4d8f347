// Room products, the pin, product view/click attribution and prices (product.md §7, §10;
// docs/engagement.md).
#include <algorithm>
#include <array>
#include <set>

#include "cohost/server/rooms/engagement.hpp"
#include "domain_detail.hpp"

namespace cohost::server::rooms {

namespace {

constexpr std::string_view kProductsUpdated = "products.updated";
constexpr std::string_view kProductsPinned = "products.pinned";
constexpr std::string_view kProductsUnpinned = "products.unpinned";
constexpr std::int64_t kMaxPriceMinor = 1'000'000'000'000'000;  // 10^15

EngagementEvent products_event(std::string_view type, const RoomProducts& p, TimePoint now) {
    EngagementEvent e;
    e.type = type;
    e.room_id = p.room_id;
    e.at = now;
    if (type == kProductsUpdated) {
        e.product_ids = p.product_ids;
        e.pinned_product_id = p.pinned_product_id;
    }
    return e;
}

EngagementEvent pin_event(std::string_view type, const RoomProducts& p, std::string product_id,
                          std::string_view reason, TimePoint now) {
    EngagementEvent e = products_event(type, p, now);
    e.product_id = std::move(product_id);
    e.reason = reason;
    return e;
}

bool is_cohost_with_products(const RoomState& s, const Actor& a) {
    const auto* m = s.member(a.user_id);
    return m != nullptr && m->role == MemberRole::Cohost && m->can_manage_products;
}

}  // namespace

std::string_view to_string(ProductStatus s) noexcept {
    return s == ProductStatus::Archived ? "archived" : "active";
}

std::optional<ProductStatus> product_status_from(std::string_view s) noexcept {
    if (s == "active") return ProductStatus::Active;
    if (s == "archived") return ProductStatus::Archived;
    return std::nullopt;
}

std::string_view to_string(ProductEventType t) noexcept {
    return t == ProductEventType::Click ? "click" : "view";
}

std::optional<ProductEventType> product_event_type_from(std::string_view s) noexcept {
    if (s == "view") return ProductEventType::View;
    if (s == "click") return ProductEventType::Click;
    return std::nullopt;
}

int currency_exponent(std::string_view c) noexcept {
    // ISO 4217 minor units for the currencies that do not use two decimals.
    static constexpr std::array<std::string_view, 16> kZero{
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW",
        "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF"};
    static constexpr std::array<std::string_view, 7> kThree{"BHD", "IQD", "JOD", "KWD",
                                                            "LYD", "OMR", "TND"};
    if (std::find(kZero.begin(), kZero.end(), c) != kZero.end()) return 0;
    if (std::find(kThree.begin(), kThree.end(), c) != kThree.end()) return 3;
    return 2;
}

bool valid_currency(std::string_view c) noexcept {
    return c.size() == 3 &&
           std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

bool valid_product_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 128) return false;
    return std::all_of(id.begin(), id.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               ch == '_' || ch == '.' || ch == '-';
    });
}

bool valid_http_url(std::string_view url) noexcept {
    if (url.size() > 2048) return false;
    std::string_view rest;
    if (url.starts_with("https://")) {
        rest = url.substr(8);
    } else if (url.starts_with("http://")) {
        rest = url.substr(7);
    } else {
        return false;
    }
    if (rest.empty() || rest.front() == '/') return false;
    return std::none_of(url.begin(), url.end(), [](char ch) {
        return static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7F;
    });
}

std::optional<std::int64_t> parse_price(std::string_view text, std::string_view currency) noexcept {
    if (!valid_currency(currency)) return std::nullopt;
    const int exp = currency_exponent(currency);
    const auto dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view frac =
        dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    const auto digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    };
    if (whole.empty() || whole.size() > 16 || !digits(whole)) return std::nullopt;
    if (dot != std::string_view::npos &&
        (frac.empty() || static_cast<int>(frac.size()) > exp || !digits(frac))) {
        return std::nullopt;
    }
    std::int64_t v = 0;
    for (char ch : whole) v = v * 10 + (ch - '0');
    for (int i = 0; i < exp; ++i) {
        const int digit =
            i < static_cast<int>(frac.size()) ? frac[static_cast<std::size_t>(i)] - '0' : 0;
        if (v > kMaxPriceMinor) return std::nullopt;
        v = v * 10 + digit;
    }
    if (v > kMaxPriceMinor) return std::nullopt;
    return v;
}

std::string format_price(std::int64_t minor, std::string_view currency) {
    const int exp = currency_exponent(currency);
    std::string digits = std::to_string(minor < 0 ? 0 : minor);
    if (exp == 0) return digits;
    const auto width = static_cast<std::size_t>(exp) + 1;
    if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
    digits.insert(digits.size() - static_cast<std::size_t>(exp), 1, '.');
    return digits;
}

std::optional<Error> check_manage_products(const RoomState& s, const Actor& a) {
    if (detail::acts_as_host(s, a) || is_cohost_with_products(s, a)) return std::nullopt;
    return make_error(Errc::Forbidden,
                      "only the host and co-hosts with canManageProducts may manage products");
}

Outcome<RoomProductsDecision> set_room_products(const RoomState& s, const Actor& a,
                                                const RoomProducts& current,
                                                const std::vector<std::string>& ids,
                                                const std::vector<Product>& catalogue,
                                                const EngagementPolicy& policy, TimePoint now) {
    if (auto e = check_manage_products(s, a)) return std::move(*e);
    if (s.room.status == RoomStatus::Ended && !detail::acts_as_host(s, a)) {
        return make_error(Errc::RoomEnded, "after the room ended only the host manages products");
    }
    std::set<std::string_view> seen;
    for (const auto& id : ids) {
        if (!valid_product_id(id)) return invalid("productIds", "contains an invalid product id");
        if (!seen.insert(id).second) return invalid("productIds", "contains a duplicate: " + id);
    }
    if (ids.size() > policy.max_room_products) {
        return make_error(
            Errc::TooManyProducts,
            "at most " + std::to_string(policy.max_room_products) + " products per room",
            {{"max", policy.max_room_products}, {"given", ids.size()}});
    }
    for (const auto& id : ids) {
        auto it = std::find_if(catalogue.begin(), catalogue.end(),
                               [&](const Product& p) { return p.product_id == id; });
        if (it == catalogue.end() || it->status != ProductStatus::Active) {
            Error e = invalid("productIds", it == catalogue.end() ? "unknown product: " + id
                                                                  : "archived product: " + id);
            e.details["productId"] = id;
            return e;
        }
    }
    RoomProductsDecision d;
    d.products = current;
    d.products.room_id = s.room.room_id;
    if (current.product_ids == ids) return d;
    d.products.product_ids = ids;
    if (current.pinned_product_id &&
        std::find(ids.begin(), ids.end(), *current.pinned_product_id) == ids.end()) {
        d.products.pinned_product_id.reset();
        d.events.push_back(
            pin_event(kProductsUnpinned, d.products, *current.pinned_product_id, "removed", now));
    }
    d.events.push_back(products_event(kProductsUpdated, d.products, now));
    return d;
}

Outcome<RoomProductsDecision> pin_product(const RoomState& s, const Actor& a,
                                          const RoomProducts& current,
                                          const std::string& product_id, TimePoint now) {
    if (auto e = check_manage_products(s, a)) return std::move(*e);
    if (s.room.status == RoomStatus::Ended)
        return make_error(Errc::RoomEnded, "the room has ended");
    const auto& ids = current.product_ids;
    if (std::find(ids.begin(), ids.end(), product_id) == ids.end()) {
        return make_error(Errc::NotFound, "the product is not tagged in this room",
                          {{"productId", product_id}});
    }
    RoomProductsDecision d;
    d.products = current;
    if (current.pinned_product_id == product_id) return d;
    d.products.pinned_product_id = product_id;
    if (current.pinned_product_id) {
        d.events.push_back(
            pin_event(kProductsUnpinned, d.products, *current.pinned_product_id, "replaced", now));
    }
    d.events.push_back(pin_event(kProductsPinned, d.products, product_id, "", now));
    d.events.push_back(products_event(kProductsUpdated, d.products, now));
    return d;
}

Outcome<RoomProductsDecision> unpin_product(const RoomState& s, const Actor& a,
                                            const RoomProducts& current, TimePoint now) {
    if (auto e = check_manage_products(s, a)) return std::move(*e);
    RoomProductsDecision d;
    d.products = current;
    if (!current.pinned_product_id) return d;
    d.products.pinned_product_id.reset();
    d.events.push_back(
        pin_event(kProductsUnpinned, d.products, *current.pinned_product_id, "unpinned", now));
    d.events.push_back(products_event(kProductsUpdated, d.products, now));
    return d;
}

Outcome<ProductHit> product_hit(const RoomState& s, const Actor& a, const Moderation* mod,
                                const RoomProducts& products, const std::string& product_id,
                                ProductEventType type, TimePoint now) {
    if (a.admin) return make_error(Errc::Forbidden, "the app backend does not view products");
    // Ended rooms still count (replays keep the product list); bans still apply.
    if (mod != nullptr && mod->banned_at(now)) {
        return make_error(Errc::Banned, "you are banned from this room");
    }
    const auto& ids = products.product_ids;
    if (std::find(ids.begin(), ids.end(), product_id) == ids.end()) {
        return make_error(Errc::NotFound, "the product is not tagged in this room",
                          {{"productId", product_id}});
    }
    ProductHit hit;
    hit.room_id = s.room.room_id;
    hit.product_id = product_id;
    hit.user_id = a.user_id;
    hit.type = type;
    hit.at = now;
    for (const auto& m : s.stage) hit.credited.push_back(m.user_id);
    return hit;
}

}  // namespace cohost::server::rooms
