#include "scorers/sandbox/jail.h"

#include "scorers/sandbox/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace rigor::sandbox::detail {
namespace {

// The staging directory: inside the new mount namespace a tmpfs is mounted
// over it and becomes the jail's root, so the host's /tmp is never touched.
constexpr char kStage[] = "/tmp";
// The uid that jailed programs have outside when rigor runs as root: any
// non-root uid works, because RLIMIT_NPROC does not apply to real root.
constexpr int kOutsideIdWhenRoot = 65534;
constexpr int kStatusFdFloor = 200;

struct Bind {
  std::string src, dst;
  unsigned long locked = 0;  // flags the remount must keep (nosuid, nodev, ...)
  bool file = false;         // a device file rather than a directory
};
struct Link {
  std::string target, path;
};

// Everything the children need, built before clone: after clone only
// async-signal-safe calls are made (the parent may have other threads).
struct Prepared {
  std::vector<std::string> strings;
  std::vector<char*> argv, envp;
  std::vector<Bind> binds;
  std::vector<Link> links;
  std::vector<std::string> dirs;  // to create in the stage
  std::string root_opts, tmp_opts, tmp_dir, old_dir;
  sock_fprog filter{};
  rlimit cpu{}, as{}, fsize{}, nofile{}, nproc{}, core{};
};

unsigned long locked_flags(const std::string& path) {
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) return MS_NOSUID | MS_NODEV;
  unsigned long f = 0;
  if (st.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) f |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

void prepare_fs(Prepared& p, const Limits& limits) {
  namespace fs = std::filesystem;
  std::string stage = kStage;
  // Read-only system directories; on merged-/usr systems bin, lib, ... are
  // symlinks into usr and are recreated as such.
  for (const char* d : {"/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin"}) {
    std::error_code ec;
    auto st = fs::symlink_status(d, ec);
    if (ec || !fs::exists(st)) continue;
    if (fs::is_symlink(st)) {
      p.links.push_back({fs::read_symlink(d, ec).string(), stage + d});
    } else if (fs::is_directory(st)) {
      p.dirs.push_back(stage + d);
      p.binds.push_back({d, stage + d, locked_flags(d) | MS_NOSUID, false});
    }
  }
  p.dirs.push_back(stage + "/etc");  // empty: no passwd, no resolver config
  p.dirs.push_back(stage + "/dev");
  for (const char* dev : {"/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"}) {
    p.binds.push_back({dev, stage + dev, locked_flags("/dev") | MS_NOSUID | MS_NOEXEC, true});
  }
  p.tmp_dir = stage + "/tmp";
  p.dirs.push_back(p.tmp_dir);
  p.old_dir = stage + "/.old";
  p.dirs.push_back(p.old_dir);
  p.root_opts = "size=1m,nr_inodes=256,mode=755";
  p.tmp_opts = fmt::format("size={},nr_inodes={},mode=1777", std::max<size_t>(limits.file_bytes, 4096),
                           std::max(limits.max_tmp_files, 16));
}

void prepare_limits(Prepared& p, const Limits& l, int extra_nproc) {
  rlim_t cpu = static_cast<rlim_t>(std::ceil(std::max(l.cpu_s, 0.001)));
  p.cpu = {cpu, cpu + 1};  // SIGXCPU first, SIGKILL a second later
  p.as = {l.memory_bytes, l.memory_bytes};
  p.fsize = {l.file_bytes, l.file_bytes};
  p.nofile = {static_cast<rlim_t>(l.max_open_files), static_cast<rlim_t>(l.max_open_files)};
  rlim_t nproc = static_cast<rlim_t>(l.max_processes + extra_nproc);
  p.nproc = {nproc, nproc};
  p.core = {0, 0};
}

// --- child side: async-signal-safe only ---------------------------------

[[noreturn]] void fail(int status_fd, const char* stage) {
  int err = errno;
  char buf[160];
  size_t n = 0;
  auto put = [&](const char* s) {
    while (*s && n < sizeof(buf) - 1) buf[n++] = *s++;
  };
  put("E");
  put(stage);
  put(": ");
  put(strerror(err));  // glibc's strerror reads a static table
  (void)!write(status_fd, buf, n);
  _exit(127);
}

pid_t raw_fork(unsigned long flags) {
  // glibc's fork() runs atfork handlers and takes malloc locks that another
  // thread of the harness may hold; the raw syscall does neither.
  return static_cast<pid_t>(syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, 0));
}

