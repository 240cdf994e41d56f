#pragma once
// The real nginx (Debian's, whose WebDAV module takes PUT) on 127.0.0.1, started and stopped by
// a test, serving a folder as a remote cache:
//   /cache/...   GET and HEAD for anyone; PUT only with "Authorization: Bearer <token>"
//   /netrc/...   GET and HEAD for anyone; PUT with basic auth "ci:<token>" (as from ~/.netrc)
//   /small/...   like /cache/, but refusing any PUT body over 1 KiB (413)
//   /broken/...  every request answered 500
// One process (no master), its config, logs and data in a temp folder.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
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

/// A loopback port nothing listens on (the kernel picked it free a moment ago).
inline int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("cannot pick a free loopback port");
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool accepts_connections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

/// A server that accepts connections (the kernel completes them into its backlog) and never
/// answers: what a hung cache server looks like to a client.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 64) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("cannot listen on loopback");
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class NginxServer {
 public:
  explicit NginxServer(std::string token) : token_(std::move(token)) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("dgxpx-nginx-" + std::to_string(rd()) + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "data" / "cache");
    std::filesystem::create_directories(dir_ / "body");
    std::ofstream(dir_ / "htpasswd") << "ci:{PLAIN}" << token_ << "\n";
    // A port taken between picking and binding (another test) fails the start: try again.
    for (int attempt = 0; attempt < 5 && pid_ <= 0; ++attempt) start(free_loopback_port());
    if (pid_ <= 0) throw std::runtime_error("nginx did not start; see " + (dir_ / "error.log").string());
  }
  ~NginxServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& location = "cache") const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + location;
  }
  /// The folder /cache/ serves: the remote cache's objects as files.
  std::filesystem::path cache_folder() const { return dir_ / "data" / "cache"; }
  /// Lines of the access log: "METHOD /path STATUS".
  std::string access_log() const {
    std::ifstream in(dir_ / "access.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  void start(int port) {
    port_ = port;
    const std::string d = dir_.string();
    std::ofstream(dir_ / "nginx.conf")
        << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << d << "/nginx.pid;\n"
        << "error_log " << d << "/error.log warn;\nevents { worker_connections 256; }\n"
        << "http {\n"
        << "  log_format requests '$request_method $uri $status';\n"
        << "  access_log " << d << "/access.log requests;\n"
        << "  client_body_temp_path " << d << "/body;\n  proxy_temp_path " << d << "/body;\n"
        << "  fastcgi_temp_path " << d << "/body;\n  uwsgi_temp_path " << d << "/body;\n  scgi_temp_path " << d
        << "/body;\n"
        << "  client_max_body_size 64m;\n"
        << "  map \"$request_method $http_authorization\" $write_refused {\n"
        << "    default 1;\n    \"~^(GET|HEAD) \" 0;\n    \"PUT Bearer " << token_ << "\" 0;\n  }\n"
        << "  server {\n    listen 127.0.0.1:" << port << ";\n    root " << d << "/data;\n"
        << "    location /cache/ {\n      if ($write_refused) { return 401; }\n"
        << "      dav_methods PUT;\n      create_full_put_path on;\n    }\n"
        << "    location /netrc/ {\n      limit_except GET HEAD { auth_basic cache; auth_basic_user_file " << d
        << "/htpasswd; }\n      dav_methods PUT;\n      create_full_put_path on;\n    }\n"
        << "    location /small/ {\n      if ($write_refused) { return 401; }\n      client_max_body_size 1k;\n"
        << "      dav_methods PUT;\n      create_full_put_path on;\n    }\n"
        << "    location /broken/ { return 500; }\n  }\n}\n";
    pid_t pid = ::fork();
    if (pid == 0) {
      const char* nginx = std::filesystem::exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
      ::execlp(nginx, nginx, "-p", d.c_str(), "-c", (d + "/nginx.conf").c_str(), "-e", (d + "/error.log").c_str(),
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 100; ++i) {  // up to 5 s
      if (accepts_connections(port)) {
        pid_ = pid;
        return;
      }
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) return;  // exited: port taken, or no nginx
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }

  std::string token_;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace dgxpx::testing
