#pragma once
/// \file The pure engagement domain (product.md §7, §10 "Engagement API details"): chat with
/// moderation and slow mode, room products with a pin, product view/click attribution, and the
/// per-second reaction aggregation. Like `rooms/domain.hpp`: inputs and a clock value in,
/// decisions and events out; no I/O, no clock reads. The app (`app/engagement_service.hpp`)
/// loads what a command needs, calls one function here and commits the result with its events
/// in one transaction. Decisions and rules are documented in docs/engagement.md.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cohost/server/rooms/domain.hpp"

namespace cohost::server::rooms {

/// Limits of the engagement features (config keys under `engagement.`).
struct EngagementPolicy {
    std::size_t max_message_chars = 2000;            ///< code points, after trimming
    Duration max_mute = std::chrono::hours(24 * 7);  ///< longest `mute`
    Duration max_ban = std::chrono::hours(24 * 30);  ///< longest timed `ban`
    std::size_t max_room_products = 20;              ///< tagged products per room
    std::vector<std::string> reactions{"heart", "like", "laugh", "wow", "sad", "fire", "clap"};
    int reactions_per_user_per_second = 20;
};

// ---- chat ------------------------------------------------------------------------------------

/// The author's role when the message was posted (a badge; it does not change later).
enum class ChatRole : std::uint8_t { Host, Cohost, Viewer };
[[nodiscard]] std::string_view to_string(ChatRole r) noexcept;
[[nodiscard]] std::optional<ChatRole> chat_role_from(std::string_view s) noexcept;

struct ChatMessage {
    std::string message_id;  ///< `MS_…`
    std::string room_id;
    std::string author_user_id;
    ChatRole author_role = ChatRole::Viewer;
    std::string text;  ///< 1–max_message_chars code points, trimmed
    TimePoint created_at{};
    std::optional<TimePoint> deleted_at;  ///< soft delete: left out of lists
    std::string deleted_by;               ///< who deleted it (empty while not deleted)
    /// Position in the room's history, assigned by the store on insert (0 = not stored yet).
    std::int64_t seq = 0;
};

/// One user's moderation state in one room. Absent row = neither muted nor banned.
struct Moderation {
    std::string room_id;
    std::string user_id;
    std::optional<TimePoint> muted_until;  ///< muted while now < muted_until
    bool banned = false;
    std::optional<TimePoint> banned_until;  ///< a timed ban; nullopt = until the room ends
    TimePoint updated_at{};
    std::string updated_by;    ///< user id of the moderator (empty: app backend)
    std::int64_t version = 0;  ///< CAS, 0 = insert

