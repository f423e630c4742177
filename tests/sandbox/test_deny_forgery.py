"""Deny battery, part 3: forging the verdict and attacking the supervisor through the
result channel.  Frames from a child are hostile data: at most they carry the
submission's own numbers; they cannot choose a status the sandbox did not observe,
blame the grader, stall the deadline, or make the supervisor spend more memory or
time than their size."""

from __future__ import annotations

import io
import json
import resource
import time
import zipfile

import numpy as np
import pytest

from sandbox import CaseStatus, Limits, Termination
from sandbox.protocol import HEADER, ProtocolError, decode_payload, encode_frame
from tests.sandbox.conftest import denied, one, run, values

QUICK = Limits(time_s=1.0, memory_mb=512, startup_s=3.0)

FORGE = """
import os
from sandbox.protocol import encode_frame
import numpy as np

def forge(**frames):
    for fd in range(21):
        for meta, output in frames.values():
            try:
                os.write(fd, encode_frame(meta, None if output is None else {"output": np.asarray(output)}))
            except OSError:
                pass
"""


def test_deny_forged_frames_on_inherited_fds_at_import(sandbox):
    code = FORGE + """
forge(ok=({"type": "case", "index": 0, "status": "ok"}, [42.0]),
      internal=({"type": "internal", "message": "the grader is broken"}, None),
      done=({"type": "done"}, None))

def f(n):
    return [7.0]
"""
    result = run(sandbox, code)
    # No case counts before the entry is loaded, and no frame can blame the grader.
    assert values(result.cases[0]) == [7.0]
    assert result.termination is Termination.EXITED


def test_deny_forged_statuses_from_inside_the_entry(sandbox):
    # A frame may only claim what the submission could cause honestly (an array, an
    # error); never a time-out, a crash or a grader failure, nor another case's index
    # outside the run.
    code = FORGE + """
def f(n):
    if n == 0:
        forge(internal=({"type": "internal", "message": "the grader is broken"}, None),
              time=({"type": "case", "index": 1, "status": "time"}, None),
              crashed=({"type": "case", "index": 2, "status": "crashed"}, None),
              not_run=({"type": "case", "index": 2, "status": "not_run"}, None),
              beyond=({"type": "case", "index": 99, "status": "ok"}, [1.0]),
              negative=({"type": "case", "index": -1, "status": "ok"}, [1.0]),
              text=({"type": "case", "index": "1", "status": "ok"}, [1.0]),
              real=({"type": "case", "index": 1.0, "status": "ok"}, [1.0]))
    return [float(n)]
"""
    result = run(sandbox, code, n_cases=3, inputs={"n": 0})
    assert result.termination is Termination.EXITED
    assert [c.status for c in result.cases] == [CaseStatus.OK] * 3
    assert [values(c) for c in result.cases] == [[0.0]] * 3


def test_deny_forged_output_is_only_an_output(sandbox):
    # Writing a case frame first is the same as returning that array: still just numbers
    # that the grader compares outside.
    code = FORGE + """
def f(n):
    forge(ok=({"type": "case", "index": 0, "status": "ok", "message": "Accepted"}, [42.0]))
    return [7.0]
"""
    outcome = one(sandbox, code)
    assert outcome.status is CaseStatus.OK and values(outcome) == [42.0]
    assert outcome.message == "Accepted"  # text is carried, never interpreted


def test_deny_monkeypatched_numpy_comparison(sandbox):
    code = """
    import numpy as np, numpy.testing
    np.allclose = lambda *a, **k: True
    np.array_equal = lambda *a, **k: True
    np.isclose = lambda *a, **k: np.ones(1, dtype=bool)
    np.testing.assert_allclose = lambda *a, **k: None
    np.testing.assert_array_equal = lambda *a, **k: None
    def f(n):
        return np.full(5, 123456.0)
    """
    outcome = one(sandbox, code)
    assert values(outcome) == [123456.0] * 5
    assert not np.allclose(outcome.output, np.zeros(5))  # the supervisor's numpy is its own


