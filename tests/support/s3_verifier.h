#pragma once
// tests/support/s3_verifier.py on 127.0.0.1, started and stopped by a test: an S3 stand-in that
// checks SigV4 signatures (botocore's signer) and payload hashes, for one key pair.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

namespace dgxpx::testing {

class S3Verifier {
 public:
  S3Verifier(const std::string& access_key, const std::string& secret_key, const std::string& region) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("dgxpx-s3-" + std::to_string(rd()) + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "data");
    const std::string script = DGXPX_SOURCE_DIR "/tests/support/s3_verifier.py";
    const std::string port_file = (dir_ / "port").string(), data = (dir_ / "data").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      // Debian's python3, where python3-botocore is installed (another on PATH may lack it).
      const char* python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
      ::execlp(python, python, script.c_str(), data.c_str(), port_file.c_str(), access_key.c_str(),
               secret_key.c_str(), region.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; ++i) {  // up to 10 s (botocore takes a moment to import)
      std::ifstream in(port_file);
      if (!(in >> port_)) port_ = 0;
      if (port_ == 0) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    if (port_ == 0) {
      stop();
      throw std::runtime_error("s3_verifier.py did not start (python3-botocore installed?)");
    }
  }
  ~S3Verifier() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  S3Verifier(const S3Verifier&) = delete;
  S3Verifier& operator=(const S3Verifier&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// Where bucket BUCKET's objects are stored: data/BUCKET/KEY.
  std::filesystem::path data_folder() const { return dir_ / "data"; }
  /// One line per refused request: "METHOD /path CODE: why".
  std::string rejections() const {
    std::ifstream in(dir_ / "rejected");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace dgxpx::testing
