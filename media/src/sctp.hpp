#pragma once
/// \file Internal to media/: one SCTP association over DTLS (RFC 8261), the transport of WebRTC
/// data channels (RFC 8831), on usrsctp in "conn" mode: usrsctp does no I/O itself; received
/// SCTP packets come in through `feed()` (DTLS application data) and outgoing ones leave through
/// the `SendFn` (to be sent as DTLS application data).
///
/// Threads. usrsctp is one stack per process, initialised once on first use with
/// `usrsctp_init_nothreads` (it starts no thread of its own). Its timers (retransmission,
/// SACK delay, heartbeats) run when `SctpAssociation::drive_timers()` is called: every media
/// worker calls it from its 20 ms tick. The elapsed time is taken from one process-wide clock
/// (an atomic "last run" stamp), so N workers do not advance usrsctp's clock N times, and
/// usrsctp serialises concurrent calls itself.
///
/// An association is owned by one thread (its media worker) and every method is called there.
/// usrsctp may call back on another thread: a timer that fires while another worker drives the
/// timers retransmits, or reports the association lost. Those callbacks never touch the
/// association: they copy the packet or message into its inbox (a small mutex-guarded queue)
/// and post a drain to the owner through the `PostFn`. Callbacks on the owning thread (inside
/// `feed()`, `send()`, ...) are queued the same way and drained before that call returns. So
/// `SendFn`, `MessageFn`, `StateFn` and `StreamResetFn` always run on the owner thread with no
/// usrsctp lock held; they may call `send()`/`reset_stream()` but must not destroy the
/// association. The inbox outlives the association (shared), so a late callback from another
/// thread finds it marked dead and drops what it carries.
///
/// Messages: ordered/unordered and partial reliability (max retransmits, lifetime) per message
/// (RFC 3758 PR-SCTP); a received message larger than `max_message_size` is dropped whole
/// (counted), never delivered truncated. Streams are reset (RFC 6525) to close a data channel.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

struct socket;  // usrsctp's, forward-declared so this header does not pull in <usrsctp.h>

namespace cohost::media::detail {

/// Parameters of one association.
struct SctpOptions {
    std::uint16_t local_port = 5000;   ///< our `a=sctp-port`
    std::uint16_t remote_port = 5000;  ///< the peer's `a=sctp-port`
    /// Largest message accepted from the peer (our `a=max-message-size`); larger ones are
    /// dropped whole.
    std::size_t max_message_size = 65536;
    /// Largest message `send()` accepts: the peer's `a=max-message-size` (RFC 8841 §6: 65,536
    /// when absent; 0 there means "no limit", which callers map to a bound of their own).
    std::size_t max_send_size = 65536;
    /// SCTP packet size limit: a packet plus the DTLS record overhead (13-byte header, 8-byte
    /// explicit nonce, 16-byte tag with AES-GCM) stays under the 1,200-byte datagrams DTLS uses.
    std::uint32_t mtu = 1150;
    std::uint16_t streams = 1024;  ///< inbound and outbound streams asked for (WebRTC: 1024+)
};

enum class SctpState : std::uint8_t {
    New,         ///< created; nothing sent
    Connecting,  ///< INIT sent (both sides connect: SCTP handles the collision)
    Connected,   ///< COMM_UP: messages flow
    Closed,      ///< aborted, shut down, lost or closed locally; nothing flows any more
};

/// How one outgoing message is delivered (RFC 8831 §6.6). Both limits unset: fully reliable.
struct SctpSendOptions {
    bool ordered = true;
    std::optional<std::uint16_t> max_retransmits;  ///< PR-SCTP "rtx" policy
    std::optional<std::uint32_t> lifetime_ms;      ///< PR-SCTP "ttl" policy (if no max_retransmits)
};

enum class SctpSendResult : std::uint8_t {
    Sent,          ///< queued in the association (it is delivered per the options)
    NotConnected,  ///< state is not Connected
    TooLarge,      ///< empty, or above `max_send_size`
    Busy,          ///< the send buffer is full: the message was not queued
    Failed,        ///< usrsctp refused it (stream out of range, association failing)
};

/// Counters of one association (owner thread only).
struct SctpCounters {
    std::uint64_t packets_in = 0;
    std::uint64_t packets_out = 0;
    std::uint64_t messages_in = 0;
    std::uint64_t messages_out = 0;
    std::uint64_t oversize_dropped = 0;  ///< received messages above max_message_size
    std::uint64_t send_failed = 0;       ///< SCTP_SEND_FAILED_EVENT: abandoned/undeliverable
};

class SctpAssociation {
public:
    /// One SCTP packet to send as DTLS application data (valid during the call).
    using SendFn = std::function<void(std::span<const std::byte> packet)>;
    /// One complete message: stream id, payload protocol identifier (host order), bytes.
    using MessageFn =
        std::function<void(std::uint16_t stream, std::uint32_t ppid, std::span<const std::byte>)>;
    using StateFn = std::function<void(SctpState)>;
    /// The peer reset its outgoing stream `stream` (RFC 8831 §6.7: the channel is closing).
    using StreamResetFn = std::function<void(std::uint16_t stream)>;
    /// Runs a function later on the owner thread (e.g. `asio::post` to the worker's context).
    /// Called from any thread, possibly from inside usrsctp: it must only enqueue.
    using PostFn = std::function<void(std::function<void()>)>;

