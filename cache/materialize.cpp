#include "cache/materialize.h"

#include "compiler/util/atomic_file.h"

namespace dgxpx::cache {

MaterializeResult materialize(Store& store, const ActionEntry& entry,
                              const std::vector<OutputFile>& files, Overwrite overwrite) {
  MaterializeResult result;
  auto fail = [&result](GetStatus status, std::string why) {
    result.status = status;
    result.reason = std::move(why);
    return result;
  };
  std::vector<std::string> contents;
  contents.reserve(files.size());
  for (const OutputFile& file : files) {
    const OutputRef* out = entry.find(file.name);
    if (!out)
      return fail(GetStatus::miss, "entry " + entry.key.short_hex() + " has no output \"" + file.name + "\"");
    GetResult<std::string> blob = store.get_blob(out->digest);
    if (!blob.hit()) return fail(blob.status, "output \"" + file.name + "\": " + blob.reason);
    // get_blob verified the digest; a size that disagrees means the entry itself is wrong.
    if (blob.value->size() != out->size)
      return fail(GetStatus::corrupt, "output \"" + file.name + "\": blob holds " +
                                          std::to_string(blob.value->size()) + " bytes, entry says " +
                                          std::to_string(out->size));
    contents.push_back(std::move(*blob.value));
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (overwrite == Overwrite::if_different) {
      if (util::write_file_if_changed(files[i].path, contents[i])) result.written++;
      else result.unchanged++;
    } else {
      util::write_file_atomic(files[i].path, contents[i]);
      result.written++;
    }
  }
  return result;
}

PutResult store_outputs(Store& store, ActionEntry entry, const std::vector<OutputFile>& files) {
  entry.outputs.clear();
  for (const OutputFile& file : files) {
    std::string bytes = util::read_file_or_throw(file.path);
    PutResult put = store.put_blob(bytes);
    if (!put.ok()) {
      put.reason = "output \"" + file.name + "\": " + put.reason;
      put.digest = entry.key;
      return put;
    }
    entry.outputs.push_back(OutputRef{file.name, put.digest, bytes.size()});
  }
  return store.put_entry(entry);
}

}  // namespace dgxpx::cache
