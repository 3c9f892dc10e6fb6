// The fork server's Python side. It runs as root of its own user namespace
// (with the fork-server seccomp filter) inside a jail with no network and a
// read-only root. Per program it forks C, which makes a fresh PID, mount and
// IPC namespace with its own /tmp and forks D (PID 1 there); D forks E, the
// program, which drops every capability, takes its rlimits and the program
// seccomp filter, and runs the source as __main__. C hands the harness a
// pidfd of D: killing D kills the program's whole namespace.
//
// Protocol on fd 3 (SOCK_SEQPACKET): the harness sends
//   "cpu_s as_bytes fsize_bytes nproc nofile tmp_bytes tag tmp_inodes" + fds [source, stdin, stdout, stderr, status]
// (+ [channel] for one side of a judged run: it becomes the program's fd 3)
// and C answers "P<tag>" + [pidfd of D], or "E<tag> <reason>". Requests
// are served as they come, so answers to several may arrive in any order. D writes "S" + the
// program's wait status (native int) to the status fd when E ends. D and E
// each start a session of their own, so that a program's kill(0, ...)
// reaches only its own processes.
#include "scorers/sandbox/python_runner.h"

namespace rigor::sandbox::detail {

const char* fork_server_source() {
  return R"PY(import os, sys, socket, ctypes, resource, types, traceback, builtins, signal, atexit, threading, gc
import collections, math, itertools, functools, heapq, bisect, re, string, typing, fractions, decimal
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWIPC = 0x00020000, 0x20000000, 0x08000000
MS_NOSUID, MS_NODEV = 2, 4

def read_all(fd):
    parts = []
    while True:
        b = os.pread(fd, 1 << 20, sum(map(len, parts)))
        if not b:
            return b"".join(parts)
        parts.append(b)

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
    check(libc.prctl(28, 0x1 | 0x2 | 0x4 | 0x8 | 0x20 | 0x40 | 0x80, 0, 0, 0), "securebits")
    for cap in range(64):
        if libc.prctl(24, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:
            check(-1, "capbset")
    libc.prctl(47, 4, 0, 0, 0)
    data = (CapData * 2)()
    check(libc.capset(ctypes.byref(CapHeader(0x20080522, 0)), data), "capset")
    check(libc.prctl(38, 1, 0, 0, 0), "no_new_privs")
    check(libc.prctl(22, 2, ctypes.byref(FPROG), 0, 0), "seccomp")

def exit_code(e):
    c = e.code
    if c is None:
        return 0
    if isinstance(c, int):
        return c & 0xff
    try:
        sys.stderr.write(str(c) + "\n")
    except Exception:
        pass
    return 1

def program(src_fd, io, channel, lim):
    os.setsid()
    src = read_all(src_fd)
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
        exec(compile(src, "solution.py", "exec"), m.__dict__)
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

def init(fds, lim):
    # As PID 1 with default dispositions, signals from the program are
    # ignored; Python's own SIGINT handler would let it kill us instead. Reset
    # it before the fork: a program that signals PID 1 at once must not find
    # the handler still there (a race CI hit).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # D reaps its children itself
    os.setsid()
    e = os.fork()
    if e == 0:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        gc.enable()
        try:
            program(fds[0], fds[1:4], fds[5] if len(fds) > 5 else None, lim)
        except BaseException:
            os._exit(125)
    st = os.dup2(fds[4], 0)
    os.closerange(1, 1 << 16)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        if pid == e:
            os.write(st, b"S" + status.to_bytes(4, sys.byteorder, signed=True))
            os._exit(0)

def spawn(fds, lim):
    try:
        check(libc.unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC), "unshare")
        opts = b"size=%d,nr_inodes=%d,mode=1777" % (max(lim[5], 4096), max(lim[7], 16))
        check(libc.mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, opts), "mount /tmp")
        d = os.fork()
        if d == 0:
            try:
                init(fds, lim)
            finally:
                os._exit(125)
        pidfd = os.pidfd_open(d)
        socket.send_fds(ctl, [b"P%d" % lim[6]], [pidfd])
        os._exit(0)
    except BaseException as e:
        try:
            ctl.send(b"E%d %s" % (lim[6], repr(e).encode()))
        finally:
            os._exit(1)

# The server never waits for its children: C sends its answer and exits,
# and the kernel reaps it, so the next request (a judged run's second
# program) is served at once. The objects every child inherits are frozen
# out of the collector, so that no child copies pages just to scan them.
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
gc.collect()
gc.freeze()
gc.disable()
while True:
    try:
        msg, fds, _, _ = socket.recv_fds(ctl, 4096, 8)
    except InterruptedError:
        continue
    if not msg:
        os._exit(0)
    lim = [int(x) for x in msg.split()]
    c = os.fork()
    if c == 0:
        spawn(fds, lim)
    for fd in fds:
        os.close(fd)
)PY";
}

}  // namespace rigor::sandbox::detail
