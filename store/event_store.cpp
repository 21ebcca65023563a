#include "store/event_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <unordered_map>

#include "engine/clock.hpp"
#include "store/wall_clock.hpp"

namespace cumulo {
namespace {

constexpr const char* format_tag = "cumulo-events-1";

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY,
  stream TEXT NOT NULL,
  version INTEGER NOT NULL,
  type TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  time INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  payload BLOB NOT NULL,
  UNIQUE(stream, version)
);
CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
)sql";

constexpr const char* select_columns =
    "SELECT seq, stream, version, type, schema_version, time, request_id, user_id, payload "
    "FROM events ";

std::string describe(const SQLite::Exception& e) {
  switch (e.getErrorCode()) {
    case SQLITE_NOTADB: return "file is not a database";
    case SQLITE_CORRUPT: return "the database is corrupted (" + std::string(e.what()) + ")";
    case SQLITE_CANTOPEN: return "cannot open the database file (" + std::string(e.what()) + ")";
    case SQLITE_FULL: return "the disk is full";
    case SQLITE_READONLY: return "the database is read-only (" + std::string(e.what()) + ")";
    default: return e.what();
  }
}

// Assigns into the strings of a reused record: no allocation per row once
// they have grown (getString() would return a new string each time).
void assign_text(std::string& out, const SQLite::Column& c) {
  out.assign(c.getText(), static_cast<std::size_t>(c.getBytes()));
}

void read_row(SQLite::Statement& q, recorded_event& r) {
  r.seq = q.getColumn(0).getInt64();
  assign_text(r.stream, q.getColumn(1));
  r.version = q.getColumn(2).getInt64();
  assign_text(r.type, q.getColumn(3));
  r.schema_version = q.getColumn(4).getInt();
  r.time_us = q.getColumn(5).getInt64();
  assign_text(r.request_id, q.getColumn(6));
  assign_text(r.user_id, q.getColumn(7));
  const SQLite::Column payload = q.getColumn(8);
  r.payload.assign(static_cast<const char*>(payload.getBlob()),
                   static_cast<std::size_t>(payload.getBytes()));
}

}  // namespace

struct event_store::impl {
  std::filesystem::path file;
  store_options opts;
  std::unique_ptr<SQLite::Database> db;
  std::unique_ptr<SQLite::Statement> insert;
  // Prepared once: preparing it per new stream was half of append's CPU.
  std::unique_ptr<SQLite::Statement> version_query;
  // The writer's cache of stream versions, in two generations: a stream
  // written lately is found here; any other costs one indexed query. A
  // cache of every stream ever written grew without bound as resources
  // came and went (14 MB after a 10-minute soak: issue 22, item 7).
  static constexpr std::size_t versions_kept = 8192;
  std::unordered_map<std::string, std::int64_t> versions, older_versions;
  std::int64_t last_time_us = 0;
  std::uint64_t transactions = 0;

  [[noreturn]] void fail(const std::string& what, const SQLite::Exception& e) const {
    throw store_error("event database " + file.string() + ": " + what + ": " + describe(e));
  }

  void open() {
    if (opts.read_only && !std::filesystem::exists(file))
      throw store_error("no event database at " + file.string());
    try {
      const int flags = opts.read_only ? SQLite::OPEN_READONLY
                                       : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      // Made 0600 before SQLite opens it: its WAL and shm files take the
      // database's mode, and the log holds password hashes.
      if (!opts.read_only) {
        const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0) ::close(fd);
      }
      db = std::make_unique<SQLite::Database>(file.string(), flags, 5000);
      if (!opts.read_only) {
        // journal_mode answers with a row, so it is read, not exec'd.
        const std::string mode = db->execAndGet("PRAGMA journal_mode=WAL").getString();
        if (mode != "wal") throw store_error("event database " + file.string() +
                                             ": cannot switch to WAL mode (got " + mode + ")");
        db->exec(opts.sync == durability::full ? "PRAGMA synchronous=FULL"
                                               : "PRAGMA synchronous=NORMAL");
        db->exec(schema_sql);
        db->exec("INSERT OR IGNORE INTO meta(key, value) VALUES('format', '" +
                 std::string(format_tag) + "')");
        insert = std::make_unique<SQLite::Statement>(
            *db,
            "INSERT INTO events(stream, version, type, schema_version, time, request_id, "
            "user_id, payload) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
        version_query = std::make_unique<SQLite::Statement>(
            *db, "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?");
        last_time_us = db->execAndGet("SELECT COALESCE(MAX(time), 0) FROM events").getInt64();
      }
      check_format();
    } catch (const SQLite::Exception& e) {
      fail("cannot open", e);
    }
  }