void build_root(const Prepared& p, int sfd) {
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail(sfd, "make / private");
  if (mount("tmpfs", kStage, "tmpfs", MS_NOSUID | MS_NODEV, p.root_opts.c_str()) != 0) fail(sfd, "mount root tmpfs");
  for (const auto& d : p.dirs) {
    if (mkdir(d.c_str(), 0755) != 0) fail(sfd, "mkdir in root");
  }
  for (const auto& l : p.links) {
    if (symlink(l.target.c_str(), l.path.c_str()) != 0) fail(sfd, "symlink in root");
  }
  for (const auto& b : p.binds) {
    if (b.file) {
      int fd = open(b.dst.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) fail(sfd, "create device mount point");
      close(fd);
    }
    if (mount(b.src.c_str(), b.dst.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) fail(sfd, "bind mount");
    if (b.file) continue;  // /dev/null must stay writable
    unsigned long ro = MS_BIND | MS_REMOUNT | MS_RDONLY | b.locked;
    if (mount(nullptr, b.dst.c_str(), nullptr, ro, nullptr) != 0) fail(sfd, "remount read-only");
  }
  if (mount("tmpfs", p.tmp_dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, p.tmp_opts.c_str()) != 0) {
    fail(sfd, "mount /tmp");
  }
  if (chdir(kStage) != 0) fail(sfd, "chdir to root");
  if (syscall(SYS_pivot_root, ".", ".old") != 0) fail(sfd, "pivot_root");
  if (chdir("/") != 0) fail(sfd, "chdir /");
  if (umount2("/.old", MNT_DETACH) != 0) fail(sfd, "detach old root");
  if (rmdir("/.old") != 0) fail(sfd, "remove old root");
  if (mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) != 0) {
    fail(sfd, "remount / read-only");
  }
  if (sethostname("sandbox", 7) != 0) fail(sfd, "sethostname");
}

void drop_capabilities(int sfd) {
  // Stay uid 0 of the user namespace (the only mapped id when unprivileged)
  // but with no capabilities, now or after exec.
  if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                   SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                                   SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) != 0) {
    fail(sfd, "securebits");
  }
  for (int cap = 0; cap <= 63; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) fail(sfd, "drop bounding set");
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capset, &hdr, data) != 0) fail(sfd, "capset");
}

