// The judge host's Python side. It runs trusted judge code only (rigor's
// runner with the dataset's tests), one task after another in one long-lived
// interpreter, inside a jail of its own (no network, read-only root, the
// program seccomp filter, no capabilities). A task never forks this process:
// on a machine where a copy-on-write fault is dear, a forked judge cost as
// much CPU as the candidate it judged.
//
// Protocol on fd 3 (SOCK_SEQPACKET), moved to fd 10 at start: the harness
// sends "J" + fds [source, stdin, stdout, stderr, status, channel]. The task
// runs with those as fds 0, 1, 2 and 3 (the channel to the candidate, whose
// jail is elsewhere) and the source as __main__ in fresh globals. When it
// ends, its fds are closed and the host writes "S" + a wait status (native
// int: the exit code << 8) to the status fd and closes it, as a jail does.
// A task that does not end with status 0 retires the host (it exits after
// reporting), so that nothing an abnormal task left behind meets the next;
// the harness also replaces a host after a number of tasks.
// Between tasks, fds 0-3 are /dev/null: a received fd never lands on them.
#include <string>

#include "scorers/sandbox/python_runner.h"

namespace rigor::sandbox::detail {

const char* judge_host_source() {
  static const std::string source = std::string(resident_prelude()) + R"PY(CTL, DEVNULL, STATUS = 10, 11, 12
os.dup2(3, CTL)
os.dup2(os.open("/dev/null", os.O_RDWR), DEVNULL)
for fd in range(4):
    os.dup2(DEVNULL, fd)
os.closerange(STATUS, 1 << 16)
os.closerange(4, CTL)
ctl = socket.socket(fileno=CTL)
codes = {}

def code_of(fd):
    src = read_all(fd)
    code = codes.get(src)
    if code is None:
        if len(codes) >= 32:
            codes.clear()
        code = codes[src] = compile(src, "solution.py", "exec")
    return code

def run_task(fds):
    status = 125
    os.dup2(fds[4], STATUS)
    try:
        code = code_of(fds[0])
        for i, fd in enumerate((fds[1], fds[2], fds[3], fds[5])):
            os.dup2(fd, i)
        for fd in fds:
            os.close(fd)
        g = {"__name__": "__main__", "__builtins__": builtins}
        try:
            exec(code, g)
            status = 0
        except SystemExit as e:
            status = exit_code(e)
        except BaseException:
            traceback.print_exc()
            status = 1
        del g
    except BaseException:
        status = 125
    # The task's own stdout and stderr, and the host's (a task may have
    # replaced them, leaving output in the originals' buffers).
    for f in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            f.flush()
        except Exception:
            status = status or 120
    sys.stdout, sys.stderr, sys.stdin = sys.__stdout__, sys.__stderr__, sys.__stdin__
    for fd in range(4):
        os.dup2(DEVNULL, fd)
    # Whatever else the task opened (e.g. a duplicate of its stdout).
    os.closerange(4, CTL)
    os.closerange(STATUS + 1, 1 << 16)
    try:
        os.write(STATUS, b"S" + (status << 8).to_bytes(4, sys.byteorder, signed=True))
        os.close(STATUS)
    except OSError:
        return 125  # the harness has gone, or the task closed the status fd
    return status

gc.collect()
while True:
    try:
        msg, fds, _, _ = socket.recv_fds(ctl, 64, 8)
    except InterruptedError:
        continue
    if not msg:
        break
    if msg != b"J" or len(fds) != 6:
        os._exit(2)
    if run_task(fds) != 0:
        break
os._exit(0)
)PY";
  return source.c_str();
}

}  // namespace rigor::sandbox::detail