def test_deny_noise_frames_extending_the_deadline(sandbox):
    code = FORGE + """
import time
def f(n):
    for _ in range(100):
        forge(noise=({"type": "loading"}, None), again=({"type": "ready"}, None),
              other=({"type": "whatever"}, None))
        time.sleep(0.1)
    return [1.0]
"""
    # It sleeps 10 s in all, past QUICK's wall-clock backstop (wall_factor x time_s),
    # which it would reach only if the repeated frames moved the deadline.
    result = run(sandbox, code, QUICK)
    assert QUICK.wall_factor * QUICK.time_s < 10
    assert result.cases[0].status is CaseStatus.TIME and result.time_limit == "wall"


def test_deny_garbage_frame_flood(sandbox):
    code = """
    import os, struct
    def f(n):
        junk = (struct.pack(">Q", 3) + b"abc") * 10000
        while True:
            os.write(3, junk)
    """
    result = run(sandbox, code, Limits(time_s=1, memory_mb=256, output_bytes=1 << 30))
    # Stopped by its time limit (CPU, or the wall clock if the flood kept it blocked on
    # the pipe), never parsed forever: the run's CPU stays within its allowance.
    assert result.cases[0].status is CaseStatus.TIME
    assert result.cpu_ms < (Limits().startup_s + 1 + 1) * 1000


def _bomb_code(megabytes: int) -> str:
    return f"""
    import io, json, os, struct, zipfile
    import numpy as np

    def npy_header(shape):
        out = io.BytesIO()
        np.lib.format.write_array_header_1_0(out, {{"descr": "<f8", "fortran_order": False,
                                                   "shape": shape}})
        return out.getvalue()

    def f(n):
        body = io.BytesIO()
        meta = np.frombuffer(json.dumps({{"type": "noise"}}).encode(), dtype=np.uint8)
        with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            buf = io.BytesIO()
            np.save(buf, meta)
            archive.writestr("__meta__.npy", buf.getvalue())
            with archive.open("bomb.npy", "w", force_zip64=True) as member:
                member.write(npy_header(({megabytes} << 17,)))
                chunk = bytes(1 << 20)
                for _ in range({megabytes}):
                    member.write(chunk)
        data = body.getvalue()
        os.write(3, struct.pack(">Q", len(data)) + data)
        return [len(data)]
    """


def test_deny_compressed_frame_bomb(sandbox):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    outcome = one(sandbox, _bomb_code(768), Limits(time_s=5, memory_mb=512))
    assert values(outcome)[0] < 4 << 20  # a few MB on the wire, 768 MB inflated
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, f"the supervisor grew by {grown_mb:.0f} MB decoding one frame"
    assert time.process_time() - started < 2.0


@pytest.mark.parametrize("meta", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"type": "case", "index": 0, "status": "ok", "line": ' + b"9" * 100_000 + b"}",
    b'"just a string"',
    b"\xff\xfe not utf-8",
], ids=["deep-json", "huge-int", "not-an-object", "not-utf8"])
def test_deny_malformed_frame_metadata(sandbox, meta):
    code = f"""
    import io, os, struct
    import numpy as np
    def f(n):
        body = io.BytesIO()
        np.savez(body, __meta__=np.frombuffer({meta!r}, dtype=np.uint8))
        data = body.getvalue()
        os.write(3, struct.pack(">Q", len(data)) + data)
        return [5.0]
    """
    with pytest.raises(ProtocolError):
        decode_payload(_savez(__meta__=np.frombuffer(meta, dtype=np.uint8)))
    assert values(one(sandbox, code)) == [5.0]


