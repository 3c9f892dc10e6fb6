#!/usr/bin/env python3
"""The fastest a judged HumanEval task can be on this machine when every
candidate gets a fresh forked Python process, against the naive baseline of
build/tests/sandbox_bench (a fresh unisolated python3 per task).

The "ceiling" design keeps everything that costs nothing in CPU and drops
everything else: a long-lived judge host runs the tests in-process (no fork
for the judge), and a pre-imported zygote forks one candidate per task with
NO jail at all (no namespaces, cgroup, seccomp or rlimits), talking rigor's
own wire format (scorers/code/humaneval_judge.cpp). A real sandbox can only
be slower. If this figure is below 2x naive, so is every design that keeps a
fresh candidate process per task.

Usage: tests/bench/sandbox_ceiling.py [seconds per mode, default 8] [rounds, default 3]
Prints, per round: the load, naive and ceiling tasks/s (2 workers each, as
the C++ bench), their ratio, and the ceiling's CPU per task split into the
candidate children, the zygote and the judge host.
"""
import gc
import json
import os
import re
import socket
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = "/usr/bin/python3"
WORKERS = 2


def wire_sources():
    src = open(os.path.join(ROOT, "scorers/code/humaneval_judge.cpp")).read()

    def raw(name):
        return re.search(r'constexpr char %s\[\] = R"PY\((.*?)\)PY";' % name, src, re.S).group(1)

    return raw("kWire").replace("%MAX%", str(16 << 20)), raw("kCandidate")


WIRE, CANDIDATE = wire_sources()
TASKS = [json.loads(line) for line in open(os.path.join(ROOT, "suites/data/humaneval/HumanEval.jsonl"))]


def cpu_ms(t):
    return (t[0] + t[1]) * 1000


def naive_worker(first, deadline, out):
    # One fresh python3 per task: prompt + solution + tests + check().
    d = tempfile.mkdtemp(prefix="rigor_ceiling_")
    files = []
    for i, t in enumerate(TASKS):
        p = os.path.join(d, "he_%d.py" % i)
        with open(p, "w") as f:
            f.write(t["prompt"] + t["canonical_solution"] + "\n\n" + t["test"] + "\n\ncheck(%s)\n" % t["entry_point"])
        files.append(p)
    devnull = os.open(os.devnull, os.O_WRONLY)
    done = failed = 0
    i = first
    while time.monotonic() < deadline:
        pid = os.posix_spawn(PYTHON, ["python3", files[i % len(files)]], os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, st = os.waitpid(pid, 0)
        failed += st != 0
        done += 1
        i += 1
    os.write(out, json.dumps({"done": done, "failed": failed}).encode())


def zygote(ctl, out):
    # Pre-imported like rigor's fork server, threading excluded.
    import bisect, builtins, collections, decimal, fractions, functools, heapq, io, itertools  # noqa: F401
    import math, select, string, struct, traceback, types, typing  # noqa: F401
    code = compile(WIRE + CANDIDATE, "candidate", "exec")
    gc.collect()
    gc.freeze()
    gc.disable()
    while True:
        msg, fds, _, _ = socket.recv_fds(ctl, 1 << 20, 1)
        if not msg:
            break
        if os.fork() == 0:
            try:
                os.setsid()
                os.dup2(fds[0], 3)
                os.closerange(4, 1 << 16)
                gc.enable()
                sys.stdin = io.TextIOWrapper(io.BytesIO(msg))
                exec(code, types.ModuleType("__main__").__dict__)
            finally:
                os._exit(0)
        os.close(fds[0])
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    import resource
    kids, me = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    os.write(out, json.dumps({"children_ms": cpu_ms((kids.ru_utime, kids.ru_stime)),
                              "zygote_ms": cpu_ms((me.ru_utime, me.ru_stime))}).encode())
    os._exit(0)


def judge_host(ctl, first, deadline):
    # The tests run in this process; each call of the candidate crosses the socket.
    wire = {}
    exec(WIRE, wire)
    done = failed = 0
    i = first
    while time.monotonic() < deadline:
        t = TASKS[i % len(TASKS)]
        i += 1
        mine, theirs = socket.socketpair()
        module = t["prompt"] + t["canonical_solution"]
        socket.send_fds(ctl, [(t["entry_point"] + "\n" + module).encode()], [theirs.fileno()])
        theirs.close()
        fd = mine.detach()
        if fd != 3:
            os.dup2(fd, 3)
            os.close(fd)

        def candidate(*args, **kwargs):
            wire["_r_send"](["call", wire["_r_enc"](list(args)), wire["_r_enc"](kwargs)])
            reply = wire["_r_recv"]()
            if reply[0] != "ret":
                raise RuntimeError(reply)
            return reply[1]

        try:
            if wire["_r_recv"]() != ["ready"]:
                raise RuntimeError("no greeting")
            g = {"__name__": "__rigor_tests__", "__builtins__": __builtins__}
            exec(compile(t["prompt"], "prompt.py", "exec"), g)
            exec(compile(t["test"], "test.py", "exec"), g)
            g[t["entry_point"]] = candidate
            g["check"](candidate)
        except Exception:
            failed += 1
        os.close(3)
        done += 1
    return done, failed


def ceiling_worker(first, deadline, out):
    ctl, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    r, w = os.pipe()
    z = os.fork()
    if z == 0:
        ctl.close()
        os.close(r)
        zygote(theirs, w)
    theirs.close()
    os.close(w)
    t0 = os.times()
    done, failed = judge_host(ctl, first, deadline)
    t1 = os.times()
    ctl.close()
    zy = json.loads(os.read(r, 4096))
    os.waitpid(z, 0)
    os.write(out, json.dumps({"done": done, "failed": failed, "judge_ms": cpu_ms((t1.user - t0.user, t1.system - t0.system)),
                              **zy}).encode())


def run(worker, seconds):
    deadline = time.monotonic() + seconds
    start = time.monotonic()
    pipes, pids = [], []
    for k in range(WORKERS):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                worker(k * len(TASKS) // WORKERS, deadline, w)
            finally:
                os._exit(0)
        os.close(w)
        pipes.append(r)
        pids.append(pid)
    results = []
    for r, pid in zip(pipes, pids):
        data = b""
        while True:
            b = os.read(r, 65536)
            if not b:
                break
            data += b
        os.waitpid(pid, 0)
        results.append(json.loads(data))
    wall = time.monotonic() - start
    total = {k: sum(x[k] for x in results) for k in results[0]}
    return total["done"] / wall, total


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 8
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print("round  load1  naive/s  ceiling/s  ratio  per task CPU ms: candidate  zygote  judge  (failed: naive, ceiling)")
    for n in range(rounds):
        load = os.getloadavg()[0]
        naive, nt = run(naive_worker, seconds)
        ceiling, ct = run(ceiling_worker, seconds)
        d = ct["done"]
        print("%5d  %5.2f  %7.1f  %9.1f  %5.2f  %26.1f  %6.1f  %5.1f  (%d, %d)" % (
            n + 1, load, naive, ceiling, ceiling / naive, ct["children_ms"] / d, ct["zygote_ms"] / d,
            ct["judge_ms"] / d, nt["failed"], ct["failed"]))


if __name__ == "__main__":
    main()