  void check_format() {
    SQLite::Statement q(*db, "SELECT name FROM sqlite_master WHERE type='table' AND name IN "
                             "('events', 'meta')");
    int tables = 0;
    while (q.executeStep()) ++tables;
    if (tables != 2)
      throw store_error("event database " + file.string() +
                        ": not a cumulo event database (no events/meta tables)");
    SQLite::Statement f(*db, "SELECT value FROM meta WHERE key='format'");
    if (!f.executeStep() || f.getColumn(0).getString() != format_tag)
      throw store_error("event database " + file.string() + ": unknown format (expected " +
                        format_tag + ")");
  }

  std::int64_t version_of(const std::string& stream) {
    auto it = versions.find(stream);
    if (it != versions.end()) return it->second;
    std::int64_t v = 0;
    if (auto old = older_versions.find(stream); old != older_versions.end()) {
      v = old->second;
    } else {
      auto& q = *version_query;
      q.bind(1, stream);
      q.executeStep();
      v = q.getColumn(0).getInt64();
      q.reset();
    }
    remember_version(stream, v);
    return v;
  }

  void remember_version(const std::string& stream, std::int64_t v) {
    if (versions.size() >= versions_kept && !versions.count(stream)) {
      older_versions = std::move(versions);
      versions = {};
    }
    versions[stream] = v;
  }

  std::int64_t next_time() {
    const std::int64_t t = opts.clock ? opts.clock() : now_us();
    last_time_us = std::max(last_time_us, t);  // never backwards: --at TIME is a log prefix
    return last_time_us;
  }

  void scan(const std::string& where, std::int64_t bound, const visitor& visit) const {
    try {
      SQLite::Statement q(*db, std::string(select_columns) + where + " ORDER BY seq");
      q.bind(1, static_cast<std::int64_t>(bound));
      recorded_event r;
      while (q.executeStep()) {
        read_row(q, r);
        if (!visit(r)) break;
      }
    } catch (const SQLite::Exception& e) {
      fail("cannot read events", e);
    }
  }
};

event_store::event_store(const std::filesystem::path& file, store_options opts)
    : impl_(std::make_unique<impl>()) {
  impl_->file = file;
  impl_->opts = std::move(opts);
  impl_->open();
}

event_store::~event_store() = default;

std::vector<append_result> event_store::append(std::vector<append_request> batch) {
  auto& s = *impl_;
  if (s.opts.read_only) throw store_error("event database " + s.file.string() + " is read-only");
  std::vector<append_result> results(batch.size());
  std::unordered_map<std::string, std::int64_t> pending;  // versions reached inside this batch
  try {
    SQLite::Transaction tx(*s.db);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto& req = batch[i];
      auto known = pending.find(req.stream);
      std::int64_t current = known != pending.end() ? known->second : s.version_of(req.stream);
      if (req.expected_version != any_version && req.expected_version != current) {
        results[i].error = make_domain_error(
            errc::conflict, "stream " + req.stream + " is at version " + std::to_string(current) +
                                ", not the expected " + std::to_string(req.expected_version));
        continue;
      }
      for (auto& ev : req.events) {
        recorded_event r;
        r.stream = req.stream;
        r.version = ++current;
        r.type = std::move(ev.type);
        r.schema_version = ev.schema_version;
        r.time_us = s.next_time();
        r.request_id = req.meta.request_id;
        r.user_id = req.meta.user_id;
        r.payload = std::move(ev.payload);
        auto& ins = *s.insert;
        ins.bind(1, r.stream);
        ins.bind(2, static_cast<std::int64_t>(r.version));
        ins.bind(3, r.type);
        ins.bind(4, r.schema_version);
        ins.bind(5, static_cast<std::int64_t>(r.time_us));
        ins.bind(6, r.request_id);
        ins.bind(7, r.user_id);
        // A std::string would be stored as TEXT: bind the bytes as a BLOB.
        ins.bind(8, static_cast<const void*>(r.payload.data()), static_cast<int>(r.payload.size()));
        ins.exec();
        ins.reset();
        r.seq = s.db->getLastInsertRowid();
        results[i].events.push_back(std::move(r));
      }
      pending[req.stream] = current;
    }
    tx.commit();
  } catch (const SQLite::Exception& e) {
    s.insert->reset();
    s.version_query->reset();
    s.fail("append failed, nothing was written", e);
  }
  ++s.transactions;
  for (auto& [stream, v] : pending) s.remember_version(stream, v);
  return results;
}

