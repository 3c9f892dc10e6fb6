#include "harness/launch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <thread>

#include <fmt/format.h>

namespace rigor {

namespace {

using Clock = std::chrono::steady_clock;

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

// One GET; true on a 2xx answer. Health endpoints differ in body (vLLM
// answers an empty 200, llama-server JSON), so only the status counts.
bool healthy(const std::string& url) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
  if (!easy) return false;
  auto discard = +[](char*, size_t size, size_t count, void*) -> size_t { return size * count; };
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT_MS, 1000L);
  if (curl_easy_perform(easy.get()) != CURLE_OK) return false;
  long status = 0;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  return status >= 200 && status < 300;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  return "stopped";
}

}  // namespace

std::string substitute_port(const std::string& text, int port) {
  static const std::string kToken = "{port}";
  std::string out = text;
  const std::string value = std::to_string(port);
  for (size_t pos = out.find(kToken); pos != std::string::npos; pos = out.find(kToken, pos + value.size())) {
    out.replace(pos, kToken.size(), value);
  }
  return out;
}

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(fmt::format("socket: {}", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    close(fd);
    throw std::runtime_error(fmt::format("cannot find a free loopback port: {}", std::strerror(err)));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string tail_of_file(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const auto size = static_cast<size_t>(in.tellg());
  const size_t from = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(from));
  std::string out(size - from, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return out;
}

LaunchedEngine::LaunchedEngine(LaunchSpec spec) {
  if (spec.command.empty()) throw LaunchError("launch: the command is empty");
  if (spec.health_url.empty()) throw LaunchError("launch: health_url is empty");
  if (spec.startup_timeout_s <= 0) throw LaunchError("launch: startup_timeout_s must be > 0");
  if (spec.port_from_log.empty()) {
    for (auto& a : spec.command) a = substitute_port(a, spec.port);
    port_ = spec.port;
  }
  std::string url = spec.port_from_log.empty() ? substitute_port(spec.health_url, spec.port) : "";
  const std::regex port_line(spec.port_from_log);  // used only when set
  const std::string cmdline = joined(spec.command);

  if (spec.log_path.empty()) {
    std::string templ = (std::filesystem::temp_directory_path() / "rigor-engine-XXXXXX.log").string();
    int fd = mkstemps(templ.data(), 4);
    if (fd < 0) throw LaunchError(fmt::format("launch: cannot create a log file: {}", std::strerror(errno)));
    close(fd);
    log_path_ = templ;
    temp_log_ = true;
  } else {
    log_path_ = spec.log_path;
  }
  const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw LaunchError(fmt::format("launch: cannot write {}: {}", log_path_, std::strerror(errno)));

  std::vector<char*> argv;
  for (auto& a : spec.command) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t parent = getpid();
  const auto t0 = Clock::now();
  pid_ = fork();
  if (pid_ < 0) {
    close(log_fd);
    throw LaunchError(fmt::format("launch: fork failed: {}", std::strerror(errno)));
  }
  if (pid_ == 0) {
    // Own process group, so stop() reaches whatever the engine spawns
    // (vLLM's workers, a shell's children).
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execvp(argv[0], argv.data());
    dprintf(STDERR_FILENO, "cannot execute %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  // Also from the parent: a stop() right after fork must find the group.
  setpgid(pid_, pid_);
  close(log_fd);

  // Why the start failed, with the log's tail. A temporary log is removed
  // here, so the message does not send the reader to its path.
  auto error = [&](const std::string& why) {
    std::string where = temp_log_ ? "the end of its log" : fmt::format("its log ({})", log_path_);
    LaunchError e(fmt::format("the engine ({}) {}; {}:\n{}", cmdline, why, where, tail_of_file(log_path_)));
    if (temp_log_) std::filesystem::remove(log_path_);
    return e;
  };
  auto fail = [&](const std::string& why) {
    stop(2);
    throw error(why);
  };
  const auto deadline = t0 + std::chrono::duration<double>(spec.startup_timeout_s);
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      // The leader is gone and reaped; its group may live on.
      const pid_t group = pid_;
      pid_ = -1;
      kill(-group, SIGKILL);
      throw error(describe_status(status) + " before it was healthy");
    }
    if (url.empty()) {  // the port is still to be read from the log
      std::smatch m;
      const std::string log = tail_of_file(log_path_, 64 * 1024);
      if (std::regex_search(log, m, port_line) && m.size() > 1) {
        port_ = std::stoi(m[1].str());
        url = substitute_port(spec.health_url, port_);
      }
    }
    if (!url.empty() && healthy(url)) break;
    if (Clock::now() >= deadline) {
      fail(url.empty() ? fmt::format("did not say its port (/{}/) within {:g} s", spec.port_from_log,
                                     spec.startup_timeout_s)
                       : fmt::format("was not healthy at {} within {:g} s", url, spec.startup_timeout_s));
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(spec.poll_interval_s));
  }
  startup_s_ = std::chrono::duration<double>(Clock::now() - t0).count();
}

LaunchedEngine::~LaunchedEngine() {
  stop();
  if (temp_log_ && !log_path_.empty()) {
    std::error_code ignored;
    std::filesystem::remove(log_path_, ignored);
  }
}

void LaunchedEngine::stop(double grace_s) {
  if (pid_ <= 0) return;
  const pid_t group = pid_;
  pid_ = -1;
  kill(-group, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::duration<double>(grace_s);
  bool reaped = false;
  while (Clock::now() < deadline) {
    if (waitpid(group, nullptr, WNOHANG) == group) {
      reaped = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Whatever is left of the group (children that ignored SIGTERM) goes now.
  kill(-group, SIGKILL);
  if (!reaped) waitpid(group, nullptr, 0);
}

}  // namespace rigor
