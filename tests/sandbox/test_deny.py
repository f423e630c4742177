"""Deny battery, part 1: secrets, the file system, the network, processes and signals.

Each test is a hostile submission that must fail; ``sandbox/THREATS.md`` names the
layer(s) that stop it.  Where one layer alone stops an attack, a control run in a
sandbox without that layer shows the attack is real.  After every test the shared
sandbox must still be healthy (see ``conftest.py``).
"""

from __future__ import annotations

import os
import sqlite3

import pytest

from sandbox import CaseStatus
from sandbox.confine import UID_BASE
from tests.conftest import REFERENCE, ROOT
from tests.sandbox.conftest import SECRET, denied, one, run, values

# --- secrets on disk -----------------------------------------------------------------


def test_deny_read_etc_shadow(sandbox):
    denied(one(sandbox, "def f(n):\n    return list(open('/etc/shadow', 'rb').read())"),
           "PermissionError")


def test_deny_read_planted_secret_next_to_server(sandbox, boxes, planted):
    code = f"def f(n):\n    return list(open({str(planted.secret)!r}, 'rb').read())"
    denied(one(sandbox, code), "PermissionError")
    # Control: the file is world-readable, so without Landlock the sandbox uid reads it.
    assert bytes(values(one(boxes.without("landlock"), code))) == SECRET.encode()


def test_deny_list_or_stat_walk_planted_directory(sandbox, planted):
    code = f"import os\ndef f(n):\n    return [len(os.listdir({str(planted.root)!r}))]"
    denied(one(sandbox, code), "PermissionError")


def test_deny_read_supervisor_environment(sandbox, boxes):
    code = f"def f(n):\n    return list(open('/proc/{os.getpid()}/environ', 'rb').read()[:64])"
    denied(one(sandbox, code), "PermissionError")
    assert values(one(boxes.bare(), code))  # control: a bare fork running as root reads it


@pytest.mark.parametrize("path", [
    "/proc/{ppid}/environ", "/proc/{ppid}/mem", "/proc/{ppid}/cmdline", "/proc/1/environ",
    "/proc/self/root/etc/shadow", "/proc/{ppid}/root/etc/passwd", "/proc/{ppid}/cwd/etc/passwd",
])
def test_deny_read_other_processes_through_proc(sandbox, path):
    code = f"import os\ndef f(n):\n    return list(open({path!r}.format(ppid=os.getppid()), 'rb').read(64))"
    denied(one(sandbox, code), "PermissionError")


def test_deny_list_processes(sandbox):
    denied(one(sandbox, "import os\ndef f(n):\n    return [len(os.listdir('/proc'))]"),
           "PermissionError")


def test_deny_import_reference_solution(sandbox):
    outcome = run(sandbox, "import reference.flax_transposed_conv_1d\ndef f(n):\n    return [1]").cases[0]
    assert outcome.status is CaseStatus.ERROR and outcome.output is None
    # reference/ is not an installed package (ModuleNotFoundError); were it importable
    # through the checkout, Landlock would refuse the read (PermissionError).
    assert "PermissionError" in outcome.message or "ModuleNotFoundError" in outcome.message


def test_deny_open_reference_solution_by_path(sandbox, boxes):
    path = str(REFERENCE / "flax_transposed_conv_1d.py")
    code = f"def f(n):\n    return list(open({path!r}, 'rb').read(256))"
    denied(one(sandbox, code), "PermissionError")
    denied(one(sandbox, f"import os\ndef f(n):\n    return [len(os.listdir({str(REFERENCE)!r}))]"),
           "PermissionError")
    assert values(one(boxes.without("landlock"), code))  # control: world-readable on disk


