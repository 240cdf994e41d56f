#include "cache/local_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>
#include <set>
#include <system_error>
#include <vector>

#include <spdlog/spdlog.h>

#include "compiler/util/atomic_file.h"
#include "compiler/util/error.h"

namespace dgxpx::cache {
namespace fs = std::filesystem;

struct LocalStore::FileId {
  dev_t dev = 0;
  ino_t ino = 0;
};

namespace {

constexpr const char* kLayoutDir = "v1";  // bumped together with the entry format version
constexpr const char* kBlobsDir = "blobs";
constexpr const char* kEntriesDir = "entries";
constexpr const char* kQuarantineDir = "quarantine";
// https://bford.info/cachedir/ : backup tools skip folders holding this file.
constexpr const char* kCacheDirTag =
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by dgxpx.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n";

std::string errno_text(int err) { return std::strerror(err); }

fs::path fan_out(const fs::path& base, const util::Digest& digest) {
  std::string hex = digest.hex();
  return base / hex.substr(0, 2) / hex.substr(2, 2) / hex;
}

struct FileStat {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  dev_t dev = 0;
  ino_t ino = 0;
  bool regular = false;
};

/// nullopt when the path does not exist (or cannot be stat'ed).
std::optional<FileStat> stat_file(const fs::path& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  FileStat out;
  out.size = static_cast<uint64_t>(st.st_size);
  out.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  out.dev = st.st_dev;
  out.ino = st.st_ino;
  out.regular = S_ISREG(st.st_mode);
  return out;
}

enum class ReadStatus { ok, missing, damaged, error };

struct ReadOutcome {
  ReadStatus status = ReadStatus::ok;
  std::string bytes;
  std::string why;  ///< for damaged / error
  dev_t dev = 0;
  ino_t ino = 0;
};

/// Reads a whole regular file of at most `max_bytes`. A larger file or a non-file is
/// "damaged": nothing this store writes can look like that.
ReadOutcome read_bounded(const fs::path& path, uint64_t max_bytes) {
  ReadOutcome out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      out.status = ReadStatus::missing;
    } else {
      out.status = ReadStatus::error;
      out.why = "cannot open " + path.string() + ": " + errno_text(err);
    }
    return out;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    out.status = ReadStatus::error;
    out.why = "cannot stat " + path.string() + ": " + errno_text(errno);
    ::close(fd);
    return out;
  }
  out.dev = st.st_dev;
  out.ino = st.st_ino;
  if (!S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) > max_bytes) {
    out.status = ReadStatus::damaged;
    out.why = !S_ISREG(st.st_mode) ? "not a regular file"
                                   : std::to_string(st.st_size) + " bytes exceeds the " +
                                         std::to_string(max_bytes) + "-byte limit";
    ::close(fd);
    return out;
  }
  out.bytes.resize(static_cast<size_t>(st.st_size));
  size_t have = 0;
  for (;;) {
    // One spare byte detects a file that grew past its stat size (it was rewritten in place,
    // which no dgxpx writer does).
    if (have == out.bytes.size()) out.bytes.resize(have + 1);
    ssize_t n = ::read(fd, &out.bytes[have], out.bytes.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      out.status = ReadStatus::error;
      out.why = "cannot read " + path.string() + ": " + errno_text(errno);
      ::close(fd);
      return out;
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
    if (have > max_bytes) {
      out.status = ReadStatus::damaged;
      out.why = "file grew past the " + std::to_string(max_bytes) + "-byte limit while read";
      ::close(fd);
      return out;
    }
  }
  out.bytes.resize(have);
  ::close(fd);
  return out;
}

/// Marks a file as just used, for LRU eviction. Best effort: a read-only shared cache still works.
void touch(const fs::path& path) { ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0); }

/// Deletes `path` if it is still the file we looked at (a writer may have renamed a fresh,
/// valid file over it meanwhile; that one must stay).
bool remove_if_same(const fs::path& path, dev_t dev, ino_t ino) {
  auto now = stat_file(path);
  return now && now->dev == dev && now->ino == ino && ::unlink(path.c_str()) == 0;
}

}  // namespace

LocalStore::LocalStore(fs::path root) : root_(std::move(root)) {}

fs::path LocalStore::layout_dir() const { return root_ / kLayoutDir; }

fs::path LocalStore::blob_path(const util::Digest& digest) const {
  return fan_out(layout_dir() / kBlobsDir, digest);
}

