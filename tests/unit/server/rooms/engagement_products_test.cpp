// Room products, pin, attribution, prices and reaction aggregation (docs/engagement.md).
#include <gtest/gtest.h>

#include "cohost/server/rooms/engagement.hpp"
#include "fixtures.hpp"

namespace cohost::server::rooms {
namespace {

using namespace test_support;

const EngagementPolicy kPolicy{};

Product product(const std::string& id, ProductStatus status = ProductStatus::Active) {
    Product p;
    p.product_id = id;
    p.name = "Product " + id;
    p.url = "https://shop.example/" + id;
    p.price_minor = 1999;
    p.currency = "USD";
    p.status = status;
    p.version = 1;
    return p;
}

std::vector<Product> catalogue(int n) {
    std::vector<Product> out;
    for (int i = 0; i < n; ++i) out.push_back(product("P" + std::to_string(i)));
    return out;
}

std::vector<std::string> ids_of(const std::vector<Product>& ps) {
    std::vector<std::string> out;
    for (const auto& p : ps) out.push_back(p.product_id);
    return out;
}

std::vector<std::string> types(const RoomProductsDecision& d) {
    std::vector<std::string> out;
    for (const auto& e : d.events) out.push_back(e.type);
    return out;
}

RoomProducts tagged(std::vector<std::string> ids, std::optional<std::string> pin = {}) {
    RoomProducts p;
    p.room_id = kRoomId;
    p.product_ids = std::move(ids);
    p.pinned_product_id = std::move(pin);
    p.version = 4;
    return p;
}

TEST(RoomProducts, TwentyIsTheCap) {
    auto s = make_state(RoomStatus::Live);
    auto cat = catalogue(21);
    auto twenty = ids_of(cat);
    twenty.pop_back();
    auto ok = set_room_products(s, host_actor(), tagged({}), twenty, cat, kPolicy, kT0);
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->products.product_ids.size(), 20U);
    EXPECT_EQ(types(*ok), (std::vector<std::string>{"products.updated"}));
    auto over = set_room_products(s, host_actor(), tagged({}), ids_of(cat), cat, kPolicy, kT0);
    ASSERT_EQ(errc(over), Errc::TooManyProducts);
    EXPECT_EQ(over.error().details.at("max").as_uint64(), 20U);
}

TEST(RoomProducts, UnknownArchivedAndDuplicateIdsAreRefused) {
    auto s = make_state(RoomStatus::Live);
    std::vector<Product> cat{product("A"), product("B", ProductStatus::Archived)};
    auto unknown = set_room_products(s, host_actor(), tagged({}), {"A", "Z"}, cat, kPolicy, kT0);
    ASSERT_EQ(errc(unknown), Errc::InvalidArgument);
    EXPECT_EQ(unknown.error().details.at("productId").as_string(), "Z");
    auto archived = set_room_products(s, host_actor(), tagged({}), {"B"}, cat, kPolicy, kT0);
    ASSERT_EQ(errc(archived), Errc::InvalidArgument);
    EXPECT_EQ(archived.error().details.at("productId").as_string(), "B");
    EXPECT_EQ(errc(set_room_products(s, host_actor(), tagged({}), {"A", "A"}, cat, kPolicy, kT0)),
              Errc::InvalidArgument);
}

TEST(RoomProducts, IdenticalListChangesNothing) {
    auto s = make_state(RoomStatus::Live);
    auto r = set_room_products(s, host_actor(), tagged({"A"}), {"A"}, {product("A")}, kPolicy, kT0);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->changed());
}