[[noreturn]] void run_program(const JailSpec& spec, const Prepared& p, int sfd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  // Move every fd we hand over above the target range before placing them.
  int src[3 + 16];
  int n = 3 + static_cast<int>(spec.extra_fds.size());
  if (n > 3 + 16) fail(sfd, "too many fds");
  int want[3 + 16] = {spec.stdin_fd, spec.stdout_fd, spec.stderr_fd};
  for (size_t i = 0; i < spec.extra_fds.size(); ++i) want[3 + i] = spec.extra_fds[i];
  for (int i = 0; i < n; ++i) {
    src[i] = fcntl(want[i], F_DUPFD_CLOEXEC, 100);
    if (src[i] < 0) fail(sfd, "dup fd");
  }
  for (int i = 0; i < n; ++i) {
    if (dup2(src[i], i) != i) fail(sfd, "dup2");
  }
  // Everything else goes, except the status fd (close-on-exec) for errors.
  if (syscall(SYS_close_range, n, sfd - 1, 0) != 0) fail(sfd, "close_range");
  if (syscall(SYS_close_range, sfd + 1, ~0U, 0) != 0) fail(sfd, "close_range");
  if (chdir(spec.namespaces ? "/tmp" : "/") != 0) fail(sfd, "chdir /tmp");
  // Its own session and process group: kill(0, ...) and a terminal's signals
  // then reach only the program's own processes, never its init, the fork
  // server or rigor. (Without namespaces the program stays in init's group,
  // which is how kill_jail reaches it.)
  if (spec.namespaces && setsid() < 0) fail(sfd, "setsid");
  if (setrlimit(RLIMIT_CPU, &p.cpu) != 0) fail(sfd, "RLIMIT_CPU");
  if (setrlimit(RLIMIT_AS, &p.as) != 0) fail(sfd, "RLIMIT_AS");
  if (setrlimit(RLIMIT_FSIZE, &p.fsize) != 0) fail(sfd, "RLIMIT_FSIZE");
  if (setrlimit(RLIMIT_NOFILE, &p.nofile) != 0) fail(sfd, "RLIMIT_NOFILE");
  if (setrlimit(RLIMIT_NPROC, &p.nproc) != 0) fail(sfd, "RLIMIT_NPROC");
  if (setrlimit(RLIMIT_CORE, &p.core) != 0) fail(sfd, "RLIMIT_CORE");
  if (spec.namespaces && !spec.keep_privileges) drop_capabilities(sfd);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(sfd, "no_new_privs");
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p.filter, 0, 0) != 0) fail(sfd, "seccomp");
  execve(spec.exe.c_str(), p.argv.data(), p.envp.data());
  fail(sfd, "execve");
}

[[noreturn]] void run_init(const JailSpec& spec, const Prepared& p, int sync_fd, int sfd) {
  // Into the program's groups before anything else, so that everything the
  // tree ever allocates or forks is counted. Reported once the parent has
  // finished setting us up, so the error arrives on the status channel.
  int join_err = join_cgroups(spec.cgroup_fds.data(), spec.cgroup_fds.size());
  if (spec.die_with_thread) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  char go = 0;
  if (read(sync_fd, &go, 1) != 1) _exit(126);  // the parent gave up
  close(sync_fd);
  if (join_err != 0) {
    errno = join_err;
    fail(sfd, "join cgroup");
  }
  if (spec.namespaces) {
    // Become the mapped root of the new user namespace (and so, when rigor
    // runs as root, an unprivileged uid outside).
    // Raw syscalls: glibc's set*id wrappers signal every thread the parent
    // had and wait for them, and those threads do not exist here.
    syscall(SYS_setgroups, 0, nullptr);  // refused (and unneeded) when unprivileged
    if (syscall(SYS_setresgid, 0, 0, 0) != 0) fail(sfd, "setresgid");
    if (syscall(SYS_setresuid, 0, 0, 0) != 0) fail(sfd, "setresuid");
    build_root(p, sfd);
  }
  // A session of its own, apart from rigor's process group (and without
  // namespaces, a process group to kill as a whole).
  if (setsid() < 0) fail(sfd, "setsid");
  pid_t child = raw_fork(0);
  if (child < 0) fail(sfd, "fork program");
  if (child == 0) run_program(spec, p, sfd);
  if (syscall(SYS_close_range, 0, sfd - 1, 0) != 0 || syscall(SYS_close_range, sfd + 1, ~0U, 0) != 0) {
    fail(sfd, "close_range in init");
  }
  for (;;) {
    int st = 0;
    pid_t r = waitpid(-1, &st, __WALL);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) _exit(0);
    if (r == child) {
      char msg[1 + sizeof(int)];
      msg[0] = 'S';
      memcpy(msg + 1, &st, sizeof st);
      (void)!write(sfd, msg, sizeof msg);
      if (!spec.namespaces) kill(0, SIGKILL);  // the rest of the process group, and us
      _exit(0);  // as PID 1: the kernel now kills everything left in the namespace
    }
  }
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  f.flush();
  return static_cast<bool>(f);
}

}  // namespace