fs::path LocalStore::entry_path(const util::Digest& key) const {
  return fan_out(layout_dir() / kEntriesDir, key);
}

std::string LocalStore::describe() const { return "local cache " + root_.string(); }

bool LocalStore::ensure_layout(std::string* why) {
  if (layout_ready_) return true;
  std::error_code ec;
  fs::create_directories(layout_dir(), ec);
  if (ec) {
    *why = "cannot create " + layout_dir().string() + ": " + ec.message();
    return false;
  }
  fs::path tag = root_ / "CACHEDIR.TAG";
  if (!fs::exists(tag, ec)) {
    try {
      util::write_file_atomic(tag, kCacheDirTag);
    } catch (const std::exception& e) {
      *why = e.what();
      return false;
    }
  }
  layout_ready_ = true;
  return true;
}

void LocalStore::move_aside(const fs::path& path, const FileId& id, const char* what,
                            const std::string& reason) {
  spdlog::warn("{}: corrupt {} {}: {}; treating it as a miss", describe(), what,
               path.filename().string(), reason);
  auto now = stat_file(path);
  if (!now || now->dev != id.dev || now->ino != id.ino) return;  // gone or replaced by a writer
  static std::atomic<unsigned> counter{0};
  fs::path dir = layout_dir() / kQuarantineDir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  fs::path target = dir / (std::string(what) + "-" + path.filename().string() + "." +
                           std::to_string(::getpid()) + "." + std::to_string(counter++));
  if (ec || ::rename(path.c_str(), target.c_str()) != 0) ::unlink(path.c_str());
}

GetResult<std::string> LocalStore::get_blob(const util::Digest& digest) {
  using Result = GetResult<std::string>;
  fs::path path = blob_path(digest);
  ReadOutcome read = read_bounded(path, kMaxBlobBytes);
  switch (read.status) {
    case ReadStatus::missing: return Result::make_miss("blob " + digest.short_hex() + " not in " + describe());
    case ReadStatus::error: return Result::make_failure(read.why);
    case ReadStatus::damaged:
      move_aside(path, FileId{read.dev, read.ino}, "blob", read.why);
      return Result::make_corrupt("blob " + digest.short_hex() + ": " + read.why);
    case ReadStatus::ok: break;
  }
  util::Digest actual = util::digest_bytes(read.bytes);
  if (actual != digest) {
    std::string why = "content hashes to " + actual.short_hex() + ", not " + digest.short_hex();
    move_aside(path, FileId{read.dev, read.ino}, "blob", why);
    return Result::make_corrupt("blob " + digest.short_hex() + ": " + why);
  }
  touch(path);
  return Result::make_hit(std::move(read.bytes));
}

