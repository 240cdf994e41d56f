#include "compiler/manifest/project.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "compiler/manifest/yaml_reader.h"

namespace dgxpx::manifest {
namespace fs = std::filesystem;
using util::InputError;

std::optional<fs::path> find_project_root(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  while (true) {
    if (fs::is_regular_file(dir / kProjectFile, ec)) return dir;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

std::string display_path(const ProjectConfig& project, const fs::path& path) {
  fs::path rel = path.lexically_relative(project.root);
  if (!rel.empty() && *rel.begin() != "..") return rel.generic_string();
  return path.generic_string();
}

static fs::path inside_root(const fs::path& root, const Value& v, const std::string& what) {
  std::string written = as_string(v, what);
  if (written.empty()) throw InputError(v.where, util::expected_got(what, "an empty string"));
  fs::path p = fs::path(written).is_absolute() ? fs::path(written) : root / written;
  return p.lexically_normal();
}

static WorkerSettings read_worker_settings(const Value& node) {
  as_map(node, "a mapping of worker settings");
  check_keys(node, {"enabled", "max_batch", "keep_warm", "device"});
  WorkerSettings worker;
  if (const Value* v = node.find("enabled")) worker.enabled = as_bool(*v);
  if (const Value* v = node.find("max_batch")) {
    const int64_t n = as_int(*v);
    if (n < 1 || n > 64) throw InputError(v->where, util::expected_got("max_batch between 1 and 64", std::to_string(n)));
    worker.max_batch = static_cast<int>(n);
  }
  if (const Value* v = node.find("keep_warm")) {
    const int64_t n = as_int(*v);
    if (n < 0 || n > 86400)
      throw InputError(v->where, util::expected_got("keep_warm seconds between 0 and 86400", std::to_string(n)));
    worker.keep_warm_seconds = static_cast<int>(n);
  }
  if (const Value* v = node.find("device")) {
    worker.device = as_string(*v);
    if (worker.device == "auto") worker.device.clear();
    if (!worker.device.empty() && worker.device != "cpu" && worker.device != "cuda")
      throw InputError(v->where, util::expected_got("device auto, cpu or cuda", "'" + worker.device + "'"));
  }
  return worker;
}

static std::string known_formats() {
  std::string text;
  for (const auto& format : kOutputFormats) text += (text.empty() ? "" : ", ") + format;
  return text;
}

// `outputs: [aseprite, godot]`: known formats, each once, kept in kOutputFormats order so the
// order written does not change pack keys.
static std::vector<std::string> read_outputs(const Value& node) {
  as_list(node, "a list of output formats (" + known_formats() + ")");
  std::vector<std::string> chosen;
  for (const Value& item : node.items) {
    const std::string format = as_string(item, "an output format");
    if (std::find(kOutputFormats.begin(), kOutputFormats.end(), format) == kOutputFormats.end())
      throw InputError(item.where, util::expected_got("an output format (" + known_formats() + ")",
                                                      "'" + format + "'"));
    if (std::find(chosen.begin(), chosen.end(), format) != chosen.end())
      throw InputError(item.where, "output format '" + format + "' is listed twice");
    chosen.push_back(format);
  }
  std::vector<std::string> ordered;
  for (const auto& format : kOutputFormats)
    if (std::find(chosen.begin(), chosen.end(), format) != chosen.end()) ordered.push_back(format);
  return ordered;
}

std::string remote_cache_url_problem(const std::string& url) {
  size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https" && scheme != "s3") return "a URL starting with http://, https:// or s3://";
  if (scheme_end + 3 >= url.size() || url[scheme_end + 3] == '/')
    return scheme == "s3" ? "a URL with a bucket after s3://" : "a URL with a host after " + scheme + "://";
  for (unsigned char c : url)
    if (c <= ' ' || c == 0x7f) return "a URL without spaces or control characters";
  return "";
}

// `cache: PATH` (the local folder), or a mapping that may also name a remote cache.
static void read_cache_settings(const fs::path& root, const Value& node, ProjectConfig& project) {
  if (node.type != Value::Type::map) {
    project.cache_dir = inside_root(root, node, "a cache folder (or a mapping with dir, remote, write, required...)");
    return;
  }
  check_keys(node, {"dir", "remote", "write", "required", "endpoint", "region"});
  if (const Value* v = node.find("dir")) project.cache_dir = inside_root(root, *v, "a cache folder");
  RemoteCacheSettings& remote = project.remote_cache;
  if (const Value* v = node.find("remote")) {
    remote.url = as_string(*v, "a remote cache URL");
    if (std::string problem = remote_cache_url_problem(remote.url); !problem.empty())
      throw InputError(v->where, util::expected_got(problem, "'" + remote.url + "'"));
  }
  if (const Value* v = node.find("endpoint")) {
    remote.endpoint = as_string(*v, "an S3 endpoint URL");
    if (remote.endpoint.rfind("http://", 0) != 0 && remote.endpoint.rfind("https://", 0) != 0)
      throw InputError(v->where, util::expected_got("an S3 endpoint URL starting with http:// or https://",
                                                    "'" + remote.endpoint + "'"));
  }
  if (const Value* v = node.find("region")) remote.region = as_string(*v, "an S3 region like eu-west-1");
  if (const Value* v = node.find("write")) remote.write = as_bool(*v);
  if (const Value* v = node.find("required")) remote.required = as_bool(*v);  // also for $DGXPX_REMOTE_CACHE
}

// True when `inner` is `outer` or inside it (both absolute and lexically normal).
static bool within(const fs::path& inner, const fs::path& outer) {
  auto in = inner.begin(), out = outer.begin();
  for (; out != outer.end() && !out->empty(); ++in, ++out)
    if (in == inner.end() || *in != *out) return false;
  return true;
}

static fs::path without_trailing_slash(const fs::path& p) {
  fs::path normal = p.lexically_normal();
  return normal.has_filename() || normal == normal.root_path() ? normal : normal.parent_path();
}

// `dgxpx clean` deletes what is in the output folder and builds replace files there: it must
// hold nothing but outputs. So not the project root, not above it, and not a folder holding
// manifests, presets, rules or build state.
static void check_output_folder(const ProjectConfig& project, const util::SourceLocation& where) {
  const fs::path out = without_trailing_slash(project.output_dir);
  auto refuse = [&](const std::string& why) {
    throw InputError(where, util::expected_got("an output folder of its own inside the project (like assets)",
                                               "'" + display_path(project, out) + "', which " + why));
  };
  const fs::path root = without_trailing_slash(project.root);
  if (within(root, out)) refuse("holds the whole project");
  const std::vector<std::pair<fs::path, const char*>> inputs = {
      {project.state_dir, "holds the build state (.dgxpx)"},
      {project.presets_dir, "holds the presets"},
      {project.rules_dir, "holds the rules"}};
  for (const auto& [dir, why] : inputs)
    if (within(without_trailing_slash(dir), out) || within(out, without_trailing_slash(dir))) refuse(why);
  for (const auto& manifests : project.manifests)
    if (within(without_trailing_slash(manifests), out)) refuse("holds the manifests");
}

// A variant build (dgxpx compare): folders and LoRA swaps from the environment. A bad value
// is the command line's fault, so it is an InputError without a file.
static void apply_variant_environment(ProjectConfig& project) {
  auto folder = [&](const char* name, fs::path& into) {
    const char* v = std::getenv(name);
    if (!v || !*v) return;
    into = (fs::path(v).is_absolute() ? fs::path(v) : project.root / v).lexically_normal();
  };
  folder(kStateDirEnv, project.state_dir);
  folder(kOutputDirEnv, project.output_dir);
  // "OLD=NEW" lines of an environment variable.
  auto pairs = [](const char* name) {
    std::vector<std::pair<std::string, std::string>> out;
    const char* text = std::getenv(name);
    std::istringstream lines(text ? text : "");
    for (std::string line; std::getline(lines, line);) {
      const size_t eq = line.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == line.size())
        throw InputError(util::expected_got(std::string(name) + " lines like OLD=NEW", "'" + line + "'"));
      out.emplace_back(line.substr(0, eq), line.substr(eq + 1));
    }
    return out;
  };
  auto file = [&](const std::string& written) {
    return (fs::path(written).is_absolute() ? fs::path(written) : project.root / written).lexically_normal();
  };
  for (const auto& [old_file, new_file] : pairs(kLoraSwapEnv)) project.lora_swaps[file(old_file)] = file(new_file);
  for (const auto& [old_status, new_status] : pairs(kStatusSwapEnv)) project.registry_status_swaps[old_status] = new_status;
}

ProjectConfig load_project(const fs::path& root) {
  ProjectConfig project;
  project.root = root;
  project.state_dir = root / ".dgxpx";
  project.presets_dir = root / "presets";
  project.rules_dir = root / "rules";
  project.output_dir = root / "assets";
  project.lora_registry_dir = root / "loras";
  std::string display = kProjectFile;
  auto documents = read_yaml_documents(root / kProjectFile, display);
  Value empty;
  empty.type = Value::Type::map;
  empty.where = {display, 1, 1};
  const Value& doc = documents.empty() || documents[0].type == Value::Type::null ? empty : documents[0];
  if (documents.size() > 1) throw InputError(documents[1].where, "dgxpx.yaml must hold a single document");
  as_map(doc, "a mapping of project settings");
  check_keys(doc, {"project", "manifests", "presets", "rules", "output", "cache", "default_preset", "gen_jobs", "godot",
                   "outputs", "worker", "lora_registry", "gen_launcher"});
  if (const Value* m = doc.find("manifests")) {
    if (m->type == Value::Type::list) {
      for (const auto& item : m->items) project.manifests.push_back(inside_root(root, item, "a manifest folder or file"));
    } else {
      project.manifests.push_back(inside_root(root, *m, "a manifest folder or file (or a list of them)"));
    }
  } else {
    project.manifests.push_back(root / "manifests");
  }
  for (size_t i = 0; i < project.manifests.size(); ++i) {
    std::error_code ec;
    if (!fs::exists(project.manifests[i], ec)) {
      const Value* m = doc.find("manifests");
      if (!m)
        throw InputError(doc.where, "missing required key 'manifests' (the default folder manifests/ does not exist)");
      const Value& at = m->type == Value::Type::list ? m->items[i] : *m;
      throw InputError(at.where, "manifest folder or file '" + at.scalar + "' does not exist");
    }
  }
  if (const Value* v = doc.find("presets")) project.presets_dir = inside_root(root, *v, "a presets folder");
  if (const Value* v = doc.find("rules")) project.rules_dir = inside_root(root, *v, "a rules folder");
  if (const Value* v = doc.find("output")) project.output_dir = inside_root(root, *v, "an output folder");
  apply_variant_environment(project);
  check_output_folder(project, doc.find("output") ? doc.find("output")->where : doc.where);
  if (const Value* v = doc.find("cache")) read_cache_settings(root, *v, project);
  if (const Value* v = doc.find("lora_registry")) project.lora_registry_dir = inside_root(root, *v, "a LoRA registry folder");
  if (const Value* v = doc.find("default_preset")) project.default_preset = as_string(*v);
  if (const Value* v = doc.find("gen_jobs")) {
    int64_t n = as_int(*v);
    if (n < 1 || n > 64) throw InputError(v->where, util::expected_got("gen_jobs between 1 and 64", std::to_string(n)));
    project.gen_jobs = static_cast<int>(n);
  }
  if (const Value* v = doc.find("gen_launcher")) {
    project.gen_launcher = as_string(*v);
    const bool blank = project.gen_launcher.find_first_not_of(" \t") == std::string::npos;
    if (blank || project.gen_launcher.find_first_of("\n\r") != std::string::npos)
      throw InputError(v->where, util::expected_got("gen_launcher: a command on one line (such as \"srun -n1 --gres=gpu:1\")",
                                                    blank ? "an empty one" : "several lines"));
  }
  if (const Value* v = doc.find("godot"))
    throw InputError(v->where, "'godot' was replaced by 'outputs', a list of engine formats: write "
                               "'outputs: [aseprite, texturepacker, tiled, bevy, godot]' for the defaults plus "
                               "Godot .tres files");
  if (const Value* v = doc.find("outputs")) project.outputs = read_outputs(*v);
  if (const Value* v = doc.find("worker")) project.worker = read_worker_settings(*v);
  return project;
}

}  // namespace dgxpx::manifest
