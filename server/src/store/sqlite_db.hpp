#pragma once
/// \file A small RAII layer over the SQLite C API, private to the SQLite store: one connection
/// (`Database`), borrowed prepared statements (`Statement`, cached by SQL text) and a scoped
/// transaction (`Transaction`).
///
/// Threading: like the store, a `Database` is used from one thread at a time.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cohost/core/time.hpp"
#include "cohost/server/store/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace cohost::server::store::detail {

/// An SQLite failure, with the extended result code. Derives from `StoreError`, so whatever the
/// store does not handle reaches the caller as the documented I/O failure.
class SqliteError : public StoreError {
public:
    SqliteError(int code, const std::string& what) : StoreError(what), code_(code) {}

    /// The extended result code (`SQLITE_CONSTRAINT_PRIMARYKEY`, `SQLITE_BUSY`, ...).
    [[nodiscard]] int code() const noexcept { return code_; }
    /// A primary-key or unique clash: the "somebody else wrote it first" case that `commit`
    /// reports as `CommitStatus::Conflict`. Other constraint failures (NOT NULL, FOREIGN KEY) are
    /// caller bugs and stay errors.
    [[nodiscard]] bool is_key_clash() const noexcept;

private:
    int code_;
};

/// A prepared statement borrowed from the `Database` cache for one use. The destructor resets it
/// and clears its bindings, so the next borrower starts clean. Parameters are 1-based, columns
/// 0-based, as in the C API. Must not outlive the `Database`.
class Statement {
public:
    Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use, bool owned) noexcept;
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value);
    Statement& bind(int index, bool value);
    /// Text of any bytes (embedded NULs included); an empty view binds `''`, never NULL.
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const std::string& value) {
        return bind(index, std::string_view{value});
    }
    Statement& bind(int index, const char* value) { return bind(index, std::string_view{value}); }
    /// Unix milliseconds.
    Statement& bind(int index, core::TimePoint value);
    /// Unix milliseconds, or NULL when unset.
    Statement& bind(int index, const std::optional<core::TimePoint>& value);
    Statement& bind_null(int index);

    /// Advances: true when a row is available, false when the statement is done.
    /// Throws `SqliteError` on failure.
    bool step();
    /// Steps to the end, ignoring rows (DML without RETURNING). Returns the rows changed.
    std::int64_t run();

    [[nodiscard]] bool is_null(int column) const noexcept;
    [[nodiscard]] std::int64_t int64(int column) const noexcept;
    [[nodiscard]] int integer(int column) const noexcept;
    [[nodiscard]] bool boolean(int column) const noexcept { return int64(column) != 0; }
    [[nodiscard]] std::string text(int column) const;
    [[nodiscard]] core::TimePoint time(int column) const noexcept;
    [[nodiscard]] std::optional<core::TimePoint> optional_time(int column) const noexcept;

private:
    [[noreturn]] void fail(int code, std::string_view during) const;
    void check_bind(int code, int index) const;

    sqlite3* db_;
    sqlite3_stmt* stmt_;
    bool* in_use_;  ///< the cache slot's flag, cleared on release; null when owned
    bool owned_;    ///< a one-off statement (the cached one was busy): finalized on release
};

/// One SQLite connection and its statement cache.
class Database {
public:
    /// Opens (creating) `path`, or a private in-memory database for `:memory:`.
    /// Throws `SqliteError` when it cannot.
    explicit Database(const std::string& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// The statement for `sql`, prepared once and reused. If that statement is already borrowed
    /// (a nested use of the same SQL), a one-off statement is prepared instead.
    [[nodiscard]] Statement prepare(std::string_view sql);
    /// Runs one or more statements without parameters (pragmas, migrations). Never pass data.
    void exec(const char* sql);
    /// The first column of the first row of a parameterless query, as text ("" if none).
    [[nodiscard]] std::string query_text(std::string_view sql);

    [[nodiscard]] std::int64_t changes() const noexcept;
    [[nodiscard]] bool in_transaction() const noexcept;
    [[nodiscard]] sqlite3* handle() const noexcept { return db_; }

private:
    struct StmtDeleter {
        void operator()(sqlite3_stmt* stmt) const noexcept;
    };
    /// Lets `prepare` look the cache up by string_view, without building a std::string.
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const noexcept {
            return std::hash<std::string_view>{}(sql);
        }
    };
    struct CachedStatement {
        std::unique_ptr<sqlite3_stmt, StmtDeleter> stmt;
        bool in_use = false;
    };

    sqlite3_stmt* prepare_raw(std::string_view sql);

    sqlite3* db_ = nullptr;
    /// Keyed by SQL text. Node-based, so `in_use` flags keep their address across rehashes.
    /// Declared after `db_`, destroyed before it: statements are finalized before the close.
    std::unordered_map<std::string, CachedStatement, SqlHash, std::equal_to<>> cache_;
};

/// A transaction scope. `Immediate` takes the write lock up front (every write path), so a
/// transaction never fails half-way for a lock upgrade; `Deferred` is for consistent reads.
/// The destructor rolls back unless `commit()` succeeded. Opened while the connection is already
/// in a transaction (a group-commit batch, `SqliteStore::begin_batch`), the scope is a savepoint
/// instead: `commit()` releases it into the enclosing transaction and a rollback undoes only it.
class Transaction {
public:
    enum class Mode : std::uint8_t { Deferred, Immediate };

    Transaction(Database& db, Mode mode);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();
    /// Rolls back now; never throws (errors are moot: SQLite may already have rolled back).
    void rollback() noexcept;

private:
    Database& db_;
    bool active_ = true;
    bool nested_ = false;  ///< a savepoint inside an enclosing transaction
};

}  // namespace cohost::server::store::detail