    [[nodiscard]] bool muted_at(TimePoint now) const noexcept {
        return muted_until && now < *muted_until;
    }
    [[nodiscard]] bool banned_at(TimePoint now) const noexcept {
        return banned && (!banned_until || now < *banned_until);
    }
};

enum class ModerationAction : std::uint8_t { Mute, Unmute, Ban, Unban };
[[nodiscard]] std::string_view to_string(ModerationAction a) noexcept;
[[nodiscard]] std::optional<ModerationAction> moderation_action_from(std::string_view s) noexcept;

/// An engagement event before rendering. `type` names which optional is set.
struct EngagementEvent {
    std::string type;  ///< `chat.message`, `chat.deleted`, `chat.moderation`, `products.*`
    std::string room_id;
    TimePoint at{};
    std::optional<ChatMessage> message;                ///< chat.message, chat.deleted
    std::optional<Moderation> moderation;              ///< chat.moderation
    ModerationAction action = ModerationAction::Mute;  ///< chat.moderation
    std::string product_id;                            ///< products.pinned / products.unpinned
    std::string reason;  ///< products.unpinned: `unpinned` | `removed`
    std::optional<std::vector<std::string>> product_ids;  ///< products.updated: the list
    std::optional<std::string> pinned_product_id;         ///< products.updated
};

/// The role `user_id` has in the room now: host, a co-host on stage, or viewer.
[[nodiscard]] ChatRole role_in(const RoomState& s, std::string_view user_id) noexcept;

/// Refuses a user who may not engage with the room at `now`: room_ended for an ended room,
/// banned when `mod` says so. The app backend (admin) is never banned.
[[nodiscard]] std::optional<Error> check_engage(const RoomState& s, const Actor& a,
                                                const Moderation* mod, TimePoint now);

struct ChatDecision {
    ChatMessage message;  ///< the message after the command
    std::vector<EngagementEvent> events;
};

/// Posts `text` (trimmed; 1–max chars → else invalid_argument `text`). Refusals in rule order:
/// forbidden (app backend: it is not a user), room_ended, banned, muted (details.until),
/// slow_mode (viewers only, `last_post_at` = the user's last accepted message in the room;
/// details.retryAfterSeconds, rounded up). Emits `chat.message`.
[[nodiscard]] Outcome<ChatDecision> post_message(const RoomState& s, const Actor& a,
                                                 const Moderation* mod,
                                                 std::optional<TimePoint> last_post_at,
                                                 std::string_view text,
                                                 const std::string& message_id,
                                                 const EngagementPolicy& policy, TimePoint now);

/// Deletes `m` (already deleted → not_found). Allowed: the author, the host, the app backend, and
/// a co-host on stage for messages not written by the host or another co-host (forbidden
/// otherwise). A banned author may not delete (banned). Emits `chat.deleted`.
[[nodiscard]] Outcome<ChatDecision> delete_message(const RoomState& s, const Actor& a,
                                                   const ChatMessage& m, TimePoint now);

struct ModerationCommand {
    ModerationAction action = ModerationAction::Mute;
    std::string target_user_id;
    std::optional<Duration> duration;  ///< mute: required; ban: optional
};

struct ModerationDecision {
    Moderation moderation;  ///< the row after the command (version as read)
    std::vector<EngagementEvent> events;
};

/// Applies a moderation action. Who: the host and the app backend any action on anyone but the
/// host itself; a co-host `mute`/`unmute` of viewers only (forbidden otherwise); viewers
/// forbidden. Refusals: room_ended; invalid_argument `userId` for moderating oneself;
/// invalid_argument `durationSeconds` (mute without it, out of 1 s–max). `current` is the
/// stored row or nullptr. Emits `chat.moderation` (even when the state was already so: the
/// command is idempotent but announced, so a client's view converges).
[[nodiscard]] Outcome<ModerationDecision> moderate(const RoomState& s, const Actor& a,
                                                   const ModerationCommand& cmd,
                                                   const Moderation* current,
                                                   const EngagementPolicy& policy, TimePoint now);

// ---- products ----------------------------------------------------------------------------------

enum class ProductStatus : std::uint8_t { Active, Archived };
[[nodiscard]] std::string_view to_string(ProductStatus s) noexcept;
[[nodiscard]] std::optional<ProductStatus> product_status_from(std::string_view s) noexcept;

struct Product {
    std::string product_id;        ///< 1–128 of [A-Za-z0-9_.-]; `PR_…` when generated
    std::string name;              ///< 1–200 chars
    std::string url;               ///< http(s) URL ≤ 2,048
    std::int64_t price_minor = 0;  ///< integer minor units of `currency` (cents for USD)
    std::string currency;          ///< ISO 4217, three upper-case letters
    std::string image_url;         ///< ≤ 2,048, may be empty
    ProductStatus status = ProductStatus::Active;
    TimePoint created_at{};
    TimePoint updated_at{};
    std::int64_t version = 0;
};

/// Digits after the decimal point in `currency` (ISO 4217 minor unit: 0 for JPY, 3 for KWD, 2
/// for the rest).
[[nodiscard]] int currency_exponent(std::string_view currency) noexcept;
/// `"19.99"` in `currency` → minor units (1999). Accepts `D+` or `D+.D{1,exp}`, no sign, no
/// exponent, at most 10^15 minor units; nullopt otherwise.
[[nodiscard]] std::optional<std::int64_t> parse_price(std::string_view text,
                                                      std::string_view currency) noexcept;
/// Minor units → `"19.99"` (always `exp` decimals).
[[nodiscard]] std::string format_price(std::int64_t minor, std::string_view currency);
[[nodiscard]] bool valid_currency(std::string_view c) noexcept;
[[nodiscard]] bool valid_product_id(std::string_view id) noexcept;
[[nodiscard]] bool valid_http_url(std::string_view url) noexcept;

/// A room's tagged products (in the host's order) and its pin.
struct RoomProducts {
    std::string room_id;
    std::vector<std::string> product_ids;
    std::optional<std::string> pinned_product_id;  ///< always one of `product_ids`
    std::int64_t version = 0;                      ///< CAS; 0 = none stored yet
};

struct RoomProductsDecision {
    RoomProducts products;  ///< after the command (version as read)
    std::vector<EngagementEvent> events;
    [[nodiscard]] bool changed() const noexcept { return !events.empty(); }
};

/// May `a` manage the room's products (host, app backend, a co-host on stage with
/// canManageProducts)? forbidden otherwise.
[[nodiscard]] std::optional<Error> check_manage_products(const RoomState& s, const Actor& a);

/// Full replacement of the room's list. `catalogue` holds the products found for `ids` (unknown
/// ids missing). Refusals: who (check_manage_products; in an ended room only the host and the
/// app backend), invalid_argument `productIds` (duplicates, bad ids), too_many_products (more
/// than max), invalid_argument with details.productId for an unknown or archived product.
/// Emits `products.unpinned` (reason `removed`) when the pinned product is dropped, then
/// `products.updated`. An identical list changes nothing (no events).
[[nodiscard]] Outcome<RoomProductsDecision> set_room_products(const RoomState& s, const Actor& a,
                                                              const RoomProducts& current,
                                                              const std::vector<std::string>& ids,
                                                              const std::vector<Product>& catalogue,
                                                              const EngagementPolicy& policy,
                                                              TimePoint now);

/// Pins `product_id` (must be tagged: not_found otherwise), replacing any pin. room_ended in an
/// ended room. Emits `products.unpinned` (reason `replaced`) for the old pin, `products.pinned`
/// and `products.updated`. Pinning the pinned product changes nothing.
[[nodiscard]] Outcome<RoomProductsDecision> pin_product(const RoomState& s, const Actor& a,
                                                        const RoomProducts& current,
                                                        const std::string& product_id,
                                                        TimePoint now);
/// Unpins (idempotent: nothing pinned changes nothing). Emits `products.unpinned` (reason
/// `unpinned`) and `products.updated`.
[[nodiscard]] Outcome<RoomProductsDecision> unpin_product(const RoomState& s, const Actor& a,
                                                          const RoomProducts& current,
                                                          TimePoint now);

enum class ProductEventType : std::uint8_t { View, Click };
[[nodiscard]] std::string_view to_string(ProductEventType t) noexcept;
[[nodiscard]] std::optional<ProductEventType> product_event_type_from(std::string_view s) noexcept;

/// A view or click to count (the store counts it once per user, product, room and type).
struct ProductHit {
    std::string room_id;
    std::string product_id;
    std::string user_id;
    ProductEventType type = ProductEventType::View;
    std::vector<std::string> credited;  ///< stage members on stage at that moment
    TimePoint at{};
};

/// Validates a view/click: banned users are refused (also in an ended room, where replays still
/// count), the product must be tagged in the room (not_found),
/// the app backend may not (forbidden: it is not a viewer). The hit credits every stage member
/// (host and co-hosts in any stage state) at `now`.
[[nodiscard]] Outcome<ProductHit> product_hit(const RoomState& s, const Actor& a,
                                              const Moderation* mod, const RoomProducts& products,
                                              const std::string& product_id, ProductEventType type,
                                              TimePoint now);

// ---- reactions ---------------------------------------------------------------------------------

/// Aggregates reactions per room per wall-clock second and rate-limits each user (fixed window
/// of one wall-clock second). Pure: the caller passes the time. Not thread-safe.
class ReactionAggregator {
public:
    explicit ReactionAggregator(EngagementPolicy policy) : policy_(std::move(policy)) {}