TEST(RoomProducts, PinningReplacesThePin) {
    auto s = make_state(RoomStatus::Live);
    auto first = pin_product(s, host_actor(), tagged({"A", "B"}), "A", kT0);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->products.pinned_product_id, "A");
    EXPECT_EQ(types(*first), (std::vector<std::string>{"products.pinned", "products.updated"}));
    auto second = pin_product(s, host_actor(), first->products, "B", kT0);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->products.pinned_product_id, "B");
    EXPECT_EQ(types(*second), (std::vector<std::string>{"products.unpinned", "products.pinned",
                                                        "products.updated"}));
    EXPECT_EQ(second->events[0].product_id, "A");
    EXPECT_EQ(second->events[0].reason, "replaced");
    // Pinning the pinned one again, and unpinning twice, change nothing the second time.
    EXPECT_FALSE(pin_product(s, host_actor(), second->products, "B", kT0)->changed());
    auto unpin = unpin_product(s, host_actor(), second->products, kT0);
    ASSERT_TRUE(unpin.has_value());
    EXPECT_EQ(unpin->events.at(0).reason, "unpinned");
    EXPECT_FALSE(unpin_product(s, host_actor(), unpin->products, kT0)->changed());
    // Only tagged products can be pinned.
    EXPECT_EQ(errc(pin_product(s, host_actor(), second->products, "Z", kT0)), Errc::NotFound);
}

TEST(RoomProducts, DroppingThePinnedProductUnpinsIt) {
    auto s = make_state(RoomStatus::Live);
    std::vector<Product> cat{product("A"), product("B")};
    auto r = set_room_products(s, host_actor(), tagged({"A", "B"}, "A"), {"B"}, cat, kPolicy, kT0);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->products.pinned_product_id.has_value());
    EXPECT_EQ(types(*r), (std::vector<std::string>{"products.unpinned", "products.updated"}));
    EXPECT_EQ(r->events[0].reason, "removed");
    EXPECT_EQ(r->events[1].pinned_product_id, std::nullopt);
}

TEST(RoomProducts, CohostPermissionGrantAndRevoke) {
    auto s = make_state(RoomStatus::Live);
    add_cohost(s, "cara", MemberState::Live);
    const auto cara = Actor::user("cara");
    const auto list = tagged({"A", "B"});
    EXPECT_EQ(errc(pin_product(s, cara, list, "A", kT0)), Errc::Forbidden);
    EXPECT_EQ(errc(set_room_products(s, cara, list, {"A"}, {product("A")}, kPolicy, kT0)),
              Errc::Forbidden);
    // The host grants canManageProducts.
    auto grant = set_permissions(s, host_actor(), "cara", true, kT0);
    ASSERT_TRUE(grant.has_value());
    *s.member("cara") = grant->member;
    auto pinned = pin_product(s, cara, list, "A", kT0);
    ASSERT_TRUE(pinned.has_value());
    EXPECT_TRUE(set_room_products(s, cara, pinned->products, {"A"}, {product("A")}, kPolicy, kT0)
                    .has_value());
    // ... and revokes it.
    auto revoke = set_permissions(s, host_actor(), "cara", false, kT0);
    ASSERT_TRUE(revoke.has_value());
    *s.member("cara") = revoke->member;
    EXPECT_EQ(errc(pin_product(s, cara, list, "B", kT0)), Errc::Forbidden);
    EXPECT_EQ(errc(unpin_product(s, cara, pinned->products, kT0)), Errc::Forbidden);
    // Viewers never.
    EXPECT_EQ(errc(pin_product(s, Actor::user("ann"), list, "A", kT0)), Errc::Forbidden);
    // The app backend always.
    EXPECT_TRUE(pin_product(s, Actor::backend(), list, "A", kT0).has_value());
}

TEST(RoomProducts, EndedRoomKeepsTheListForTheHostButNoPins) {
    auto s = make_state(RoomStatus::Ended);
    add_cohost(s, "cara");
    s.member("cara")->can_manage_products = true;
    EXPECT_TRUE(set_room_products(s, host_actor(), tagged({}), {"A"}, {product("A")}, kPolicy, kT0)
                    .has_value());
    EXPECT_EQ(errc(set_room_products(s, Actor::user("cara"), tagged({}), {"A"}, {product("A")},
                                     kPolicy, kT0)),
              Errc::RoomEnded);
    EXPECT_EQ(errc(pin_product(s, host_actor(), tagged({"A"}), "A", kT0)), Errc::RoomEnded);
}

