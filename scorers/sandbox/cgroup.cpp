#include "scorers/sandbox/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace rigor::sandbox::detail {
namespace {

// A parent group in one hierarchy, and which of our controllers it has.
struct Hierarchy {
  std::string parent;  // <mount>/<our group>/rigor-<pid>
  bool memory = false;
  bool pids = false;
};

struct State {
  std::mutex mu;
  bool probed = false;
  CgroupSupport support;
  std::vector<Hierarchy> hier;
  pid_t owner = 0;                   // the process that made the parents
  std::vector<std::string> pending;  // groups that were still busy when their program ended
  std::atomic<unsigned long> seq{0};
};

State& state() {
  static State* s = new State;  // never destroyed: the exit handler uses it
  return *s;
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// 0 or errno: the kernel's answer to a control file write is the point.
int write_text(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = write(fd, text.data(), text.size());
  int err = n == static_cast<ssize_t>(text.size()) ? 0 : (n < 0 ? errno : EIO);
  close(fd);
  return err;
}

// "key N" lines (memory.events, pids.events, memory.oom_control).
std::optional<long long> keyed(const std::string& path, const std::string& key) {
  auto text = read_text(path);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  std::string k;
  long long v = 0;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::optional<long long> number(const std::string& path) {
  auto text = read_text(path);
  if (!text) return std::nullopt;
  try {
    return std::stoll(*text);
  } catch (...) {
    return std::nullopt;
  }
}

bool has_word(const std::string& list, const std::string& word, char sep) {
  std::string item;
  std::istringstream in(list);
  while (std::getline(in, item, sep)) {
    if (item == word) return true;
  }
  return false;
}

std::string unescape(const std::string& s) {  // mountinfo writes ' ' as \040
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

struct Mount {
  std::string root, point, type, super;
};

std::vector<Mount> cgroup_mounts() {
  std::vector<Mount> out;
  std::ifstream f("/proc/self/mountinfo");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::vector<std::string> w;
    std::string x;
    while (in >> x) w.push_back(x);
    auto dash = std::find(w.begin(), w.end(), "-");
    if (w.size() < 5 || dash == w.end() || w.end() - dash < 4) continue;
    Mount m{unescape(w[3]), unescape(w[4]), dash[1], dash[3]};
    if (m.type == "cgroup" || m.type == "cgroup2") out.push_back(std::move(m));
  }
  return out;
}

// Our group's directory under a mount, when the mount shows it.
std::optional<std::string> own_dir(const Mount& m, const std::string& path) {
  if (m.root == "/") return m.point + (path == "/" ? "" : path);
  if (path == m.root) return m.point;
  if (path.rfind(m.root + "/", 0) == 0) return m.point + path.substr(m.root.size());
  return std::nullopt;
}

// /proc/self/cgroup as (controllers, path); v2's line has empty controllers.
std::vector<std::pair<std::string, std::string>> own_groups() {
  std::vector<std::pair<std::string, std::string>> out;
  std::ifstream f("/proc/self/cgroup");
  std::string line;
  while (std::getline(f, line)) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    out.emplace_back(line.substr(a + 1, b - a - 1), line.substr(b + 1));
  }
  return out;
}

std::string parent_name() { return fmt::format("rigor-{}", getpid()); }

int make_dir(const std::string& d) { return mkdir(d.c_str(), 0755) == 0 || errno == EEXIST ? 0 : errno; }

tl::expected<std::vector<Hierarchy>, std::string> probe_v2() {
  std::string path;
  for (const auto& [ctl, p] : own_groups()) {
    if (ctl.empty()) path = p;
  }
  if (path.empty()) return tl::unexpected(std::string("no cgroup2 line in /proc/self/cgroup"));
  for (const auto& m : cgroup_mounts()) {
    if (m.type != "cgroup2") continue;
    auto own = own_dir(m, path);
    if (!own) continue;
    auto ctl = read_text(*own + "/cgroup.controllers").value_or("");
    if (!has_word(ctl.substr(0, ctl.find('\n')), "memory", ' ') ||
        !has_word(ctl.substr(0, ctl.find('\n')), "pids", ' ')) {
      return tl::unexpected(fmt::format("cgroup2 at {} offers no memory and pids controllers", *own));
    }
    auto sub = read_text(*own + "/cgroup.subtree_control").value_or("");
    sub = sub.substr(0, sub.find('\n'));
    if (!has_word(sub, "memory", ' ') || !has_word(sub, "pids", ' ')) {
      // Refused (EBUSY) when our own group holds processes: cgroup v2 lets
      // only groups without processes hand controllers to children.
      if (int e = write_text(*own + "/cgroup.subtree_control", "+memory +pids")) {
        return tl::unexpected(fmt::format("cannot enable memory and pids below {}: {}", *own, strerror(e)));
      }
    }
    std::string parent = *own + "/" + parent_name();
    if (int e = make_dir(parent)) return tl::unexpected(fmt::format("mkdir {}: {}", parent, strerror(e)));
    if (int e = write_text(parent + "/cgroup.subtree_control", "+memory +pids")) {
      rmdir(parent.c_str());
      return tl::unexpected(fmt::format("cannot enable memory and pids in {}: {}", parent, strerror(e)));
    }
    return std::vector<Hierarchy>{{parent, true, true}};
  }
  return tl::unexpected(std::string("no cgroup2 mount shows our group"));
}

tl::expected<std::vector<Hierarchy>, std::string> probe_v1() {
  auto mounts = cgroup_mounts();
  auto groups = own_groups();
  std::vector<Hierarchy> out;
  for (const char* want : {"memory", "pids"}) {
    std::optional<std::string> dir;
    for (const auto& [ctl, path] : groups) {
      if (!has_word(ctl, want, ',')) continue;
      for (const auto& m : mounts) {
        if (m.type == "cgroup" && has_word(m.super, want, ',') && (dir = own_dir(m, path))) break;
      }
    }
    if (!dir) return tl::unexpected(fmt::format("no mounted v1 {} hierarchy shows our group", want));
    std::string parent = *dir + "/" + parent_name();
    auto same = std::find_if(out.begin(), out.end(), [&](const Hierarchy& h) { return h.parent == parent; });
    Hierarchy& h = same != out.end() ? *same : out.emplace_back(Hierarchy{parent});
    (std::string(want) == "memory" ? h.memory : h.pids) = true;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (int e = make_dir(out[i].parent)) {
      for (size_t k = 0; k < i; ++k) rmdir(out[k].parent.c_str());
      return tl::unexpected(fmt::format("mkdir {}: {}", out[i].parent, strerror(e)));
    }
  }
  return out;
}

// Removes a group, retrying briefly while its last processes finish exiting.
bool remove_dir(const std::string& d, int tries) {
  for (int i = 0; i < tries; ++i) {
    if (rmdir(d.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

void retry_pending_locked(State& s, int tries) {
  std::erase_if(s.pending, [&](const std::string& d) { return remove_dir(d, tries); });
}

void remove_at_exit() {
  State& s = state();
  std::lock_guard lock(s.mu);
  retry_pending_locked(s, 200);
  if (s.owner != getpid()) return;  // a forked child: the parents are not its own
  for (const auto& h : s.hier) remove_dir(h.parent, 200);
}

void probe_locked(State& s) {
  s.probed = true;
  auto v2 = probe_v2();
  if (v2) {
    s.support.kind = CgroupKind::kV2;
    s.hier = std::move(*v2);
  } else if (auto v1 = probe_v1()) {
    s.support.kind = CgroupKind::kV1;
    s.hier = std::move(*v1);
  } else {
    s.support.why = fmt::format("v2: {}; v1: {}", v2.error(), v1.error());
    return;
  }
  s.owner = getpid();
  std::atexit(remove_at_exit);
}

bool disabled_by_env() {
  const char* v = std::getenv("RIGOR_SANDBOX_CGROUPS");
  return v != nullptr && std::string(v) == "0";
}

}  // namespace

CgroupSupport cgroup_support() {
  if (disabled_by_env()) return {CgroupKind::kNone, "disabled by RIGOR_SANDBOX_CGROUPS=0"};
  State& s = state();
  std::lock_guard lock(s.mu);
  if (!s.probed) probe_locked(s);
  return s.support;
}

std::vector<std::string> cgroup_parent_dirs() {
  State& s = state();
  std::lock_guard lock(s.mu);
  std::vector<std::string> out;
  for (const auto& h : s.hier) out.push_back(h.parent);
  return out;
}

tl::expected<std::unique_ptr<ProgramCgroup>, std::string> ProgramCgroup::create(const Limits& limits) {
  CgroupSupport sup = cgroup_support();
  if (sup.kind == CgroupKind::kNone) return tl::unexpected("no usable cgroups: " + sup.why);
  State& s = state();
  std::vector<Hierarchy> hier;
  {
    std::lock_guard lock(s.mu);
    retry_pending_locked(s, 1);
    hier = s.hier;
  }
  std::unique_ptr<ProgramCgroup> g(new ProgramCgroup);
  g->kind_ = sup.kind;
  std::string name = fmt::format("p{}", s.seq.fetch_add(1));
  for (const auto& h : hier) {
    std::string d = h.parent + "/" + name;
    if (mkdir(d.c_str(), 0755) != 0) return tl::unexpected(fmt::format("mkdir {}: {}", d, strerror(errno)));
    g->dirs_.push_back(d);  // from here on the destructor removes it
    if (h.memory) g->memory_dir_ = d;
    if (h.pids) g->pids_dir_ = d;
  }
  auto set = [](const std::string& file, const std::string& value, bool optional) -> tl::expected<void, std::string> {
    int e = write_text(file, value);
    if (e == 0 || (optional && e == ENOENT)) return {};
    return tl::unexpected(fmt::format("write {} to {}: {}", value, file, strerror(e)));
  };
  std::string mem = std::to_string(limits.memory_bytes);
  std::string pids = std::to_string(std::max(limits.max_processes, 1) + kCgroupPidsSlack);
  tl::expected<void, std::string> ok;
  if (sup.kind == CgroupKind::kV1) {
    // The memory+swap limit must not be below the memory limit: set memory first.
    ok = set(g->memory_dir_ + "/memory.limit_in_bytes", mem, false)
             .and_then([&] { return set(g->memory_dir_ + "/memory.memsw.limit_in_bytes", mem, true); });
  } else {
    ok = set(g->memory_dir_ + "/memory.max", mem, false)
             .and_then([&] { return set(g->memory_dir_ + "/memory.swap.max", "0", true); });
  }
  ok = ok.and_then([&] { return set(g->pids_dir_ + "/pids.max", pids, false); });
  if (!ok) return tl::unexpected(ok.error());
  for (const auto& d : g->dirs_) {
    int fd = open((d + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return tl::unexpected(fmt::format("open {}/cgroup.procs: {}", d, strerror(errno)));
    g->procs_.emplace_back(fd);
  }
  return g;
}

tl::expected<std::unique_ptr<ProgramCgroup>, std::string> program_cgroup(const Limits& limits) {
  if (cgroup_support().kind == CgroupKind::kNone) return std::unique_ptr<ProgramCgroup>();
  return ProgramCgroup::create(limits);
}

ProgramCgroup::~ProgramCgroup() {
  procs_.clear();
  std::vector<std::string> busy;
  for (const auto& d : dirs_) {
    bool gone = false;
    for (int round = 0; round < 5 && !gone; ++round) {
      kill_all();
      gone = remove_dir(d, 10);
    }
    if (!gone) busy.push_back(d);
  }
  if (busy.empty()) return;
  State& s = state();
  std::lock_guard lock(s.mu);
  s.pending.insert(s.pending.end(), busy.begin(), busy.end());
}

std::vector<int> ProgramCgroup::join_fds() const {
  std::vector<int> out;
  for (const auto& f : procs_) out.push_back(f.get());
  return out;
}

bool ProgramCgroup::memory_limit_hit() const {
  if (kind_ == CgroupKind::kV2) return keyed(memory_dir_ + "/memory.events", "oom_kill").value_or(0) > 0;
  if (auto n = keyed(memory_dir_ + "/memory.oom_control", "oom_kill")) return *n > 0;
  return number(memory_dir_ + "/memory.failcnt").value_or(0) > 0;
}

bool ProgramCgroup::pids_limit_hit() const { return keyed(pids_dir_ + "/pids.events", "max").value_or(0) > 0; }

std::optional<size_t> ProgramCgroup::peak_bytes() const {
  auto n = number(memory_dir_ + (kind_ == CgroupKind::kV1 ? "/memory.max_usage_in_bytes" : "/memory.peak"));
  if (!n || *n < 0) return std::nullopt;
  return static_cast<size_t>(*n);
}

void ProgramCgroup::kill_all() const {
  if (kind_ == CgroupKind::kV2 && !dirs_.empty() && write_text(dirs_[0] + "/cgroup.kill", "1") == 0) return;
  // v1 has no kill file. A PID namespace's processes die with its init; this
  // is the belt for a process that is in the group but not in the namespace.
  for (const auto& d : dirs_) {
    std::istringstream in(read_text(d + "/cgroup.procs").value_or(""));
    long pid = 0;
    while (in >> pid) {
      if (pid > 0) kill(static_cast<pid_t>(pid), SIGKILL);
    }
  }
}

int join_cgroups(const int* fds, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (write(fds[i], "0", 1) != 1) return errno != 0 ? errno : EIO;
  }
  return 0;
}

}  // namespace rigor::sandbox::detail
