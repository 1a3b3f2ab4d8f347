// The RAII layer over the SQLite C API. Every value reaches SQL through a bound parameter; the
// only SQL text built here is constant.
#include "sqlite_db.hpp"

#include <sqlite3.h>

#include <utility>

namespace cohost::server::store::detail {

namespace {

std::string describe(sqlite3* db, int code, std::string_view during) {
    std::string msg{"sqlite: "};
    msg += during;
    msg += ": ";
    msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    msg += " (code ";
    msg += std::to_string(code);
    msg += ')';
    return msg;
}

}  // namespace

bool SqliteError::is_key_clash() const noexcept {
    return code_ == SQLITE_CONSTRAINT_PRIMARYKEY || code_ == SQLITE_CONSTRAINT_UNIQUE;
}

// ---- Statement ----------------------------------------------------------------------------

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use, bool owned) noexcept
    : db_(db), stmt_(stmt), in_use_(in_use), owned_(owned) {}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      owned_(other.owned_) {}

Statement::~Statement() {
    if (stmt_ == nullptr) {
        return;
    }
    if (owned_) {
        sqlite3_finalize(stmt_);
        return;
    }
    // The return value of reset repeats the last step's error, already reported by step().
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    if (in_use_ != nullptr) {
        *in_use_ = false;
    }
}

void Statement::fail(int code, std::string_view during) const {
    std::string what = describe(db_, code, during);
    what += " in: ";
    what += sqlite3_sql(stmt_);
    throw SqliteError(code, what);
}

void Statement::check_bind(int code, int index) const {
    if (code != SQLITE_OK) {
        fail(code, "bind ?" + std::to_string(index));
    }
}

Statement& Statement::bind(int index, std::int64_t value) {
    check_bind(sqlite3_bind_int64(stmt_, index, value), index);
    return *this;
}

Statement& Statement::bind(int index, int value) {
    return bind(index, static_cast<std::int64_t>(value));
}

Statement& Statement::bind(int index, bool value) {
    return bind(index, static_cast<std::int64_t>(value ? 1 : 0));
}

Statement& Statement::bind(int index, std::string_view value) {
    // A null data pointer would bind SQL NULL; an empty string must stay ''.
    const char* data = value.data() != nullptr ? value.data() : "";
    check_bind(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
               index);
    return *this;
}

Statement& Statement::bind(int index, core::TimePoint value) {
    return bind(index, core::to_unix_ms(value));
}

Statement& Statement::bind(int index, const std::optional<core::TimePoint>& value) {
    return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
    check_bind(sqlite3_bind_null(stmt_, index), index);
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    // With extended result codes on, `rc` already carries the detail (e.g. which constraint).
    fail(rc, "step");
}

std::int64_t Statement::run() {
    while (step()) {
    }
    return sqlite3_changes64(db_);
}

bool Statement::is_null(int column) const noexcept {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const noexcept {
    return sqlite3_column_int64(stmt_, column);
}

int Statement::integer(int column) const noexcept { return sqlite3_column_int(stmt_, column); }

std::string Statement::text(int column) const {
    // column_text first, then column_bytes: the documented order that gives the UTF-8 length.
    const auto* data = sqlite3_column_text(stmt_, column);
    if (data == nullptr) {
        return {};
    }
    const int size = sqlite3_column_bytes(stmt_, column);
    return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

core::TimePoint Statement::time(int column) const noexcept {
    return core::from_unix_ms(int64(column));
}

std::optional<core::TimePoint> Statement::optional_time(int column) const noexcept {
    if (is_null(column)) {
        return std::nullopt;
    }
    return time(column);
}

// ---- Database -----------------------------------------------------------------------------

void Database::StmtDeleter::operator()(sqlite3_stmt* stmt) const noexcept {
    sqlite3_finalize(stmt);
}

Database::Database(const std::string& path) {
    // NOMUTEX: the connection is used from one thread at a time (store.hpp), so SQLite's
    // per-connection mutex is pure overhead.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string what = describe(db_, rc, "open " + path);
        sqlite3_close_v2(db_);  // open allocates a handle even when it fails
        db_ = nullptr;
        throw SqliteError(rc, what);
    }
    sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
    cache_.clear();
    sqlite3_close_v2(db_);
}

sqlite3_stmt* Database::prepare_raw(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        std::string what = describe(db_, rc, "prepare");
        what += " in: ";
        what += sql;
        throw SqliteError(rc, what);
    }
    return stmt;
}

Statement Database::prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* stmt = prepare_raw(sql);
        it = cache_.emplace(std::string{sql}, CachedStatement{}).first;
        it->second.stmt.reset(stmt);
    } else if (it->second.in_use) {
        return {db_, prepare_raw(sql), nullptr, true};
    }
    it->second.in_use = true;
    return {db_, it->second.stmt.get(), &it->second.in_use, false};
}

void Database::exec(const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string what{"sqlite: exec: "};
        what += err != nullptr ? err : sqlite3_errstr(rc);
        what += " (code " + std::to_string(rc) + ")";
        sqlite3_free(err);
        throw SqliteError(rc, what);
    }
}

std::string Database::query_text(std::string_view sql) {
    auto stmt = prepare(sql);
    return stmt.step() ? stmt.text(0) : std::string{};
}

std::int64_t Database::changes() const noexcept { return sqlite3_changes64(db_); }

bool Database::in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }

// ---- Transaction --------------------------------------------------------------------------

Transaction::Transaction(Database& db, Mode mode) : db_(db) {
    // Inside an open transaction (a group-commit batch) this scope is a savepoint: its rollback
    // undoes only its own writes, its commit folds them into the enclosing transaction.
    nested_ = db_.in_transaction();
    if (nested_) {
        db_.prepare("SAVEPOINT tx").run();
    } else {
        db_.prepare(mode == Mode::Immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED").run();
    }
}

Transaction::~Transaction() { rollback(); }

void Transaction::commit() {
    db_.prepare(nested_ ? "RELEASE tx" : "COMMIT").run();
    active_ = false;
}

void Transaction::rollback() noexcept {
    if (!active_) {
        return;
    }
    active_ = false;
    // Some errors (SQLITE_FULL, SQLITE_IOERR, ...) roll the transaction back by themselves; a
    // ROLLBACK then would only fail with "no transaction is active".
    if (!db_.in_transaction()) {
        return;
    }
    try {
        if (nested_) {
            db_.prepare("ROLLBACK TO tx").run();
            db_.prepare("RELEASE tx").run();
        } else {
            db_.prepare("ROLLBACK").run();
        }
    } catch (...) {
        // Nothing sensible is left to do: the connection reverts at the next BEGIN or close.
    }
}

}  // namespace cohost::server::store::detail