PutResult LocalStore::put_blob(std::string_view bytes) {
  PutResult result;
  result.digest = util::digest_bytes(bytes);
  auto fail = [&result](std::string why) {
    result.status = PutStatus::failure;
    result.reason = std::move(why);
    return result;
  };
  if (bytes.size() > kMaxBlobBytes)
    return fail("blob of " + std::to_string(bytes.size()) + " bytes exceeds the " +
                std::to_string(kMaxBlobBytes) + "-byte limit");
  std::string why;
  if (!ensure_layout(&why)) return fail(why);
  fs::path path = blob_path(result.digest);
  // Already stored and intact: refresh its last use instead of rewriting it.
  auto existing = stat_file(path);
  if (existing && existing->regular && existing->size == bytes.size()) {
    ReadOutcome read = read_bounded(path, bytes.size());
    if (read.status == ReadStatus::ok && read.bytes == bytes) {
      touch(path);
      return result;
    }
  }
  try {
    util::write_file_atomic(path, bytes);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return result;
}

GetResult<ActionEntry> LocalStore::get_entry(const util::Digest& key) {
  using Result = GetResult<ActionEntry>;
  fs::path path = entry_path(key);
  ReadOutcome read = read_bounded(path, EntryLimits::kMaxFileBytes);
  const std::string name = "entry " + key.short_hex();
  switch (read.status) {
    case ReadStatus::missing: return Result::make_miss(name + " not in " + describe());
    case ReadStatus::error: return Result::make_failure(read.why);
    case ReadStatus::damaged:
      move_aside(path, FileId{read.dev, read.ino}, "entry", read.why);
      return Result::make_corrupt(name + ": " + read.why);
    case ReadStatus::ok: break;
  }
  ParsedEntry parsed = parse_entry(read.bytes);
  if (!parsed.entry) {
    move_aside(path, FileId{read.dev, read.ino}, "entry", parsed.error);
    return Result::make_corrupt(name + ": " + parsed.error);
  }
  if (parsed.entry->key != key) {
    std::string why = "file names key " + parsed.entry->key.short_hex();
    move_aside(path, FileId{read.dev, read.ino}, "entry", why);
    return Result::make_corrupt(name + ": " + why);
  }
  for (const OutputRef& out : parsed.entry->outputs) {
    fs::path blob = blob_path(out.digest);
    auto st = stat_file(blob);
    if (!st) {
      // Evicted by gc or deleted by hand: the entry is useless now, so it goes too.
      remove_if_same(path, read.dev, read.ino);
      return Result::make_miss(name + ": blob " + out.digest.short_hex() + " of output \"" +
                               out.name + "\" is missing");
    }
    if (!st->regular || st->size != out.size) {
      std::string why = "holds " + std::to_string(st->size) + " bytes, the entry says " +
                        std::to_string(out.size);
      move_aside(blob, FileId{st->dev, st->ino}, "blob", why);
      return Result::make_corrupt(name + ": blob " + out.digest.short_hex() + " of output \"" +
                                  out.name + "\" " + why);
    }
  }
  touch(path);
  for (const OutputRef& out : parsed.entry->outputs) touch(blob_path(out.digest));
  return Result::make_hit(std::move(*parsed.entry));
}

PutResult LocalStore::put_entry(const ActionEntry& entry) {
  PutResult result;
  result.digest = entry.key;
  auto fail = [&result](std::string why) {
    result.status = PutStatus::failure;
    result.reason = std::move(why);
    return result;
  };
  if (auto why = validate_entry(entry)) return fail("invalid entry: " + *why);
  for (const OutputRef& out : entry.outputs) {
    auto st = stat_file(blob_path(out.digest));
    if (!st || !st->regular || st->size != out.size)
      return fail("blob " + out.digest.short_hex() + " of output \"" + out.name +
                  "\" is not in the store; put blobs before their entry");
  }
  std::string why;
  if (!ensure_layout(&why)) return fail(why);
  try {
    util::write_file_atomic(entry_path(entry.key), serialize_entry(entry));
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return result;
}

// --- inspection and garbage collection ---

namespace {

enum class FileKind { entry, blob, other };

struct ScannedFile {
  fs::path path;
  FileKind kind = FileKind::other;
  util::Digest digest;  // entries: the key; blobs: the content digest
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  dev_t dev = 0;
  ino_t ino = 0;
  bool stale_temp = false;
};

/// Files of one fan-out tree (<base>/xx/yy/<hex>). Names that are not 32 hex digits (temp
/// files, strays) are "other". Folders that vanish or cannot be read are skipped.
void scan_tree(const fs::path& base, FileKind kind, int64_t now_ns, std::vector<ScannedFile>& out) {
  std::error_code ec;
  for (fs::directory_iterator level1(base, ec), end; !ec && level1 != end; level1.increment(ec)) {
    std::error_code ec2;
    for (fs::directory_iterator level2(level1->path(), ec2); !ec2 && level2 != end; level2.increment(ec2)) {
      std::error_code ec3;
      for (fs::directory_iterator file(level2->path(), ec3); !ec3 && file != end; file.increment(ec3)) {
        auto st = stat_file(file->path());
        if (!st || !st->regular) continue;
        ScannedFile f;
        f.path = file->path();
        f.size = st->size;
        f.mtime_ns = st->mtime_ns;
        f.dev = st->dev;
        f.ino = st->ino;
        auto digest = util::Digest::from_hex(f.path.filename().string());
        if (digest) {
          f.kind = kind;
          f.digest = *digest;
        } else {
          f.stale_temp = now_ns - f.mtime_ns > LocalStore::kStaleTempSeconds * 1000000000LL;
        }
        out.push_back(std::move(f));
      }
    }
  }
}

void scan_flat(const fs::path& dir, std::vector<ScannedFile>& out) {
  std::error_code ec;
  for (fs::directory_iterator file(dir, ec), end; !ec && file != end; file.increment(ec)) {
    auto st = stat_file(file->path());
    if (!st || !st->regular) continue;
    ScannedFile f;
    f.path = file->path();
    f.size = st->size;
    f.mtime_ns = st->mtime_ns;
    f.stale_temp = true;  // quarantined: always removable
    out.push_back(std::move(f));
  }
}

int64_t now_ns() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/// Entries first, then blobs: a writer puts blobs before its entry, so every entry this scan
/// sees had its blobs on disk before the blob scan started.
std::vector<ScannedFile> scan_store(const fs::path& layout) {
  std::vector<ScannedFile> files;
  int64_t now = now_ns();
  scan_tree(layout / kEntriesDir, FileKind::entry, now, files);
  scan_tree(layout / kBlobsDir, FileKind::blob, now, files);
  scan_flat(layout / kQuarantineDir, files);
  return files;
}

void add_to(StoreStats& stats, const ScannedFile& f) {
  switch (f.kind) {
    case FileKind::entry: stats.entry_files++; stats.entry_bytes += f.size; break;
    case FileKind::blob: stats.blob_files++; stats.blob_bytes += f.size; break;
    case FileKind::other: stats.other_files++; stats.other_bytes += f.size; break;
  }
}

}  // namespace

StoreStats LocalStore::stats() const {
  StoreStats stats;
  for (const ScannedFile& f : scan_store(layout_dir())) add_to(stats, f);
  return stats;
}

GcStats LocalStore::gc(uint64_t max_bytes) {
  GcStats gc;
  std::vector<ScannedFile> files = scan_store(layout_dir());
  uint64_t total = 0;
  for (const ScannedFile& f : files) total += f.size;
  gc.files_before = files.size();
  gc.bytes_before = total;
  std::vector<bool> gone(files.size(), false);
  auto remove = [&](size_t i) {
    // ENOENT: another gc got there first; the bytes are gone either way.
    if (::unlink(files[i].path.c_str()) == 0 || errno == ENOENT) {
      gone[i] = true;
      total -= files[i].size;
      return true;
    }
    return false;
  };

  for (size_t i = 0; i < files.size(); ++i)
    if (files[i].kind == FileKind::other && files[i].stale_temp && remove(i)) gc.removed_other++;

  // Least recently used first; on equal times drop the entry before the blobs it lists.
  std::vector<size_t> order;
  for (size_t i = 0; i < files.size(); ++i)
    if (files[i].kind != FileKind::other) order.push_back(i);
  std::sort(order.begin(), order.end(), [&files](size_t a, size_t b) {
    if (files[a].mtime_ns != files[b].mtime_ns) return files[a].mtime_ns < files[b].mtime_ns;
    if (files[a].kind != files[b].kind) return files[a].kind == FileKind::entry;
    return files[a].path < files[b].path;
  });
  for (size_t i : order) {
    if (total <= max_bytes) break;
    if (!remove(i)) continue;
    (files[i].kind == FileKind::entry ? gc.evicted_entries : gc.evicted_blobs)++;
  }

  // Entries whose blobs are gone would only be misses later; drop them now, with the damaged.
  std::set<util::Digest> blobs;
  for (size_t i = 0; i < files.size(); ++i)
    if (files[i].kind == FileKind::blob && !gone[i]) blobs.insert(files[i].digest);
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i].kind != FileKind::entry || gone[i]) continue;
    ReadOutcome read = read_bounded(files[i].path, EntryLimits::kMaxFileBytes);
    if (read.status == ReadStatus::missing || read.status == ReadStatus::error) continue;
    bool keep = false;
    if (read.status == ReadStatus::ok) {
      ParsedEntry parsed = parse_entry(read.bytes);
      keep = parsed.entry && parsed.entry->key == files[i].digest;
      if (keep)
        for (const OutputRef& out : parsed.entry->outputs) keep = keep && blobs.count(out.digest);
    }
    // Re-check the inode: a writer may have just replaced this entry with a complete one.
    if (!keep && read.dev == files[i].dev && read.ino == files[i].ino &&
        remove_if_same(files[i].path, read.dev, read.ino)) {
      gone[i] = true;
      total -= files[i].size;
      gc.removed_orphans++;
    }
  }

  for (size_t i = 0; i < files.size(); ++i)
    if (!gone[i]) gc.files_after++;
  gc.bytes_after = total;
  spdlog::debug("{}: gc kept {} files ({} bytes) of {} ({} bytes)", describe(), gc.files_after,
                gc.bytes_after, gc.files_before, gc.bytes_before);
  return gc;
}

}  // namespace dgxpx::cache
