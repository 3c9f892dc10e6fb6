// The fork server's Python side. It runs as root of its own user namespace
// (with the fork-server seccomp filter) inside a jail with no network and a
// read-only root. Per program it forks one process, E, as PID 1 of a fresh
// PID namespace; E makes its own mount and IPC namespaces with a private
// /tmp, drops every capability, takes its rlimits and the program seccomp
// filter, and runs the source as __main__. The harness gets a pidfd of E:
// killing E kills the program's whole namespace.
//
// Protocol on fd 3 (SOCK_SEQPACKET): the harness sends
//   "cpu_s as_bytes fsize_bytes nproc nofile tmp_bytes tag tmp_inodes trusted channel groups"
//   + fds [source, stdin, stdout, stderr, status] (+ [channel] when "channel" is 1: one side of a
//   judged run, it becomes the program's fd 3) (+ "groups" cgroup.procs fds: the program joins
//   each first thing, so its whole tree is counted in its cgroup)
// ("trusted" 1: the source is rigor's own runner code, which the server
// compiles once and keeps; model code is only ever compiled in its jail)
// and the server answers "P<tag>" + [pidfd of E], or "E<tag> <reason>".
// Requests are served as they come, so answers to several may arrive in any
// order. When E ends, the server writes "S" + its wait status (native int)
// to the status fd and closes it; a failure to set up E's jail arrives there
// first as "E" + reason + newline. E starts a session of its own, so that a
// program's kill(0, ...) reaches only its own processes.
#include <string>

#include "scorers/sandbox/python_runner.h"

