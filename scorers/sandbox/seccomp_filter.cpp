#include "scorers/sandbox/seccomp_filter.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>

namespace rigor::sandbox::detail {
namespace {

// Default allow, deny a list: Python needs a long tail of ordinary syscalls,
// and the namespaces (not this list) are what keeps the program in. The list
// removes the kernel surface a contained program has no use for.
constexpr const char* kDenied[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "pivot_root", "chroot",
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "syslog", "acct", "settimeofday", "clock_settime",
    "clock_adjtime", "adjtimex", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "open_by_handle_at", "name_to_handle_at", "quotactl", "lookup_dcookie", "fanotify_init",
    "move_mount", "open_tree", "fsopen", "fsmount", "fspick", "mount_setattr", "pidfd_getfd",
    "sethostname", "setdomainname", "vhangup", "uselib", "ioperm", "iopl", "modify_ldt",
    "personality", "kcmp"};
// Denied to the program only: the fork server uses the first four to build
// each program's jail (setns to return to its own PID namespace). The rest hold memory that no rlimit counts (pages of
// a memfd or a System V segment stay allocated when unmapped), so that a
// program's processes together could pass the memory limit.
constexpr const char* kDeniedToProgram[] = {"mount", "umount2", "unshare", "setns", "memfd_create", "shmget", "shmat"};

constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS,
                                             CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP};

void check(int rc, const char* what) {
  if (rc < 0) throw std::runtime_error(fmt::format("seccomp: {}: {}", what, std::strerror(-rc)));
}

void deny(scmp_filter_ctx ctx, const char* name) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return;  // not on this architecture
  check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0), name);
}

std::vector<sock_filter> build(FilterKind kind) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) throw std::runtime_error("seccomp: seccomp_init failed");
  struct Free {
    scmp_filter_ctx c;
    ~Free() { seccomp_release(c); }
  } guard{ctx};
  for (const char* name : kDenied) deny(ctx, name);
  // Only local (AF_UNIX) sockets: with the empty network namespace this is
  // belt and braces against connect(), DNS and raw packets.
  check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
                         SCMP_A0(SCMP_CMP_NE, AF_UNIX)),
        "socket");
  // Faking a terminal's input would let a program type into whoever holds it.
  check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                         SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI)),
        "ioctl");
  // glibc falls back from clone3 (whose flags live in memory, out of BPF's
  // reach) to clone when it sees ENOSYS; clone's flags can be checked.
  check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "clone3");
  if (kind == FilterKind::kProgram) {
    for (const char* name : kDeniedToProgram) deny(ctx, name);
    for (unsigned long flag : kNamespaceFlags) {
      check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)),
            "clone");
    }
  }
  // libseccomp 2.5 exports only to a file descriptor.
  int fd = memfd_create("rigor-seccomp", MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error("seccomp: memfd_create failed");
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) {
    close(fd);
    check(rc, "export");
  }
  off_t size = lseek(fd, 0, SEEK_END);
  std::vector<sock_filter> prog(static_cast<size_t>(size) / sizeof(sock_filter));
  ssize_t got = pread(fd, prog.data(), prog.size() * sizeof(sock_filter), 0);
  close(fd);
  if (got != static_cast<ssize_t>(prog.size() * sizeof(sock_filter)) || prog.empty()) {
    throw std::runtime_error("seccomp: could not read the exported filter");
  }
  return prog;
}

}  // namespace

const std::vector<sock_filter>& seccomp_filter(FilterKind kind) {
  static std::once_flag once;
  static std::vector<sock_filter> program, fork_server;
  std::call_once(once, [] {
    program = build(FilterKind::kProgram);
    fork_server = build(FilterKind::kForkServer);
  });
  return kind == FilterKind::kProgram ? program : fork_server;
}

}  // namespace rigor::sandbox::detail