def test_deny_find_reference_solution_on_sys_path(sandbox):
    marker = "class MyTransposedConv"
    code = f"""
    import os, sys
    def f(n):
        found = scanned = 0
        for entry in list(sys.path) + ["/work", "/", "/home", "/root", "/srv", "/opt"]:
            for folder, dirs, files in os.walk(entry):
                dirs[:] = [d for d in dirs if d not in ("jaxlib", "jax", "scipy", "numpy", "__pycache__")]
                scanned += len(files)
                for name in files:
                    if name == "flax_transposed_conv_1d.py":
                        found += 1000
                    elif name.endswith(".py") and "reference" in folder:
                        try:
                            found += {marker!r} in open(os.path.join(folder, name)).read()
                        except OSError:
                            pass
        return [found, scanned]
    """
    found, scanned = values(one(sandbox, code))
    assert found == 0 and scanned > 1000  # it did look through the installed packages


def test_deny_read_problems_hidden_inputs_and_expected_outputs(sandbox):
    for path in (ROOT / "problems", ROOT / "data", ROOT / ".pytest-data" / "expected", ROOT / "app"):
        code = f"import os\ndef f(n):\n    return [len(os.listdir({str(path)!r}))]"
        denied(one(sandbox, code), "PermissionError", "FileNotFoundError")


def test_deny_open_sqlite_database(sandbox, boxes, planted):
    code = f"""
    import sqlite3
    def f(n):
        conn = sqlite3.connect({str(planted.database)!r})
        return list(conn.execute("SELECT value FROM secrets").fetchone()[0].encode())
    """
    denied(one(sandbox, code), "OperationalError")
    raw = f"def f(n):\n    return list(open({str(planted.database)!r}, 'rb').read(64))"
    denied(one(sandbox, raw), "PermissionError")
    # Control: without Landlock the world-readable database is open to any uid.
    assert bytes(values(one(boxes.without("landlock"), code))) == SECRET.encode()
    with sqlite3.connect(planted.database) as conn:  # and it is untouched
        assert conn.execute("SELECT count(*) FROM secrets").fetchone() == (1,)
    conn.close()


def test_deny_look_into_other_runs_scratch(sandbox):
    code = """
    import os
    def f(n):
        seen = []
        for path in ("..", os.path.dirname(os.getcwd()), "/dev/shm", "/tmp"):
            try:
                seen.append(len(os.listdir(path)))
            except PermissionError:
                pass
        return seen
    """
    assert values(one(sandbox, code)) == []


# --- writing -----------------------------------------------------------------------------


def _write_code(targets: list) -> str:
    return f"""
    def f(n):
        wrote = []
        for i, path in enumerate({[str(t) for t in targets]!r}):
            try:
                with open(path, "w") as fh:
                    fh.write("-1000" if "oom" in path else "escaped")
                wrote.append(i)
            except OSError:
                pass
        return wrote
    """


def test_deny_write_outside_scratch(sandbox, boxes, planted):
    targets = [planted.open_dir / "escaped", "/tmp/tj-escaped", "/dev/shm/tj-escaped",
               ROOT / "tj-escaped", sandbox.scratch_root / "tj-escaped", "/proc/self/oom_score_adj"]
    assert values(one(sandbox, _write_code(targets))) == []
    for target in targets[:-1]:
        assert not os.path.exists(target)
    # Control: the world-writable directory is writable by any uid without Landlock.
    assert values(one(boxes.without("landlock"), _write_code(targets[:1]))) == [0]
    os.unlink(planted.open_dir / "escaped")


def test_deny_links_out_of_scratch(sandbox, planted):
    code = f"""
    import os
    def f(n):
        made = []
        for i, make in enumerate((lambda: os.symlink({str(planted.secret)!r}, "s"),
                                  lambda: os.link({str(planted.secret)!r}, "h"),
                                  lambda: os.mkfifo("p"),
                                  lambda: os.rename("/tmp", "t"))):
            try:
                make()
                made.append(i)
            except OSError:
                pass
        return made
    """
    assert values(one(sandbox, code)) == []


