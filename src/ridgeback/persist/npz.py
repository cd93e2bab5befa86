"""Weights archives (``.npz``): written deterministically, read with every size bounded.

:func:`npz_bytes` writes an uncompressed archive with fixed timestamps, so the same arrays
always give the same bytes. :func:`read_npz` trusts nothing: it bounds the file size by what
the declared arrays need, checks the hash recorded beside it, the zip directory (member
names, declared sizes, compression) before reading a member, and each member's ``.npy``
header (shape, dtype, no objects, hence no pickle) before ``np.load(..., allow_pickle=False)``
turns the bytes into an array; values must be finite.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from pathlib import Path

import numpy as np

__all__ = ["ModelFormatError", "fail", "npz_bytes", "read_bounded", "read_npz"]

_NPY_HEADER_ALLOWANCE = 4096


class ModelFormatError(ValueError):
    """A model directory that is malformed, from another format version, or hostile."""


def fail(where, problem, received):
    raise ModelFormatError(f"Cannot load {where}: {problem}. Received: {received}"[:2000])


def read_bounded(path: Path, limit: int, missing: str, bound: str) -> bytes:
    """The bytes of ``path``, refusing (without reading them) files longer than ``limit``.

    ``missing`` and ``bound`` word the errors: the file is absent / larger than ``bound``.
    """
    where = str(path)
    if not path.is_file():
        fail(where, missing, f"path={where!r}")
    with open(path, "rb") as fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        fail(where, f"the file is larger than {bound}", f"size>{limit}")
    return raw


def npz_bytes(arrays: dict) -> bytes:
    """An uncompressed ``.npz`` with fixed timestamps: the same arrays give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, member.getvalue())
    return buffer.getvalue()


def read_npz(path: Path, expected: dict, sha256: str) -> dict:
    """Read the arrays ``expected`` ({name: (shape, dtype)}) from the archive at ``path``.

    Raises :class:`ModelFormatError` unless the archive holds exactly one ``NAME.npy`` member
    per expected array, each of that shape and dtype with finite values, and its SHA-256 is
    ``sha256``. Never reads more than the expected arrays' size plus small header allowances.
    """
    where = str(path)
    nbytes = {name: int(np.prod(shape)) * dtype.itemsize for name, (shape, dtype) in expected.items()}
    limit = sum(n + _NPY_HEADER_ALLOWANCE + 512 for n in nbytes.values()) + 4096
    raw = read_bounded(path, limit, "the weights file is missing",
                       f"the {limit} bytes its declared arrays need")
    if not isinstance(sha256, str) or hashlib.sha256(raw).hexdigest() != sha256:
        fail(where, "its SHA-256 does not match model.json (an interrupted save, or files from two "
                     "different "
              "saves)", f"weights_sha256={sha256!r}")
    arrays = {}
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = zf.infolist()
            names = [info.filename for info in infos]
            for n in names:
                if ".." in n or "/" in n or "\\" in n:
                    fail(where, "member names must not contain '..', '/' or '\\'", f"member={n!r}")
            wanted = {f"{name}.npy" for name in expected}
            if len(set(names)) != len(names) or set(names) != wanted:
                fail(where, f"members must be exactly {sorted(wanted)} (missing "
                      f"{sorted(wanted - set(names))}, extra "
                      f"{sorted(set(names) - wanted)})", f"members={names}")
            for info in infos:
                name = info.filename[:-4]
                bound = nbytes[name] + _NPY_HEADER_ALLOWANCE
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    fail(where, f"member {info.filename!r} uses an unsupported compression",
                          f"compress_type={info.compress_type}")
                if info.file_size > bound or info.compress_size > bound + 1024:
                    fail(where, f"member {info.filename!r} declares {info.file_size} bytes, more than the "
                          f"{bound} its array needs", f"file_size={info.file_size}")
                with zf.open(info) as member:
                    data = member.read(bound + 1)
                arrays[name] = _parse_npy(data, bound, *expected[name], f"{where}:{info.filename}")
    except ModelFormatError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError, KeyError, IndexError, OverflowError, TypeError) as exc:
        fail(where, f"not a readable .npz archive ({type(exc).__name__}: "
                     f"{str(exc)[:200]})", f"{len(raw)} bytes")
    return arrays


def _parse_npy(data: bytes, bound: int, shape_expected, dtype_expected, where):
    if len(data) > bound:
        fail(where, f"the member is longer than the {bound} bytes its array needs", f"size>{bound}")
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        fail(where, "unsupported .npy version", f"version={version}")
    if dtype.hasobject:
        fail(where, "object arrays (pickled data) are refused", f"dtype={dtype}")
    if tuple(shape) != shape_expected or dtype != dtype_expected:
        fail(where, f"expected shape {shape_expected} and dtype {dtype_expected}",
              f"shape={tuple(shape)}, dtype={dtype}")
    size = int(np.prod(shape_expected)) * dtype_expected.itemsize
    if len(data) - stream.tell() != size:
        fail(where, f"the data is {len(data) - stream.tell()} bytes, expected {size} (truncated?)",
              f"size={len(data)}")
    array = np.load(io.BytesIO(data), allow_pickle=False)
    if not np.all(np.isfinite(array)):
        fail(where, "weights must be finite", f"{int(np.sum(~np.isfinite(array)))} NaN/inf values")
    return array