append_result event_store::append(append_request request) {
  std::vector<append_request> batch;
  batch.push_back(std::move(request));
  return std::move(append(std::move(batch)).front());
}

recorded_events event_store::read_stream(const std::string& stream,
                                         std::int64_t from_version) const {
  recorded_events out;
  try {
    SQLite::Statement q(*impl_->db, std::string(select_columns) +
                                        "WHERE stream = ? AND version >= ? ORDER BY version");
    q.bind(1, stream);
    q.bind(2, static_cast<std::int64_t>(from_version));
    while (q.executeStep()) read_row(q, out.emplace_back());
  } catch (const SQLite::Exception& e) {
    impl_->fail("cannot read stream " + stream, e);
  }
  return out;
}

void event_store::for_each(std::int64_t from_seq, const visitor& visit) const {
  impl_->scan("WHERE seq >= ?", from_seq, visit);
}

void event_store::for_each_until_seq(std::int64_t max_seq, const visitor& visit) const {
  impl_->scan("WHERE seq <= ?", max_seq, visit);
}

void event_store::for_each_until_time(std::int64_t max_time_us, const visitor& visit) const {
  impl_->scan("WHERE time <= ?", max_time_us, visit);
}

std::vector<stream_info> event_store::streams() const {
  std::vector<stream_info> out;
  try {
    SQLite::Statement q(*impl_->db,
                        "SELECT stream, COUNT(*), MIN(seq), MAX(seq), MAX(time) FROM events "
                        "GROUP BY stream ORDER BY MIN(seq)");
    while (q.executeStep()) {
      out.push_back(stream_info{q.getColumn(0).getString(), q.getColumn(1).getInt64(),
                                q.getColumn(2).getInt64(), q.getColumn(3).getInt64(),
                                q.getColumn(4).getInt64()});
    }
  } catch (const SQLite::Exception& e) {
    impl_->fail("cannot list streams", e);
  }
  return out;
}

namespace {
// The last event of each stream whose last event is `<kind>.deleted`. The
// type column is read for each row, not the payload; the last version of a
// candidate comes from the (stream, version) index.
constexpr const char* deleted_streams_sql =
    "SELECT stream, version, seq FROM events AS e "
    "WHERE type LIKE '%.deleted' "
    "AND type = substr(stream, 1, instr(stream, '/') - 1) || '.deleted' "
    "AND version = (SELECT MAX(version) FROM events WHERE stream = e.stream)";
}  // namespace

std::vector<event_store::deleted_stream> event_store::deleted_streams() const {
  std::vector<deleted_stream> out;
  try {
    SQLite::Statement q(*impl_->db, deleted_streams_sql);
    while (q.executeStep())
      out.push_back(
          {q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64()});
  } catch (const SQLite::Exception& e) {
    impl_->fail("cannot list deleted streams", e);
  }
  return out;
}

void event_store::for_each_except(const std::unordered_set<std::string>& skipped,
                                  const visitor& visit) const {
  try {
    SQLite::Statement q(*impl_->db, std::string(select_columns) + " ORDER BY seq");
    recorded_event r;
    std::string stream;  // its buffer is reused: no allocation per skipped row
    while (q.executeStep()) {
      stream.assign(q.getColumn(1).getText());
      if (skipped.count(stream)) continue;
      read_row(q, r);
      if (!visit(r)) break;
    }
  } catch (const SQLite::Exception& e) {
    impl_->fail("cannot read events", e);
  }
}

std::int64_t event_store::stream_version(const std::string& stream) const {
  try {
    SQLite::Statement q(*impl_->db,
                        "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?");
    q.bind(1, stream);
    q.executeStep();
    return q.getColumn(0).getInt64();
  } catch (const SQLite::Exception& e) {
    impl_->fail("cannot read stream " + stream, e);
  }
}

std::int64_t event_store::last_seq() const {
  try {
    return impl_->db->execAndGet("SELECT COALESCE(MAX(seq), 0) FROM events").getInt64();
  } catch (const SQLite::Exception& e) {
    impl_->fail("cannot read", e);
  }
}

std::int64_t event_store::event_count() const {
  try {
    return impl_->db->execAndGet("SELECT COUNT(*) FROM events").getInt64();
  } catch (const SQLite::Exception& e) {
    impl_->fail("cannot read", e);
  }
}

std::uint64_t event_store::transactions() const { return impl_->transactions; }

const std::filesystem::path& event_store::file() const { return impl_->file; }

}  // namespace cumulo