def test_deny_overwrite_compile_cache_entry(sandbox, world_tmp):
    cache = world_tmp / "xla-cache"
    cache.mkdir(mode=0o755)
    entry = cache / "jit_f-0123-cache"
    entry.write_bytes(b"genuine executable")
    os.chmod(entry, 0o666)  # even world-writable: Landlock keeps a learner's run read-only
    code = f"""
    import os, jax, jax.numpy as jnp
    def f(n):
        done = []
        attempts = (lambda: open({str(entry)!r}, "r+b").write(b"poisoned"),
                    lambda: open({str(entry)!r}, "wb"),
                    lambda: os.truncate({str(entry)!r}, 0),
                    lambda: os.unlink({str(entry)!r}),
                    lambda: os.rename({str(entry)!r}, "stolen"),
                    lambda: open({str(cache / "jit_g-new-cache")!r}, "wb"))
        for i, attempt in enumerate(attempts):
            try:
                attempt()
                done.append(i)
            except OSError:
                pass
        # Re-enable cache writes from inside the run, then compile something new.
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.jit(lambda x: jnp.cos(x) * 7 + 1)(jnp.arange(4.0)).block_until_ready()
        return done + [len(os.listdir({str(cache)!r}))]
    """
    outcome = one(sandbox, code, cache_dir=str(cache), cache_writable=False)
    assert values(outcome) == [1]  # nothing done; it could list the one entry
    assert entry.read_bytes() == b"genuine executable"
    assert sorted(p.name for p in cache.iterdir()) == [entry.name]


def test_deny_writable_cache_staying_owned_by_a_sandbox_uid(sandbox, world_tmp):
    # The reference run may write its problem's cache; afterwards the cache belongs to
    # the grader again, not to uid UID_BASE + pid (pids are recycled: a later learner
    # run with that pid would own it).
    cache = world_tmp / "xla-cache"
    cache.mkdir(mode=0o755)
    code = """
    import os, jax, jax.numpy as jnp
    def f(n):
        jax.jit(lambda x: jnp.tanh(x) * 5 - n)(jnp.arange(6.0)).block_until_ready()
        os.makedirs("{cache}/a/b")
        open("{cache}/a/b/extra", "w").write("x")
        return [os.stat("{cache}").st_uid]
    """.replace("{cache}", str(cache))
    outcome = one(sandbox, code, cache_dir=str(cache), cache_writable=True)
    assert values(outcome)[0] >= UID_BASE  # the run itself owned it
    written = list(cache.rglob("*"))
    assert written, "the reference run did not warm the cache"
    assert {p.lstat().st_uid for p in [cache, *written]} == {os.getuid()}


def test_deny_listing_a_warmed_cache(sandbox, world_tmp):
    # A warmed cache holds the reference's programs under names only an identical
    # program yields; a learner's run may open such a name but never list the
    # directory to find one.
    cache = world_tmp / "xla-cache"
    cache.mkdir(mode=0o755)
    warm = """
    import jax, jax.numpy as jnp
    def f(n):
        return jax.jit(lambda x: jnp.sinh(x) * 3 + n)(jnp.arange(5.0))
    """
    assert one(sandbox, warm, cache_dir=str(cache), cache_writable=True).status is CaseStatus.OK
    assert list(cache.iterdir()), "the reference run did not warm the cache"
    code = f"""
    import glob, os, pathlib
    def f(n):
        found = []
        for attempt in (lambda: os.listdir({str(cache)!r}),
                        lambda: [e.name for e in os.scandir({str(cache)!r})],
                        lambda: glob.glob({str(cache / "*")!r}),
                        lambda: [p.name for p in pathlib.Path({str(cache)!r}).iterdir()]):
            try:
                found.extend(attempt())
            except OSError:
                pass
        return [len(found)]
    """
    assert values(one(sandbox, code, cache_dir=str(cache), cache_writable=False)) == [0]


# --- processes ---------------------------------------------------------------------------


def test_deny_fork(sandbox):
    denied(one(sandbox, "import os\ndef f(n):\n    return [os.fork()]"), "PermissionError")


def test_deny_subprocess_run(sandbox):
    code = "import subprocess\ndef f(n):\n    return [subprocess.run(['/bin/true']).returncode]"
    denied(one(sandbox, code), "PermissionError")