TEST(ProductHits, CreditTheStageAtThatMoment) {
    auto s = make_state(RoomStatus::Live);
    add_cohost(s, "cara", MemberState::Live);
    const auto list = tagged({"A"});
    auto before =
        product_hit(s, Actor::user("ann"), nullptr, list, "A", ProductEventType::Click, kT0);
    ASSERT_TRUE(before.has_value());
    EXPECT_EQ(before->credited, (std::vector<std::string>{kHost, "cara"}));
    // cara leaves the stage: later hits credit only the host, the earlier one keeps its credit.
    auto left = leave_stage(s, Actor::user("cara"), kT0 + 1s);
    ASSERT_TRUE(left.has_value());
    ASSERT_EQ(left->removed_members.size(), 1U);
    std::erase_if(s.stage, [](const StageMember& m) { return m.user_id == "cara"; });
    auto after =
        product_hit(s, Actor::user("bob"), nullptr, list, "A", ProductEventType::View, kT0 + 2s);
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->credited, (std::vector<std::string>{kHost}));
    EXPECT_EQ(before->credited.size(), 2U);
}

TEST(ProductHits, Refusals) {
    auto s = make_state(RoomStatus::Live);
    const auto list = tagged({"A"});
    EXPECT_EQ(
        errc(product_hit(s, Actor::user("ann"), nullptr, list, "Z", ProductEventType::View, kT0)),
        Errc::NotFound);
    EXPECT_EQ(
        errc(product_hit(s, Actor::backend(), nullptr, list, "A", ProductEventType::View, kT0)),
        Errc::Forbidden);
    Moderation banned;
    banned.banned = true;
    EXPECT_EQ(
        errc(product_hit(s, Actor::user("ann"), &banned, list, "A", ProductEventType::View, kT0)),
        Errc::Banned);
    // Replays after the end still count.
    auto ended = make_state(RoomStatus::Ended);
    EXPECT_TRUE(
        product_hit(ended, Actor::user("ann"), nullptr, list, "A", ProductEventType::View, kT0)
            .has_value());
}

TEST(Prices, ParseAndFormatInMinorUnits) {
    EXPECT_EQ(parse_price("19.99", "USD"), 1999);
    EXPECT_EQ(parse_price("19.9", "USD"), 1990);
    EXPECT_EQ(parse_price("19", "USD"), 1900);
    EXPECT_EQ(parse_price("0.05", "EUR"), 5);
    EXPECT_EQ(parse_price("1500", "JPY"), 1500);
    EXPECT_EQ(parse_price("1.234", "KWD"), 1234);
    for (const char* bad :
         {"", ".5", "5.", "-1", "1e3", "19.999", " 1", "1,5", "abc", "99999999999999999"}) {
        EXPECT_FALSE(parse_price(bad, "USD").has_value()) << bad;
    }
    EXPECT_FALSE(parse_price("1.5", "JPY").has_value());
    EXPECT_FALSE(parse_price("1.00", "usd").has_value());
    EXPECT_EQ(format_price(1999, "USD"), "19.99");
    EXPECT_EQ(format_price(5, "USD"), "0.05");
    EXPECT_EQ(format_price(1500, "JPY"), "1500");
    EXPECT_EQ(format_price(1234, "KWD"), "1.234");
}

TEST(Prices, ArbitraryTextNeverCrashesAndRoundTrips) {
    // Deterministic pseudo-random strings over the characters that matter to the parser.
    const std::string alphabet = "0123456789.-+e ,x";
    std::uint32_t seed = 12345;
    auto next = [&seed] {
        seed = seed * 1664525U + 1013904223U;
        return seed >> 8;
    };
    int parsed = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string text;
        const auto len = next() % 22;
        for (std::uint32_t j = 0; j < len; ++j) text += alphabet[next() % alphabet.size()];
        for (const char* currency : {"USD", "JPY", "KWD"}) {
            auto minor = parse_price(text, currency);
            if (!minor) continue;
            ++parsed;
            ASSERT_GE(*minor, 0) << text;
            EXPECT_EQ(parse_price(format_price(*minor, currency), currency), minor) << text;
        }
    }
    EXPECT_GT(parsed, 100);  // the generator does reach valid prices
}

