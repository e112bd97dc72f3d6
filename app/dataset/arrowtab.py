"""Turn NumPy columns into Arrow tables that match ``schema.py`` exactly.

The growth and supply generators build columns as NumPy arrays; this module is the one place
that maps MySQL types to Arrow types (BIGINT int64, INT int32, TINYINT int8, DECIMAL(p,s)
decimal128, VARCHAR string, DATETIME timestamp[s], DATE date32) and refuses a table whose
columns do not match the contract, so a wrong column is caught where it is made, not at load.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from app.dataset.context import GenContext
from app.dataset.schema import TABLES

Arr = npt.NDArray[Any]

_SIMPLE: dict[str, pa.DataType] = {
    "BIGINT": pa.int64(), "INT": pa.int32(), "TINYINT": pa.int8(), "DATETIME": pa.timestamp("s"),
    "DATE": pa.date32(), "DOUBLE": pa.float64(), "TEXT": pa.string(), "VARCHAR": pa.string(),
}


def arrow_type(mysql_type: str) -> pa.DataType:
    """The Arrow type a generator writes for a column of this MySQL type."""
    base = mysql_type.split("(")[0].upper()
    if base == "DECIMAL":
        p, s = (int(x) for x in mysql_type[mysql_type.index("(") + 1:-1].split(","))
        return pa.decimal128(p, s)
    return _SIMPLE[base]


def target_rows(ctx: GenContext, qualified: str, floor: int = 0) -> int:
    """Seed row count x scale (x bulk_scale for bulk tables), never below ``floor``."""
    t = TABLES[qualified]
    n = t.full_rows * ctx.scale * (ctx.bulk_scale if t.bulk else 1.0)
    return max(floor, round(n))


def master_rows(qualified: str) -> int:
    """Master/config tables (templates, experiments, goods, suppliers) keep the seed's size at any scale."""
    return TABLES[qualified].full_rows


