"""NumPy -> Arrow conversion that follows the schema contract exactly.

Generators work in NumPy (money as integer cents, times as integer UTC epoch seconds, dates as
integer days since 1970-01-01) and hand columns to :func:`make_table`, which builds each column
with the Arrow type its MySQL type implies, in schema order. Decimals are built straight from
the unscaled integers (no float rounding anywhere), so a table's bytes depend only on the seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from app.dataset.schema import TABLES, Table

ArrayLike: TypeAlias = npt.NDArray[Any] | pa.Array | pa.ChunkedArray


def arrow_type(mysql_type: str) -> pa.DataType:
    """The Arrow type that carries a column of this MySQL type losslessly."""
    base = mysql_type.split("(")[0].upper()
    if base == "DECIMAL":
        p, s = mysql_type[mysql_type.index("(") + 1: -1].split(",")
        return pa.decimal128(int(p), int(s))
    return {
        "BIGINT": pa.int64(), "INT": pa.int32(), "TINYINT": pa.int8(), "DOUBLE": pa.float64(),
        "VARCHAR": pa.string(), "TEXT": pa.string(), "DATETIME": pa.timestamp("us"), "DATE": pa.date32(),
    }[base]


def _validity(mask: npt.NDArray[np.bool_] | None) -> pa.Buffer | None:
    if mask is None or not mask.any():
        return None
    return pa.py_buffer(np.packbits(~mask, bitorder="little"))


def decimal(unscaled: npt.NDArray[np.integer[Any]], typ: pa.Decimal128Type,
            mask: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """A decimal128 array from unscaled integers (cents for scale 2), NULL where ``mask``."""
    v = np.ascontiguousarray(unscaled, dtype=np.int64)
    words = np.empty((len(v), 2), dtype=np.int64)
    words[:, 0] = v
    words[:, 1] = v >> 63  # sign extension into the high 64 bits
    nulls = int(mask.sum()) if mask is not None else 0
    return pa.Array.from_buffers(typ, len(v), [_validity(mask), pa.py_buffer(words)], null_count=nulls)


def _from_numpy(values: npt.NDArray[Any], typ: pa.DataType, mask: npt.NDArray[np.bool_] | None) -> pa.Array:
    if pa.types.is_decimal(typ):
        if values.dtype.kind == "f":
            values = np.round(values * 10 ** typ.scale).astype(np.int64)
        return decimal(values, typ, mask)
    if pa.types.is_timestamp(typ):
        if values.dtype.kind in "iu":
            values = values.astype("datetime64[s]")
        return pa.array(values.astype("datetime64[us]"), mask=mask)
    if pa.types.is_date(typ):
        if values.dtype.kind in "iu":
            values = values.astype("datetime64[D]")
        return pa.array(values.astype("datetime64[D]"), type=pa.date32(), mask=mask)
    if pa.types.is_string(typ):
        arr = pa.array(values, type=pa.string()) if values.dtype.kind in "OU" else pa.array(values).cast(typ)
        if mask is not None and mask.any():
            arr = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), arr)
        return arr
    return pa.array(values, type=typ, mask=mask)


def conform(values: ArrayLike, typ: pa.DataType, mask: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """Cast one column (NumPy or Arrow) to the schema's Arrow type."""
    if isinstance(values, np.ndarray):
        return _from_numpy(values, typ, mask)
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if arr.type.equals(typ):
        return arr
    if pa.types.is_decimal(typ) and pa.types.is_floating(arr.type):
        return pc.cast(pc.round(arr, typ.scale), typ, safe=False)
    if pa.types.is_timestamp(typ) and pa.types.is_timestamp(arr.type):
        return arr.cast(typ)
    return arr.cast(typ)


def make_table(qualified: str, columns: Mapping[str, ArrayLike],
               masks: Mapping[str, npt.NDArray[np.bool_]] | None = None) -> pa.Table:
    """Build ``db.table`` from named columns, in schema order with schema types.

    Every schema column must be given (a missing one is a bug, not a NULL column).
    """
    t: Table = TABLES[qualified]
    masks = masks or {}
    missing = [c.name for c in t.columns if c.name not in columns]
    if missing:
        raise KeyError(f"{qualified}: missing columns {missing}")
    arrays = []
    fields = []
    for col in t.columns:
        typ = arrow_type(col.type)
        arr = conform(columns[col.name], typ, masks.get(col.name))
        arrays.append(arr)
        fields.append(pa.field(col.name, typ, nullable=col.nullable))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def empty_table(qualified: str) -> pa.Table:
    t = TABLES[qualified]
    return pa.schema([pa.field(c.name, arrow_type(c.type), nullable=c.nullable) for c in t.columns]).empty_table()


def conform_table(qualified: str, table: pa.Table) -> pa.Table:
    """A table from another generator, cast to the schema (column order and types)."""
    t = TABLES[qualified]
    arrays = []
    fields = []
    for col in t.columns:
        typ = arrow_type(col.type)
        if col.name in table.column_names:
            arrays.append(conform(table.column(col.name), typ))
        else:
            arrays.append(pa.nulls(table.num_rows, typ))
        fields.append(pa.field(col.name, typ, nullable=col.nullable))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


# ----------------------------------------------------------------------------- string helpers

def take(values: Sequence[str | None] | npt.NDArray[Any], idx: npt.NDArray[Any]) -> pa.Array:
    """``values[idx]`` as an Arrow string array (vectorised lookup of a small vocabulary)."""
    vocab = values if isinstance(values, np.ndarray) else np.array(list(values), dtype=object)
    # (a NumPy array, never a list: pa.array(list) imports pandas, which costs seconds)
    return pa.array(vocab, type=pa.string()).take(pa.array(np.asarray(idx, dtype=np.int64)))


def int_str(values: npt.NDArray[np.integer[Any]], width: int = 0) -> pa.Array:
    """Integers as strings, left-padded with zeros to ``width``."""
    arr = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(arr, width, "0") if width else arr


def concat(*parts: pa.Array | str) -> pa.Array:
    """Element-wise string concatenation of arrays and literal strings."""
    return pc.binary_join_element_wise(*parts, "")


_ALNUM = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)


def random_token(rng: np.random.Generator, n: int, length: int, prefix: str = "") -> pa.Array:
    """``n`` random alphanumeric tokens (Stripe-style ids) without a per-row Python loop."""
    chars = _ALNUM[rng.integers(0, len(_ALNUM), size=(n, length))]
    raw = chars.view(f"S{length}").ravel()
    arr = pa.array(raw, type=pa.binary(length)).cast(pa.string())
    return concat(prefix, arr) if prefix else arr