def test_deny_invalid_unicode_in_outcome_text(sandbox):
    code = "def f(n):\n    print('bad \\udcff text \\ud800')\n    raise ValueError('\\udcfe')"
    outcome = one(sandbox, code, n_cases=1)
    denied(outcome, "ValueError")
    for text in (outcome.message, outcome.summary, outcome.stdout):
        text.encode("utf-8")  # no lone surrogates reach the grader or the database
    assert "bad" in outcome.stdout


@pytest.mark.parametrize("source", [
    "x = '\udcff'\ndef f(n):\n    return [1]\n",
    b"# caf\xe9 \xff\xfe\ndef f(n):\n    return [1]\n".decode("utf-8", "surrogateescape"),
    "def f(n):\n    return [1]\n\x00\n",
], ids=["lone-surrogate", "surrogateescape", "nul-byte"])
def test_deny_non_utf8_source(sandbox, source):
    result = run(sandbox, source)
    outcome = result.cases[0]
    assert outcome.status is CaseStatus.COMPILE_ERROR, (outcome.status, outcome.message)
    assert result.termination is not Termination.INTERNAL
    outcome.message.encode("utf-8")


@pytest.mark.parametrize(("where", "statement", "status"), [
    ("import", "raise SystemExit(0)", CaseStatus.ERROR),
    ("import", "import os; os._exit(0)", CaseStatus.CRASHED),
    ("entry", "raise SystemExit(0)", CaseStatus.ERROR),
    ("entry", "import os; os._exit(0)", CaseStatus.CRASHED),
    ("entry", "raise KeyboardInterrupt", CaseStatus.ERROR),
])
def test_deny_exiting_instead_of_answering(sandbox, where, statement, status):
    code = (f"{statement}\ndef f(n):\n    return [1]\n" if where == "import"
            else f"def f(n):\n    {statement}\n    return [1]\n")
    result = run(sandbox, code, n_cases=2)
    assert result.cases[0].status is status, (result.cases[0].status, result.cases[0].message)
    assert all(c.output is None for c in result.cases)
    assert result.termination is not Termination.INTERNAL


# --- the decoder on its own --------------------------------------------------------------


def _savez(compression: int = zipfile.ZIP_STORED, **arrays: np.ndarray) -> bytes:
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", compression) as archive:
        for name, array in arrays.items():
            buf = io.BytesIO()
            np.save(buf, array, allow_pickle=True)
            archive.writestr(f"{name}.npy", buf.getvalue())
    return body.getvalue()


META = np.frombuffer(json.dumps({"type": "case"}).encode(), dtype=np.uint8)


def test_deny_decode_compressed_member():
    body = _savez(zipfile.ZIP_DEFLATED, __meta__=META, output=np.zeros(10))
    with pytest.raises(ProtocolError, match="compressed"):
        decode_payload(body)


def test_deny_decode_shape_beyond_data():
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (10**12,)})
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as archive:
        buf = io.BytesIO()
        np.save(buf, META)
        archive.writestr("__meta__.npy", buf.getvalue())
        archive.writestr("output.npy", header.getvalue() + bytes(64))
    with pytest.raises(ProtocolError, match="more data"):
        decode_payload(body.getvalue())


@pytest.mark.parametrize("array", [
    np.array([{"a": 1}], dtype=object), np.array(["text"]), np.array([1 + 2j]),
    np.zeros(2, dtype=[("a", "<f8")]), np.array([b"bytes"]),
], ids=["object", "unicode", "complex", "structured", "bytes"])
def test_deny_decode_non_numeric_arrays(array):
    with pytest.raises(ProtocolError):
        decode_payload(_savez(__meta__=META, output=array))


def test_deny_decode_truncated_and_garbage_frames():
    good = encode_frame({"type": "case"}, {"output": np.arange(5.0)})[HEADER.size:]
    assert decode_payload(good)[1]["output"].tolist() == [0, 1, 2, 3, 4]
    for body in (good[:-10], good[: len(good) // 2], b"", b"PK\x03\x04" + bytes(100), bytes(1000)):
        with pytest.raises(ProtocolError):
            decode_payload(body)
