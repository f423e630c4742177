"""Wire format between the trusted supervisor and a sandboxed child.

Everything that crosses the boundary is a *frame*: an 8-byte big-endian length
followed by an ``.npz`` archive (``numpy.savez``, never pickle).  Metadata travels as
JSON stored in the archive under ``__meta__`` as a ``uint8`` array.  The decoder
refuses pickled/object arrays and any dtype that is not bool, integer, unsigned or
floating point, so a hostile child can send numbers and nothing else.
"""

from __future__ import annotations

import io
import json
import struct
from typing import Any

import numpy as np

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
        with np.load(io.BytesIO(body), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except Exception as exc:  # any parse failure of untrusted bytes is a protocol error
        raise ProtocolError(f"unreadable frame: {exc}") from exc
    raw_meta = arrays.pop(META_KEY, None)
    if raw_meta is None or raw_meta.dtype != np.uint8:
        raise ProtocolError("frame has no metadata")
    try:
        meta = json.loads(raw_meta.tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"frame metadata is not JSON: {exc}") from exc
    if not isinstance(meta, dict):
        raise ProtocolError("frame metadata is not an object")
    for name, array in arrays.items():
        if array.dtype.kind not in ALLOWED_KINDS:
            raise ProtocolError(f"array {name!r} has unsupported dtype {array.dtype}")
    return meta, arrays


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