def test_deny_execv(sandbox):
    denied(one(sandbox, "import os\ndef f(n):\n    os.execv('/bin/sh', ['sh', '-c', 'exit 0'])"),
           "PermissionError")


def test_deny_libc_system(sandbox, planted):
    marker = planted.open_dir / "system-ran"
    code = f"import ctypes\ndef f(n):\n    return [ctypes.CDLL(None).system(b'touch {marker}')]"
    assert values(one(sandbox, code)) != [0]
    assert not marker.exists()


def test_deny_leftover_daemon_or_thread(sandbox, boxes):
    code = """
    import os, threading, time
    def f(n):
        threading.Thread(target=time.sleep, args=(60,)).start()  # non-daemon: blocks exit
        try:
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(60)
                os._exit(0)
        except PermissionError:
            return [0]
        return [1]
    """
    assert values(one(sandbox, code)) == [0]
    # With seccomp off the daemon really starts; the run's cgroup still takes it down
    # (the autouse check then finds no live process of a sandbox uid).
    assert values(one(boxes.without("seccomp"), code)) == [1]


def test_deny_leftover_processes_after_timeout(boxes):
    # Seccomp off: a real fork bomb, each process sleeping once the pids cgroup says no.
    code = """
    import os, time
    def f(n):
        while True:
            try:
                os.fork()
            except OSError:
                time.sleep(60)
    """
    result = run(boxes.without("seccomp"), code)
    assert result.cases[0].status in (CaseStatus.TIME, CaseStatus.CRASHED)


# --- signals, ptrace, privileges ---------------------------------------------------------


def test_deny_kill_fork_server(sandbox):
    zygote = sandbox.fork_server().process
    denied(one(sandbox, "import os\ndef f(n):\n    os.kill(os.getppid(), 9)"), "PermissionError")
    assert zygote.poll() is None and sandbox.fork_server().process is zygote


def test_deny_kill_every_process(sandbox):
    denied(one(sandbox, "import os\ndef f(n):\n    os.kill(-1, 9)"), "PermissionError")


def test_deny_signal_supervisor(sandbox):
    code = f"import os, signal\ndef f(n):\n    os.kill({os.getpid()}, signal.SIGTERM)"
    denied(one(sandbox, code), "PermissionError")


def test_deny_ptrace_attach(sandbox):
    code = """
    import ctypes, os
    def f(n):
        libc = ctypes.CDLL(None, use_errno=True)
        PTRACE_ATTACH, PTRACE_TRACEME = 16, 0
        return [libc.ptrace(PTRACE_ATTACH, os.getppid(), 0, 0), ctypes.get_errno(),
                libc.ptrace(PTRACE_ATTACH, {pid}, 0, 0), libc.ptrace(PTRACE_TRACEME, 0, 0, 0)]
    """.replace("{pid}", str(os.getpid()))
    result = values(one(sandbox, code))
    assert result[0] == -1 and result[1] == 1 and result[2:] == [-1, -1]  # EPERM


def test_deny_setuid_root(sandbox):
    denied(one(sandbox, "import os\ndef f(n):\n    os.setuid(0)"), "PermissionError")
    code = "import os\ndef f(n):\n    return [os.getuid(), os.geteuid(), os.getgid(), len(os.getgroups())]"
    uid, euid, gid, groups = values(one(sandbox, code))
    assert uid == euid == gid and uid >= UID_BASE and groups == 0


def test_deny_new_user_namespace(sandbox):
    code = """
    import ctypes
    def f(n):
        libc = ctypes.CDLL(None, use_errno=True)
        CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET = 0x10000000, 0x00020000, 0x40000000
        return [libc.unshare(CLONE_NEWUSER), libc.unshare(CLONE_NEWNS), libc.unshare(CLONE_NEWNET)]
    """
    assert values(one(sandbox, code)) == [-1, -1, -1]