def decimal_array(values: Arr, scale: int, valid: Arr | None = None, precision: int = 38) -> pa.Array:
    """Exact decimal128 from floats: round half away from zero at ``scale`` digits, no float casts."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64)) * (10.0 ** scale)
    ints = (np.sign(v) * np.floor(np.abs(v) + 0.5)).astype(np.int64)
    return decimal_from_units(ints, scale, valid, precision)


def decimal_from_units(ints: Arr, scale: int, valid: Arr | None = None, precision: int = 38) -> pa.Array:
    """decimal128 whose unscaled integers are ``ints`` (e.g. milli-units with scale 3)."""
    ints = np.asarray(ints, dtype=np.int64)
    if valid is not None:
        ints = np.where(valid, ints, 0)
    if precision < 19 and len(ints) and int(np.abs(ints).max()) >= 10 ** precision:
        raise ValueError(f"value too large for DECIMAL({precision},{scale})")
    words = np.empty((len(ints), 2), dtype=np.int64)
    words[:, 0] = ints
    words[:, 1] = ints >> 63  # sign extension into the high word
    bitmap = None
    nulls = 0
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        nulls = int(len(valid) - valid.sum())
        if nulls:
            bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(ints), [bitmap, pa.py_buffer(words)],
                                 null_count=nulls)


def codes(prefix: str, numbers: Arr | pa.Array, width: int = 0) -> pa.Array:
    """String codes like ``PO00000042`` from integers, built in Arrow (fast for tens of millions)."""
    if width and not isinstance(numbers, pa.Array) and prefix.isascii():
        nums = np.asarray(numbers, dtype=np.int64)
        if len(nums) and nums.min() >= 0 and nums.max() < 10 ** width:
            return _fixed_codes(prefix, nums, width)
    text = pc.cast(pa.array(numbers) if not isinstance(numbers, pa.Array) else numbers, pa.string())
    if width:
        text = pc.utf8_lpad(text, width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def _fixed_codes(prefix: str, nums: Arr, width: int) -> pa.Array:
    """Fixed-width ASCII codes written straight into an Arrow string buffer.

    Digits come four at a time from a lookup table (a gather is far cheaper than a division per
    digit); when the code length is a multiple of four the writes are whole aligned 32-bit words.
    """
    head = prefix.encode()
    size = len(head) + width
    n = len(nums)
    if size % 4 == 0 and len(head) < 4 and width >= 4 - len(head):
        words = np.empty((n, size // 4), dtype=np.uint32)
        lead = 4 - len(head)  # digits sharing the first word with the prefix
        first = np.array([np.frombuffer(head + f"{i:0{lead}d}".encode(), dtype=np.uint32)[0]
                          for i in range(10 ** lead)], dtype=np.uint32)
        quad = np.frombuffer(b"".join(f"{i:04d}".encode() for i in range(10_000)), dtype=np.uint32)
        rest = width - lead
        words[:, 0] = first[nums // 10 ** rest % 10 ** lead]
        for k in range(rest // 4):
            words[:, 1 + k] = quad[nums // 10 ** (rest - 4 * (k + 1)) % 10_000]
        data = words.view(np.uint8).reshape(n, size)
    else:
        data = np.empty((n, size), dtype=np.uint8)
        data[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
        table = np.frombuffer(b"".join(f"{i:04d}".encode() for i in range(10_000)), dtype=np.uint8).reshape(-1, 4)
        groups = -(-width // 4)
        for gi in range(groups):
            start = width - 4 * (groups - gi)  # position among the digits; the leading group may be narrower
            cut = max(0, -start)
            part = nums // 10 ** (4 * (groups - 1 - gi)) % 10_000
            data[:, len(head) + start + cut:len(head) + start + 4] = table[part][:, cut:]
    big = size * n >= 2**31
    offsets = np.arange(0, size * (n + 1), size, dtype=np.int64 if big else np.int32)
    arr = pa.Array.from_buffers(pa.large_string() if big else pa.string(), n,
                                [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))])
    return arr.cast(pa.string()) if big else arr


def take(values: Arr | pa.Array, index: Arr) -> pa.Array:
    """``values[index]`` as an Arrow array; cheap for a small vocabulary and a huge index."""
    base = values if isinstance(values, pa.Array) else pa.array(values)
    return base.take(pa.array(np.asarray(index, dtype=np.int64)))


def _column(value: Any, typ: pa.DataType, n: int, name: str) -> pa.Array:
    if isinstance(value, pa.ChunkedArray):
        value = value.combine_chunks()
    if np.isscalar(value) or value is None:
        if value is None:
            return pa.nulls(n, typ)
        value = np.full(n, value)
    if isinstance(value, pa.Array):
        arr = value
    else:
        a = np.asarray(value)
        if pa.types.is_decimal(typ):
            if a.dtype == object:
                arr = pa.array(a).cast(typ)
            else:
                a = a.astype(np.float64)
                nan = np.isnan(a)
                return decimal_array(a, typ.scale, ~nan if nan.any() else None, typ.precision)
        elif pa.types.is_timestamp(typ) or pa.types.is_date(typ):
            a = a.astype("datetime64[s]" if pa.types.is_timestamp(typ) else "datetime64[D]", copy=False)
            nat = np.isnat(a)
            arr = pa.array(a, mask=nat if nat.any() else None)
        elif pa.types.is_string(typ):
            arr = pa.array(a.astype(str)) if a.dtype.kind not in "UO" else pa.array(a)
        else:
            arr = pa.array(a)
    if len(arr) != n:
        raise ValueError(f"column {name}: {len(arr)} values, expected {n}")
    if arr.type != typ:
        arr = arr.cast(typ)
    return arr


def build_table(qualified: str, columns: Mapping[str, Any]) -> pa.Table:
    """A ``pa.Table`` with exactly the schema's columns, order and Arrow types.

    Columns may be NumPy arrays, Arrow arrays, or scalars (broadcast; ``None`` = all NULL).
    Missing or extra columns raise, as do NULLs in a NOT NULL column.
    """
    t = TABLES[qualified]
    names = t.column_names
    extra = set(columns) - set(names)
    missing = [c for c in names if c not in columns]
    if extra or missing:
        raise ValueError(f"{qualified}: missing {missing}, unexpected {sorted(extra)}")
    n = next(len(v) for v in columns.values() if not (np.isscalar(v) or v is None))
    arrays = []
    for col in t.columns:
        arr = _column(columns[col.name], arrow_type(col.type), n, f"{qualified}.{col.name}")
        if not col.nullable and arr.null_count:
            raise ValueError(f"{qualified}.{col.name} is NOT NULL but has {arr.null_count} NULLs")
        arrays.append(arr)
    schema = pa.schema([pa.field(c.name, arrow_type(c.type), c.nullable) for c in t.columns])
    return pa.Table.from_arrays(arrays, schema=schema)


def weighted_count(total: int, weights: Arr) -> Arr:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=np.float64)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    raw = w / w.sum() * total
    out = np.floor(raw).astype(np.int64)
    short = total - int(out.sum())
    if short:
        out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out
