"""Wire format between the trusted supervisor and a sandboxed child.

Everything that crosses the boundary is a *frame*: an 8-byte big-endian length
followed by an ``.npz`` archive (``numpy.savez``, never pickle).  Metadata travels as
JSON stored in the archive under ``__meta__`` as a ``uint8`` array.  The decoder
refuses pickled/object arrays and any dtype that is not bool, integer, unsigned or
floating point, so a hostile child can send numbers and nothing else.

Frames from a child are hostile data, and decoding one must cost no more than its
size: only uncompressed (``ZIP_STORED``) members are accepted, an array may not
declare more elements than its member holds bytes for (``np.load`` would allocate
the declared shape first), and any failure to parse, including deeply nested or
oversized JSON, is a ``ProtocolError``.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sandbox.types import Limits, RunRequest

META_KEY = "__meta__"
HEADER = struct.Struct(">Q")
ALLOWED_KINDS = frozenset("biuf")


class ProtocolError(ValueError):
    """A frame was malformed, too large, or carried a forbidden dtype."""


def encode_frame(meta: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> bytes:
    """Serialise ``meta`` (JSON-able) and ``arrays`` into one length-prefixed frame."""
    buffer = io.BytesIO()
    payload = {META_KEY: np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
    for name, array in (arrays or {}).items():
        payload[name] = np.asarray(array)
    np.savez(buffer, allow_pickle=False, **payload)
    body = buffer.getvalue()
    return HEADER.pack(len(body)) + body


def decode_payload(body: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Parse one frame body into ``(meta, arrays)``; raise ``ProtocolError`` if unsafe."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            arrays: dict[str, np.ndarray] = {}
            for info in archive.infolist():
                name = info.filename.removesuffix(".npy")
                if name in arrays or name == info.filename:
                    raise ProtocolError(f"unexpected member {info.filename!r}")
                arrays[name] = _read_member(archive, info, len(body))
    except ProtocolError:
        raise
    except Exception as exc:  # any parse failure of untrusted bytes is a protocol error
        raise ProtocolError(f"unreadable frame: {exc}") from exc
    raw_meta = arrays.pop(META_KEY, None)
    if raw_meta is None or raw_meta.dtype != np.uint8:
        raise ProtocolError("frame has no metadata")
    try:
        meta = json.loads(raw_meta.tobytes().decode())
    except Exception as exc:  # bad UTF-8, bad JSON, nesting too deep, integers too long
        raise ProtocolError(f"frame metadata is not JSON: {type(exc).__name__}") from exc
    if not isinstance(meta, dict):
        raise ProtocolError("frame metadata is not an object")
    return meta, arrays


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> np.ndarray:
    """One ``.npy`` member, read without trusting its declared sizes."""
    if info.compress_type != zipfile.ZIP_STORED:
        raise ProtocolError(f"member {info.filename!r} is compressed")
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise ProtocolError(f"member {info.filename!r} has .npy version {version}")
        if dtype.kind not in ALLOWED_KINDS or dtype.hasobject or dtype.fields or dtype.subdtype:
            raise ProtocolError(f"array {info.filename!r} has unsupported dtype {dtype}")
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > min(info.file_size, limit):
            raise ProtocolError(f"array {info.filename!r} declares more data than it holds")
        data = member.read(nbytes)
    if len(data) != nbytes:
        raise ProtocolError(f"array {info.filename!r} is truncated")
    array = np.frombuffer(bytearray(data), dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C")


class FrameReader:
    """Incrementally split a byte stream into frames, enforcing a total size cap.

    ``feed`` returns the frames completed by the new bytes.  Once more than
    ``max_total`` bytes have arrived, ``overflowed`` is set and further bytes are
    dropped.
    """

    def __init__(self, max_total: int):
        self.max_total = max_total
        self.received = 0
        self.overflowed = False
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self.received += len(data)
        if self.received > self.max_total:
            self.overflowed = True
            self._buffer.clear()
            return []
        self._buffer += data
        frames = []
        while len(self._buffer) >= HEADER.size:
            (length,) = HEADER.unpack_from(self._buffer)
            if length > self.max_total:
                self.overflowed = True
                self._buffer.clear()
                break
            if len(self._buffer) < HEADER.size + length:
                break
            frames.append(bytes(self._buffer[HEADER.size : HEADER.size + length]))
            del self._buffer[: HEADER.size + length]
        return frames

    @property
    def pending(self) -> int:
        """Bytes of an unfinished frame still buffered (a truncated write)."""
        return len(self._buffer)


def request_frame(request: RunRequest, limits: Limits, execution: str = "batch") -> bytes:
    """The request as one frame: code, harness, entry, scalars in the header, arrays as arrays."""
    scalars: list[dict[str, Any]] = []
    arrays: dict[str, Any] = {}
    for index, case in enumerate(request.cases):
        case_scalars = {}
        for name, value in case.inputs.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                case_scalars[name] = value
            else:
                arrays[f"c{index}/{name}"] = value
        scalars.append(case_scalars)
    meta = {
        "code": request.code,
        "harness_code": request.harness_code,
        "entry": request.entry,
        "cases": [c.name for c in request.cases],
        "scalars": scalars,
        "forbid": list(request.forbid),
        "cache_dir": request.cache_dir,
        "cache_writable": request.cache_writable,
        "output_bytes": limits.output_bytes,
        "execution": execution,
        "framework": request.framework,
        "grad": request.grad,
    }
    return encode_frame(meta, arrays)