def test_deny_raising_own_limits(sandbox):
    code = """
    import os, resource
    def f(n):
        raised = []
        for i, limit in enumerate((resource.RLIMIT_AS, resource.RLIMIT_NPROC, resource.RLIMIT_CPU)):
            try:
                resource.setrlimit(limit, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
                raised.append(i)
            except (ValueError, OSError):
                pass
        for line in open("/proc/self/cgroup"):
            _, names, path = line.strip().split(":", 2)
            for name in ("memory", "pids", "cpu"):
                if name in names.split(","):
                    for knob in ("memory.limit_in_bytes", "pids.max", "cpu.cfs_quota_us", "cgroup.procs"):
                        try:
                            with open(f"/sys/fs/cgroup/{name}{path}/{knob}", "w") as fh:
                                fh.write("-1")
                            raised.append(knob)
                        except OSError:
                            pass
        return [len(raised)]
    """
    assert values(one(sandbox, code)) == [0]


# --- network -----------------------------------------------------------------------------


def test_deny_tcp_to_loopback_server(sandbox, boxes, servers):
    code = f"""
    import socket
    def f(n):
        socket.create_connection(("127.0.0.1", {servers.tcp_port}), timeout=1).sendall(b"x")
        return [1]
    """
    denied(one(sandbox, code), "PermissionError")
    servers.settle()
    assert servers.connections == 0
    assert values(one(boxes.bare(), code)) == [1]  # control: a bare fork connects
    servers.settle()
    assert servers.connections == 1


def test_deny_udp_to_loopback(sandbox, boxes, servers):
    code = f"""
    import socket
    def f(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"x", ("127.0.0.1", {servers.udp_port}))
        return [1]
    """
    denied(one(sandbox, code), "PermissionError")
    servers.settle()
    assert servers.datagrams == 0
    assert values(one(boxes.bare(), code)) == [1]
    servers.settle()
    assert servers.datagrams == 1


@pytest.mark.parametrize("family", ["AF_UNIX", "AF_NETLINK", "AF_PACKET", "AF_INET6"])
def test_deny_other_socket_families(sandbox, family):
    code = f"import socket\ndef f(n):\n    return [socket.socket(socket.{family}, socket.SOCK_RAW).fileno()]"
    denied(one(sandbox, code), "PermissionError")


def test_deny_network_namespace_is_shared(sandbox):
    code = "import os\ndef f(n):\n    return [os.stat('/proc/self/ns/net').st_ino]"
    assert values(one(sandbox, code)) != [os.stat("/proc/self/ns/net").st_ino]


# --- the sandbox keeps no state between runs --------------------------------------------


def test_deny_state_leaking_into_next_run(sandbox):
    first = """
    import os, sys, numpy, jax
    numpy.allclose = lambda *a, **k: True
    jax.config.update("jax_enable_x64", True)
    os.environ["LEAK"] = "1"
    sys.modules["leak"] = sys
    open("left-behind", "w").write("x")
    def f(n):
        return [1]
    """
    assert values(one(sandbox, first)) == [1]
    second = """
    import os, sys, numpy, jax
    def f(n):
        return [numpy.allclose([0], [1]), jax.config.jax_enable_x64, "LEAK" in os.environ,
                "leak" in sys.modules, len(os.listdir("."))]
    """
    assert values(one(sandbox, second)) == [False, False, False, False, 0]


def test_deny_inherited_descriptors(sandbox):
    code = """
    import os, stat
    def f(n):
        kinds = []
        for fd in range(4, 1024):
            try:
                kinds.append(stat.S_IFMT(os.fstat(fd).st_mode))
            except OSError:
                pass
        sockets = [k for k in kinds if k == stat.S_IFSOCK]
        return [len(sockets), os.fstat(0).st_rdev == os.stat("/dev/null").st_rdev]
    """
    assert values(one(sandbox, code)) == [0, True]


def test_deny_sandbox_uid_shared_with_grader(sandbox):
    code = "import os\ndef f(n):\n    return [os.getuid(), os.getpid()]"
    uid, pid = values(one(sandbox, code))
    assert uid == UID_BASE + pid != os.getuid()

