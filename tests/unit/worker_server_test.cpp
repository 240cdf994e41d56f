// The generation worker's server with a fake generator (no model): batching, one generator per
// model, cancellation, malformed and oversized requests, stale sockets, idle exit.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "compiler/util/error.h"
#include "compiler/worker/connection.h"
#include "compiler/worker/protocol.h"
#include "compiler/worker/server.h"
#include "compiler/worker/unix_socket.h"

namespace fs = std::filesystem;
using namespace dgxpx;
using namespace std::chrono_literals;

namespace {

// What the fake generators saw, shared by all of them.
struct Calls {
  std::mutex mutex;
  std::vector<std::vector<std::string>> batches;  // names per generate_batch call
  int generators_made = 0;
  std::promise<void> first_batch_started;
  bool first_started = false;
  std::shared_future<void> release;  // the first batch blocks until this is ready (when set)
  std::atomic<bool> abandoned{false};  // a batch stopped because its clients left
};

// Paints the spec's seed into every pixel; a prompt of "fail input" / "fail runtime" throws.
class FakeGenerator : public backend::Generator {
 public:
  FakeGenerator(Calls& calls, std::chrono::milliseconds delay) : calls_(calls), delay_(delay) {}
  std::string id() const override { return "fake/1"; }
  pixel::Image generate(const backend::GenSpec& spec) override { return generate_batch({spec}).front(); }
  std::vector<pixel::Image> generate_batch(const std::vector<backend::GenSpec>& specs,
                                           const backend::CancelCheck& cancelled = {}) override {
    bool first = false;
    {
      std::lock_guard lock(calls_.mutex);
      std::vector<std::string> names;
      for (const auto& s : specs) names.push_back(s.name);
      calls_.batches.push_back(names);
      if (!calls_.first_started) {
        calls_.first_started = first = true;
        calls_.first_batch_started.set_value();
      }
    }
    if (first && calls_.release.valid()) calls_.release.wait();
    for (const auto until = std::chrono::steady_clock::now() + delay_; std::chrono::steady_clock::now() < until;) {
      if (cancelled && cancelled()) {
        calls_.abandoned = true;
        throw backend::GenerationCancelled();
      }
      std::this_thread::sleep_for(5ms);
    }
    std::vector<pixel::Image> images;
    for (const auto& s : specs) {
      if (s.prompt == "fail input") throw util::InputError("bad LoRA file for " + s.name);
      if (s.prompt == "fail runtime") throw util::RuntimeFailure("out of memory");
      pixel::Image image(s.width, s.height);
      for (auto& p : image.pixels) p = pixel::Rgba{static_cast<uint8_t>(s.seed), 0, 0, 255};
      images.push_back(std::move(image));
    }
    return images;
  }