tl::expected<JailHandle, std::string> start_jail(const JailSpec& spec) {
  auto p = std::make_unique<Prepared>();
  for (const auto& a : spec.argv) p->strings.push_back(a);
  for (const auto& e : spec.env) p->strings.push_back(e);
  for (size_t i = 0; i < spec.argv.size(); ++i) p->argv.push_back(p->strings[i].data());
  p->argv.push_back(nullptr);
  for (size_t i = 0; i < spec.env.size(); ++i) p->envp.push_back(p->strings[spec.argv.size() + i].data());
  p->envp.push_back(nullptr);
  if (spec.namespaces) prepare_fs(*p, spec.limits);
  prepare_limits(*p, spec.limits, spec.extra_nproc);
  const auto& bpf = seccomp_filter(spec.filter);
  p->filter.len = static_cast<unsigned short>(bpf.size());
  p->filter.filter = const_cast<sock_filter*>(bpf.data());

  int sync[2], status[2];
  if (pipe2(sync, O_CLOEXEC) != 0) return tl::unexpected(fmt::format("pipe: {}", strerror(errno)));
  if (pipe2(status, O_CLOEXEC) != 0) {
    close(sync[0]);
    close(sync[1]);
    return tl::unexpected(fmt::format("pipe: {}", strerror(errno)));
  }
  // Keep the status writer at a fixed, high number so the children can close around it.
  int sfd = fcntl(status[1], F_DUPFD_CLOEXEC, kStatusFdFloor);
  close(status[1]);

  unsigned long flags = 0;
  if (spec.namespaces) {
    flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
  }
  pid_t pid = raw_fork(flags);
  if (pid == 0) {
    close(sync[1]);
    close(status[0]);
    run_init(spec, *p, sync[0], sfd);
  }
  int err = errno;
  close(sync[0]);
  close(sfd);
  if (pid < 0) {
    close(sync[1]);
    close(status[0]);
    return tl::unexpected(fmt::format("clone: {}", strerror(err)));
  }
  JailHandle h;
  h.init_pid = pid;
  h.status_fd = status[0];
  if (spec.namespaces) {
    bool root = geteuid() == 0;
    int uid = root ? kOutsideIdWhenRoot : static_cast<int>(geteuid());
    int gid = root ? kOutsideIdWhenRoot : static_cast<int>(getegid());
    std::string proc = fmt::format("/proc/{}/", pid);
    bool ok = (root || write_file(proc + "setgroups", "deny")) &&
              write_file(proc + "uid_map", fmt::format("0 {} 1\n", uid)) &&
              write_file(proc + "gid_map", fmt::format("0 {} 1\n", gid));
    if (!ok) {
      close(sync[1]);
      kill_jail(h);
      close(h.status_fd);
      return tl::unexpected(std::string("cannot write the user namespace's uid/gid maps"));
    }
    h.isolation.user_ns = h.isolation.pid_ns = h.isolation.net_ns = h.isolation.mount_ns = true;
    h.isolation.ipc_ns = h.isolation.uts_ns = true;
  }
  h.isolation.seccomp = true;
  h.isolation.rlimits = true;
  char go = 1;
  (void)!write(sync[1], &go, 1);
  close(sync[1]);
  // The children got their own copy of everything; p can go.
  return h;
}

void kill_jail(const JailHandle& h) {
  if (h.init_pid <= 0) return;
  if (h.isolation.pid_ns) {
    kill(h.init_pid, SIGKILL);  // PID 1 of the namespace: its death kills the rest
  } else {
    kill(-h.init_pid, SIGKILL);  // init called setsid(): its pid is the group id
    kill(h.init_pid, SIGKILL);
  }
}

JailStatus parse_status(const std::string& bytes) {
  JailStatus s;
  if (bytes.empty()) return s;
  if (bytes[0] == 'E') {  // up to a newline: a status may follow the reason
    s.error = bytes.substr(1, bytes.find('\n') == std::string::npos ? std::string::npos : bytes.find('\n') - 1);
    return s;
  }
  if (bytes[0] == 'S' && bytes.size() >= 1 + sizeof(int)) {
    s.have_status = true;
    memcpy(&s.wait_status, bytes.data() + 1, sizeof(int));
    return s;
  }
  s.error = "garbled status from the jail";
  return s;
}

}  // namespace rigor::sandbox::detail