TEST(Prices, IdsCurrenciesAndUrls) {
    EXPECT_TRUE(valid_currency("USD"));
    EXPECT_FALSE(valid_currency("US"));
    EXPECT_FALSE(valid_currency("usd"));
    EXPECT_TRUE(valid_product_id("sku-1.2_A"));
    EXPECT_FALSE(valid_product_id("a,b"));
    EXPECT_FALSE(valid_product_id(""));
    EXPECT_FALSE(valid_product_id(std::string(129, 'a')));
    EXPECT_TRUE(valid_http_url("https://shop.example/p/1"));
    EXPECT_FALSE(valid_http_url("javascript:alert(1)"));
    EXPECT_FALSE(valid_http_url("https://"));
    EXPECT_FALSE(valid_http_url("https://a b"));
}

TEST(Reactions, OneBurstPerRoomPerSecondWithCounts) {
    ReactionAggregator agg(kPolicy);
    const auto t = core::from_unix_ms(1'790'000'000'000);  // on a second boundary
    // 1,000 reactions in one second from 100 users (10 each, under the limit of 20).
    for (int i = 0; i < 1000; ++i) {
        const auto user = "u" + std::to_string(i % 100);
        const char* name = i % 4 == 0 ? "heart" : (i % 4 == 1 ? "fire" : "clap");
        ASSERT_FALSE(agg.add(kRoomId, user, name, t + std::chrono::milliseconds(i)).has_value());
    }
    ASSERT_FALSE(agg.add("RM_2", "u1", "wow", t + 500ms).has_value());
    EXPECT_TRUE(agg.drain(t + 999ms).empty());  // the second is not over
    auto bursts = agg.drain(t + 1s);
    ASSERT_EQ(bursts.size(), 2U);
    const auto& b = bursts[0].room_id == kRoomId ? bursts[0] : bursts[1];
    EXPECT_EQ(b.from, t);
    EXPECT_EQ(b.to, t + 1s);
    EXPECT_EQ(b.counts.at("heart"), 250);
    EXPECT_EQ(b.counts.at("fire"), 250);
    EXPECT_EQ(b.counts.at("clap"), 500);
    EXPECT_EQ(b.counts.size(), 3U);
    EXPECT_TRUE(agg.drain(t + 5s).empty());
    EXPECT_FALSE(agg.pending());
}

TEST(Reactions, PerUserRateLimitAndUnknownNames) {
    ReactionAggregator agg(kPolicy);
    const auto t = core::from_unix_ms(1'790'000'000'000);
    for (int i = 0; i < kPolicy.reactions_per_user_per_second; ++i) {
        ASSERT_FALSE(
            agg.add(kRoomId, "ann", "heart", t + std::chrono::milliseconds(i)).has_value());
    }
    auto refused = agg.add(kRoomId, "ann", "heart", t + 900ms);
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->code, Errc::RateLimited);
    EXPECT_FALSE(agg.add(kRoomId, "bob", "heart", t + 900ms).has_value());  // per user
    EXPECT_FALSE(agg.add(kRoomId, "ann", "heart", t + 1s).has_value());     // next second
    auto unknown = agg.add(kRoomId, "bob", "poop", t);
    ASSERT_TRUE(unknown.has_value());
    EXPECT_EQ(unknown->code, Errc::InvalidArgument);
    auto bursts = agg.drain(t + 2s);
    ASSERT_EQ(bursts.size(), 2U);  // two seconds had input
    EXPECT_EQ(bursts[0].counts.at("heart"), kPolicy.reactions_per_user_per_second + 1);
    EXPECT_EQ(bursts[1].counts.at("heart"), 1);
}

}  // namespace
}  // namespace cohost::server::rooms