    /// Counts one reaction. Refusals: invalid_argument `reaction` for a name outside the set,
    /// rate_limited when `user_id` already sent the per-second maximum in this second.
    [[nodiscard]] std::optional<Error> add(const std::string& room_id, const std::string& user_id,
                                           std::string_view reaction, TimePoint now);

    /// A closed second's counts for one room.
    struct Burst {
        std::string room_id;
        TimePoint from{};  ///< the start of the wall-clock second
        TimePoint to{};    ///< from + 1 s
        std::map<std::string, std::int64_t> counts;
    };
    /// Every burst whose second ended at or before `now` (one per room per second with input),
    /// oldest first; they are forgotten here. Also forgets the rate-limit windows that are over.
    [[nodiscard]] std::vector<Burst> drain(TimePoint now);
    /// True when something is waiting to be drained.
    [[nodiscard]] bool pending() const noexcept { return !open_.empty(); }

private:
    struct Key {
        std::string room_id;
        std::int64_t second = 0;
        bool operator<(const Key& o) const noexcept {
            return second != o.second ? second < o.second : room_id < o.room_id;
        }
    };
    EngagementPolicy policy_;
    std::map<Key, std::map<std::string, std::int64_t>> open_;
    struct Window {
        std::int64_t second = 0;
        int count = 0;
    };
    std::unordered_map<std::string, Window> per_user_;
};

}  // namespace cohost::server::rooms