    struct Callbacks {
        SendFn send;
        MessageFn message;
        StateFn state;
        StreamResetFn stream_reset;
    };

    /// Creates the usrsctp socket (initialising usrsctp on first use) in state New. Throws
    /// std::runtime_error if usrsctp cannot create or configure it, std::invalid_argument when
    /// `send` or `post` is empty.
    SctpAssociation(SctpOptions options, Callbacks callbacks, PostFn post);
    /// Aborts the association (no packet is sent: the DTLS transport is going too) and frees
    /// it. No callback runs afterwards.
    ~SctpAssociation();
    SctpAssociation(const SctpAssociation&) = delete;
    SctpAssociation& operator=(const SctpAssociation&) = delete;

    /// New -> Connecting: sends INIT. Call once the DTLS transport is connected. No effect in
    /// another state.
    void connect();
    /// Processes one received SCTP packet (a DTLS application data record). Ignored when
    /// Closed. Malformed packets are dropped by usrsctp (checksum, verification tag).
    void feed(std::span<const std::byte> packet);
    /// Queues one message on `stream` with payload protocol id `ppid`.
    SctpSendResult send(std::uint16_t stream, std::uint32_t ppid, std::span<const std::byte> data,
                        const SctpSendOptions& options);
    /// Resets our outgoing `stream` (closes our half of a data channel). False when not
    /// connected or usrsctp refused.
    bool reset_stream(std::uint16_t stream);
    /// Sends ABORT and moves to Closed (the state callback runs). Idempotent.
    void close();

    [[nodiscard]] SctpState state() const noexcept { return state_; }
    [[nodiscard]] const SctpOptions& options() const noexcept { return options_; }
    [[nodiscard]] const SctpCounters& counters() const noexcept { return counters_; }

    /// Runs usrsctp's due timers (from any thread; each media worker's tick). Elapsed time is
    /// measured on one process-wide steady clock. No-op while no association exists.
    static void drive_timers() noexcept;
    /// Associations alive in the process (for tests and stats).
    [[nodiscard]] static std::size_t live_count() noexcept;

    struct Inbox;  ///< sctp.cpp: the cross-thread queue (public so the C callbacks can name it)
    /// Internal: what the posted drain runs on the owner thread (handles queued callbacks).
    void drain_posted_events();

private:
    void drain();
    void handle_message(std::uint16_t stream, std::uint32_t ppid, int flags,
                        std::vector<std::byte>& data);
    void handle_notification(std::span<const std::byte> data);
    void set_state(SctpState s);
    void abort_socket() noexcept;

    SctpOptions options_;
    Callbacks callbacks_;
    std::shared_ptr<Inbox> inbox_;
    std::uintptr_t id_ = 0;  ///< the AF_CONN address (never reused)
    struct ::socket* sock_ = nullptr;
    SctpState state_ = SctpState::New;
    bool draining_ = false;
    SctpCounters counters_;
    /// Partly delivered messages (partial delivery API) by stream; `overflow` once too large.
    struct Partial {
        std::vector<std::byte> bytes;
        bool overflow = false;
    };
    std::unordered_map<std::uint16_t, Partial> partial_;
};

}  // namespace cohost::media::detail