namespace rigor::sandbox::detail {

const char* fork_server_source() {
  static const std::string source = std::string(resident_prelude()) + R"PY(import select, ctypes, resource, types, signal, atexit
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWIPC = 0x00020000, 0x20000000, 0x08000000
MS_NOSUID, MS_NODEV = 2, 4

BPF = read_all(4)
os.close(4)
class Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
BPF_BUF = ctypes.create_string_buffer(BPF, len(BPF))
FPROG = Fprog(len(BPF) // 8, ctypes.addressof(BPF_BUF))
class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
class CapData(ctypes.Structure):
    _fields_ = [("eff", ctypes.c_uint32), ("perm", ctypes.c_uint32), ("inh", ctypes.c_uint32)]
ctl = socket.socket(fileno=3)

def check(rc, what):
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, what + ": " + os.strerror(e))

def enter_program(lim):
    cpu, mem, fsize, nproc, nofile = lim[:5]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # No capabilities now or after exec: the same steps as the C++ jail.
    # The bounding set was emptied once in the server (below) and is
    # inherited.
    check(libc.prctl(28, 0x1 | 0x2 | 0x4 | 0x8 | 0x20 | 0x40 | 0x80, 0, 0, 0), "securebits")
    libc.prctl(47, 4, 0, 0, 0)
    data = (CapData * 2)()
    check(libc.capset(ctypes.byref(CapHeader(0x20080522, 0)), data), "capset")
    check(libc.prctl(38, 1, 0, 0, 0), "no_new_privs")
    check(libc.prctl(22, 2, ctypes.byref(FPROG), 0, 0), "seccomp")

# Empty the bounding set once, here: every program is forked from this
# process and inherits it, and the server itself never executes a file, so
# its own capabilities (still needed for namespaces and mounts) are not
# affected.
for cap in range(64):
    if libc.prctl(24, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:
        check(-1, "capbset")

def program(src_fd, io, channel, lim, compiled):
    os.setsid()
    src = read_all(src_fd) if compiled is None else None
    for i, fd in enumerate(io):
        os.dup2(fd, i)
    if channel is not None:
        os.dup2(channel, 3)
        os.closerange(4, 1 << 16)
    else:
        os.closerange(3, 1 << 16)
    os.chdir("/tmp")
    enter_program(lim)
    m = types.ModuleType("__main__")
    m.__file__ = "solution.py"
    m.__builtins__ = builtins
    sys.modules["__main__"] = m
    sys.argv = ["solution.py"]
    code = 0
    try:
        exec(compile(src, "solution.py", "exec") if compiled is None else compiled, m.__dict__)
    except SystemExit as e:
        code = exit_code(e)
    except BaseException:
        traceback.print_exc()
        code = 1
    # What the interpreter does at exit: wait for threads, run atexit, flush.
    try:
        if "threading" in sys.modules:
            sys.modules["threading"]._shutdown()
        atexit._run_exitfuncs()
    except SystemExit as e:
        code = exit_code(e)
    except BaseException:
        traceback.print_exc()
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            code = code or 120
    os._exit(code)

def start_program(fds, lim, compiled):
    # This process is PID 1 of a fresh PID namespace: when it ends, the
    # kernel kills everything left in it. It was forked into mount and IPC
    # namespaces of its own, with a private /tmp; it joins its cgroups, then
    # becomes the program. A setup failure is reported on the status channel
    # ("E" + reason + newline).
    try:
        for fd in fds[5 + lim[9]:5 + lim[9] + lim[10]]:
            os.write(fd, b"0")
            os.close(fd)
        gc.enable()
    except BaseException as e:
        try:
            os.write(fds[4], b"E" + repr(e).encode() + b"\n")
        finally:
            os._exit(125)
    try:
        program(fds[0], fds[1:4], fds[5] if lim[9] else None, lim, compiled)
    except BaseException:
        os._exit(125)

# Per program the server makes one process, E, and E is the program: the
# server unshares a PID namespace for its next child and mount and IPC
# namespaces for itself, mounts the program's private /tmp, forks E as the
# PID namespace's PID 1, and joins its own namespaces again (setns on
# pidfds of itself and of an anchor child that holds the server's own mount
# and IPC namespaces). One fork of this interpreter per program, and
# as little Python as possible in it: on a machine where a copy-on-write
# fault is dear, each page a child touches first costs tens of µs.
#
# The server reaps E itself (E's parent is the server) and writes "S" + the
# wait status to the status fd, then closes it. E is PID 1 of its namespace,
# so a signal with the default action that it sends itself, or that the
# kernel sends at the CPU soft limit (SIGXCPU), is ignored; the hard limit a
# second later kills it with SIGKILL. A SIGKILL after the CPU limit was used
# is reported as SIGXCPU, the limit that ended it.
SELF = os.pidfd_open(os.getpid())

# A child that only waits, in the server's own mount and IPC namespaces:
# setns on its pidfd brings the server back to them after each program
# (the jail's init holds them too, but its pidfd may not be used for that).
def anchor():
    pid = os.fork()
    if pid == 0:
        try:
            os.closerange(0, 1 << 16)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: it ends with the server
            while True:
                signal.pause()
        finally:
            os._exit(0)
    return os.pidfd_open(pid)

HOME = anchor()
running = {}  # pidfd -> (pid, status fd, CPU limit in s)

# Compiled runner code by source, kept for the server's life (rigor has a
# handful of runners). Frozen out of the collector like everything else the
# children inherit.
runners = {}

def runner_code(src_fd):
    src = read_all(src_fd)
    code = runners.get(src)
    if code is None:
        if len(runners) >= 32:
            raise ValueError("more than 32 trusted runner sources")
        code = runners[src] = compile(src, "solution.py", "exec")
        gc.freeze()
    return code

def spawn(fds, lim):
    code = runner_code(fds[0]) if len(lim) > 8 and lim[8] == 1 else None
    opts = b"size=%d,nr_inodes=%d,mode=1777" % (max(lim[5], 4096), max(lim[7], 16))
    check(libc.unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC), "unshare")
    try:
        check(libc.mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, opts), "mount /tmp")
        e = os.fork()
        if e == 0:
            start_program(fds, lim, code)
            os._exit(125)
    finally:
        # A server left in this program's namespaces would hand its /tmp to
        # the next program: it ends instead, and rigor starts another.
        if libc.setns(HOME, CLONE_NEWNS | CLONE_NEWIPC) != 0 or libc.setns(SELF, CLONE_NEWPID) != 0:
            os._exit(3)
    pidfd = os.pidfd_open(e)
    running[pidfd] = (e, os.dup(fds[4]), lim[0])
    poller.register(pidfd, select.POLLIN)
    socket.send_fds(ctl, [b"P%d" % lim[6]], [pidfd])

def reap(pidfd):
    pid, st_fd, cpu = running.pop(pidfd)
    poller.unregister(pidfd)
    os.close(pidfd)
    _, status, ru = os.wait4(pid, 0)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL and ru.ru_utime + ru.ru_stime >= cpu:
        status = signal.SIGXCPU
    try:
        os.write(st_fd, b"S" + status.to_bytes(4, sys.byteorder, signed=True))
    except OSError:
        pass  # the harness has gone
    os.close(st_fd)

# What a program expects of SIGINT (KeyboardInterrupt) and SIGCHLD (its
# children wait()-able), whatever rigor's caller ignored; set here once
# rather than in every child, where each first touch is a copied page.
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGCHLD, signal.SIG_DFL)

# The objects every child inherits are frozen out of the collector, so that
# no child copies pages just to scan them.
gc.collect()
gc.freeze()
gc.disable()
poller = select.poll()
poller.register(ctl, select.POLLIN)
while True:
    try:
        ready = poller.poll()
    except InterruptedError:
        continue
    for fd, _ in ready:
        if fd in running:
            reap(fd)
            continue
        try:
            msg, fds, _, _ = socket.recv_fds(ctl, 4096, 8)
        except InterruptedError:
            continue
        if not msg:
            os._exit(0)
        lim = [int(x) for x in msg.split()]
        try:
            spawn(fds, lim)
        except BaseException as e:
            ctl.send(b"E%d %s" % (lim[6], repr(e).encode()))
        for f in fds:
            os.close(f)
)PY";
  return source.c_str();
}

}  // namespace rigor::sandbox::detail