 private:
  Calls& calls_;
  std::chrono::milliseconds delay_;
};

backend::GenSpec spec_named(const std::string& name, int64_t seed, const std::string& model = "m.safetensors") {
  backend::GenSpec spec;
  spec.key = "00";
  spec.name = name;
  spec.output = "out.png";
  spec.backend = "fake";
  spec.prompt = "a " + name;
  spec.seed = seed;
  spec.width = 8;
  spec.height = 8;
  spec.model = model;
  return spec;
}

// A server on a socket in a fresh folder, served from a background thread.
class RunningServer {
 public:
  explicit RunningServer(Calls& calls, worker::ServerOptions options = {}, std::chrono::milliseconds delay = 150ms) {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("dgxpx-worker-test-" + std::to_string(rd()));
    fs::create_directories(dir_);
    socket_ = dir_ / "worker.sock";
    server_ = std::make_unique<worker::Server>(options, [&calls, delay](const backend::GenSpec&) {
      std::lock_guard lock(calls.mutex);
      ++calls.generators_made;
      return std::make_unique<FakeGenerator>(calls, delay);
    });
    thread_ = std::thread([this] { served_ = server_->serve_socket(socket_); });
    for (int i = 0; i < 200; ++i) {
      const int fd = worker::connect_unix(socket_);
      if (fd >= 0) {
        ::close(fd);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  ~RunningServer() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  worker::WorkerConnection connect() const {
    const int fd = worker::connect_unix(socket_);
    REQUIRE(fd >= 0);
    return worker::WorkerConnection(fd, fd, 0, "the test worker");
  }
  // A raw socket, for sending bytes no well-behaved client would.
  int raw() const {
    const int fd = worker::connect_unix(socket_);
    REQUIRE(fd >= 0);
    return fd;
  }
  const fs::path& socket() const { return socket_; }
  void join() { thread_.join(); }
  bool served() const { return served_; }

 private:
  fs::path dir_, socket_;
  std::unique_ptr<worker::Server> server_;
  std::thread thread_;
  bool served_ = false;
};

std::string read_header(int fd) {
  worker::FrameStream stream(fd);
  std::string payload;
  REQUIRE(stream.read(payload, worker::kMaxHeaderBytes).status == worker::FrameStream::ReadStatus::ok);
  return payload;
}

}  // namespace

TEST_CASE("concurrent compatible requests share a batch, one generator per model", "[worker]") {
  Calls calls;
  worker::ServerOptions options;
  options.max_batch = 4;
  RunningServer server(calls, options);
  std::vector<std::future<pixel::Image>> results;
  for (int i = 0; i < 8; ++i)
    results.push_back(std::async(std::launch::async, [&server, i] {
      return server.connect().generate(spec_named("s" + std::to_string(i), 10 + i), std::nullopt);
    }));
  for (int i = 0; i < 8; ++i) {
    const pixel::Image image = results[i].get();
    REQUIRE(image.width == 8);
    CHECK(image.pixels[0].r == 10 + i);  // each client gets its own image back
  }
  const auto status = server.connect().status();
  CHECK(status["requests"] == 8);
  CHECK(status["model_loads"] == 1);
  CHECK(calls.generators_made == 1);
  size_t largest = 0;
  for (const auto& b : calls.batches) largest = std::max(largest, b.size());
  CHECK(largest > 1);
  CHECK(largest <= 4);
  CHECK(calls.batches.size() < 8);
}

TEST_CASE("requests that differ in size or model are never batched together", "[worker]") {
  Calls calls;
  RunningServer server(calls);
  std::vector<std::future<pixel::Image>> results;
  for (int i = 0; i < 6; ++i)
    results.push_back(std::async(std::launch::async, [&server, i] {
      backend::GenSpec spec = spec_named("s" + std::to_string(i), i, i % 2 ? "a.safetensors" : "b.safetensors");
      if (i >= 4) spec.width = 16;
      return server.connect().generate(spec, std::nullopt);
    }));
  for (auto& r : results) r.get();
  for (const auto& batch : calls.batches)
    for (const auto& name : batch) {
      const int i = name[1] - '0';
      const int first = batch.front()[1] - '0';
      CHECK(i % 2 == first % 2);      // same model
      CHECK((i >= 4) == (first >= 4));  // same size
    }
  CHECK(calls.generators_made == 2);  // one per model
}

TEST_CASE("a client that disconnects while queued has its request dropped", "[worker]") {
  Calls calls;
  std::promise<void> release;
  calls.release = release.get_future().share();
  auto started = calls.first_batch_started.get_future();
  RunningServer server(calls, {}, 10ms);
  auto blocker = std::async(std::launch::async, [&server] { return server.connect().generate(spec_named("first", 1), std::nullopt); });
  started.wait();
  {
    const int fd = server.raw();  // queue a request behind the blocked batch, then hang up
    worker::Request request{"generate", spec_named("gone", 2), std::nullopt};
    REQUIRE(worker::FrameStream(fd).write(worker::encode_request(request)));
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (server.connect().status()["queued"] != 1 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    REQUIRE(server.connect().status()["queued"] == 1);
    ::close(fd);
  }
  std::this_thread::sleep_for(300ms);  // the server notices within its 50 ms poll
  release.set_value();
  blocker.get();
  const auto status = server.connect().status();
  CHECK(status["cancelled"] == 1);
  for (const auto& batch : calls.batches)
    for (const auto& name : batch) CHECK(name != "gone");
}

TEST_CASE("a running batch whose clients all disconnect is abandoned", "[worker]") {
  Calls calls;
  auto started = calls.first_batch_started.get_future();
  RunningServer server(calls, {}, 3000ms);
  const int fd = server.raw();
  worker::Request request{"generate", spec_named("long", 1), std::nullopt};
  REQUIRE(worker::FrameStream(fd).write(worker::encode_request(request)));
  started.wait();
  ::close(fd);
  const auto deadline = std::chrono::steady_clock::now() + 2s;  // well before its 3 s are up
  while (!calls.abandoned && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  CHECK(calls.abandoned);
  CHECK(server.connect().status()["cancelled"] == 1);
}

TEST_CASE("malformed, oversized and wrong-version requests are rejected, the worker stays up", "[worker]") {
  Calls calls;
  RunningServer server(calls);
  SECTION("not JSON") {
    const int fd = server.raw();
    REQUIRE(worker::FrameStream(fd).write("{not json"));
    const auto header = nlohmann::json::parse(read_header(fd));
    CHECK(header["ok"] == false);
    CHECK(header["error_kind"] == "protocol");
    ::close(fd);
  }
  SECTION("oversized") {
    const int fd = server.raw();
    const uint32_t n = worker::kMaxRequestBytes + 1;
    const unsigned char prefix[4] = {static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
                                     static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
    REQUIRE(::write(fd, prefix, 4) == 4);
    const auto header = nlohmann::json::parse(read_header(fd));
    CHECK(header["ok"] == false);
    CHECK(header["error"].get<std::string>().find("exceeds") != std::string::npos);
    ::close(fd);
  }
  SECTION("another protocol version") {
    const int fd = server.raw();
    REQUIRE(worker::FrameStream(fd).write(R"({"protocol": 99, "type": "status"})"));
    const auto header = nlohmann::json::parse(read_header(fd));
    CHECK(header["ok"] == false);
    CHECK(header["error"].get<std::string>().find("protocol 99") != std::string::npos);
    ::close(fd);
  }
  SECTION("a spec with a negative size") {
    backend::GenSpec spec = spec_named("bad", 1);
    spec.width = -4;
    CHECK_THROWS_WITH(server.connect().generate(spec, std::nullopt), Catch::Contains("size within"));
  }
  SECTION("a frame cut short") {
    const int fd = server.raw();
    REQUIRE(::write(fd, "\0\0\1\0abc", 7) == 7);
    ::close(fd);
  }
  // Still serving.
  const pixel::Image image = server.connect().generate(spec_named("after", 7), std::nullopt);
  CHECK(image.pixels[0].r == 7);
}

TEST_CASE("generator errors reach the client as the step's own error kind", "[worker]") {
  Calls calls;
  RunningServer server(calls, {}, 1ms);
  backend::GenSpec input = spec_named("i", 1);
  input.prompt = "fail input";
  CHECK_THROWS_AS(server.connect().generate(input, std::nullopt), util::InputError);
  backend::GenSpec runtime = spec_named("r", 1);
  runtime.prompt = "fail runtime";
  CHECK_THROWS_WITH(server.connect().generate(runtime, std::nullopt), Catch::Contains("out of memory"));
  CHECK(server.connect().generate(spec_named("ok", 3), std::nullopt).pixels[0].r == 3);
}

TEST_CASE("a stale socket file is replaced, a live one is left to its worker", "[worker]") {
  std::random_device rd;
  const fs::path dir = fs::temp_directory_path() / ("dgxpx-socket-test-" + std::to_string(rd()));
  fs::create_directories(dir);
  const fs::path path = dir / "worker.sock";
  {  // a socket file nobody listens on: what a killed worker leaves
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::close(fd);
  }
  REQUIRE(fs::exists(path));
  CHECK(worker::connect_unix(path) < 0);
  auto listener = worker::UnixListener::open(path);
  REQUIRE(listener);
  const int client = worker::connect_unix(path);
  CHECK(client >= 0);
  ::close(client);
  CHECK_FALSE(worker::UnixListener::open(path));  // live: not taken over
  listener->close();
  CHECK_FALSE(fs::exists(path));
  fs::remove_all(dir);
}

TEST_CASE("an auto-started worker exits when idle and removes its socket", "[worker]") {
  Calls calls;
  worker::ServerOptions options;
  options.idle_exit = 300ms;
  RunningServer server(calls, options, 1ms);
  server.connect().generate(spec_named("one", 1), std::nullopt);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (fs::exists(server.socket()) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  CHECK_FALSE(fs::exists(server.socket()));
}

TEST_CASE("frames round-trip and requests decode strictly", "[worker]") {
  worker::Request request{"generate", spec_named("x", 5), 1234};
  const worker::Request back = worker::decode_request(worker::encode_request(request));
  CHECK(back.type == "generate");
  CHECK(back.spec.name == "x");
  CHECK(back.spec.seed == 5);
  CHECK(back.build_pid == 1234);
  CHECK_THROWS_WITH(worker::decode_request(R"({"protocol":1,"type":"dance"})"), Catch::Contains("expected type"));
  CHECK_THROWS_WITH(worker::decode_request(R"({"protocol":1,"type":"generate"})"), Catch::Contains("spec"));
  CHECK_THROWS_WITH(worker::decode_request(R"({"type":"status"})"), Catch::Contains("protocol"));
  CHECK_THROWS(worker::decode_request(R"({"protocol":1,"type":"generate","spec":{"name":3}})"));
}
