"""Named things a question can mention, read from the data once per dataset.

Store, product, category, payment-method, neighbourhood and machine-type names come from the
database (not from a list in the code), so a new store or menu item is understood as soon as it
is in the data. They are read through the executor as the ``system`` principal and cached by the
dataset's fingerprint (``data_dir/dataset.json``) and target.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlglot import exp

from app.errors import LuckyError
from app.executor import Executor
from guardrails.principal import SYSTEM


@dataclass(frozen=True)
class Store:
    id: int
    name: str
    shop_no: str
    neighbourhood: str | None
    address: str | None
    has_orders: bool
    opened: dt.date | None = None  # t_shop_info.set_up_time: "the new store" lists the newest first


@dataclass(frozen=True)
class Product:
    name: str
    category: str


@dataclass
class EntityCatalog:
    """Everything the parser links names to; ``fingerprint`` identifies the dataset it came from."""

    fingerprint: str
    stores: list[Store] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    pay_channels: dict[int, str] = field(default_factory=dict)
    neighbourhoods: list[str] = field(default_factory=list)
    machine_types: list[str] = field(default_factory=list)
    ingredients: list[str] = field(default_factory=list)
    first_order: dt.datetime | None = None  # UTC time of the first order: where the data starts

    def store(self, name: str) -> Store | None:
        return next((s for s in self.stores if s.name == name), None)


def dataset_fingerprint(data_dir: Path, target: str) -> str:
    """sha256 of ``dataset.json`` (written by the build) plus the target; the data dir when absent."""
    manifest = Path(data_dir) / "dataset.json"
    h = hashlib.sha256(target.encode())
    if manifest.exists():
        h.update(manifest.read_bytes())
    else:
        h.update(str(Path(data_dir).resolve()).encode())
    return h.hexdigest()[:16]


_CACHE: dict[str, EntityCatalog] = {}
_LOCK = threading.Lock()


def load_entities(executor: Executor, target: str | None = None,
                  known_stores: tuple[str, ...] = ()) -> EntityCatalog:
    """The entity catalog for the executor's dataset, read once and cached by fingerprint.

    ``known_stores`` are store names the semantic model describes; they are kept even without orders.
    """
    target = target or executor.settings.target
    fp = dataset_fingerprint(executor.settings.data_dir, target)
    with _LOCK:
        if fp in _CACHE:
            return _CACHE[fp]
    cat = _read(executor, target, fp, known_stores)
    with _LOCK:
        _CACHE[fp] = cat
    return cat


def _rows(executor: Executor, target: str, query: exp.Query) -> list[list[object]]:
    return executor.run(query, principal=SYSTEM, target=target, row_cap=5000).rows


def _optional(executor: Executor, target: str, query: exp.Query) -> list[list[object]]:
    """Names from a secondary table: a missing or unreadable table leaves that list empty, it does not stop
    the engine answering questions about orders."""
    try:
        return _rows(executor, target, query)
    except LuckyError:
        return []


def _col(name: str, table: str = "") -> exp.Column:
    return exp.column(name, table=table) if table else exp.column(name)


def _read(executor: Executor, target: str, fp: str, known_stores: tuple[str, ...]) -> EntityCatalog:
    # stores people can name: non-test shops that took orders, plus the named network (180 Varick
    # has no orders yet); cancelled sites that never traded would only add false matches
    traded_q = exp.select(_col("shop_id", "o")).distinct().from_(
        exp.to_table("luckyus_sales_order.t_order", alias="o"))
    traded = {int(str(r[0])) for r in _rows(executor, target, traded_q)}
    stores_q = (
        exp.select(_col("id", "s"), _col("shop_name", "s"), _col("shop_no", "s"), _col("neighbourhood", "s"),
                   _col("address", "s"), _col("set_up_time", "s"))
        .from_(exp.to_table("luckyus_opshop.t_shop_info", alias="s"))
        .where(exp.EQ(this=_col("test_flag", "s"), expression=exp.Literal.number(0)))
        .order_by(_col("id", "s"))
    )
    named = set(known_stores)
    stores = [Store(int(str(r[0])), str(r[1]), str(r[2]), _opt(r[3]), _opt(r[4]), int(str(r[0])) in traded,
                    _day(r[5])) for r in _rows(executor, target, stores_q)]
    stores = [s for s in stores if s.has_orders or s.name in named]
    products_q = (
        exp.select(_col("name", "c"), _col("one_category_name", "c"))
        .from_(exp.to_table("luckyus_scm_commodity.t_commodity_base_info", alias="c"))
        .distinct().order_by(_col("name", "c"))
    )
    products = [Product(str(r[0]), str(r[1])) for r in _optional(executor, target, products_q)]
    item_names_q = (
        exp.select(_col("spu_name", "oi"), _col("one_category_name", "oi"))
        .from_(exp.to_table("luckyus_sales_order.t_order_item", alias="oi"))
        .group_by(_col("spu_name", "oi"), _col("one_category_name", "oi"))
    )
    seen = {p.name for p in products}
    products += [Product(str(r[0]), str(r[1])) for r in _rows(executor, target, item_names_q)
                 if str(r[0]) not in seen]
    pay_q = (exp.select(_col("channel_id", "pc"), _col("channel_name", "pc"))
             .from_(exp.to_table("luckyus_sales_payment.t_pay_channel", alias="pc")))
    pay = {int(str(r[0])): str(r[1]) for r in _optional(executor, target, pay_q)}
    machines_q = (exp.select(_col("machine_type", "d")).distinct()
                  .from_(exp.to_table("luckyus_iot_platform.t_device", alias="d")))
    machines = sorted(str(r[0]) for r in _optional(executor, target, machines_q) if r[0])
    goods_q = (exp.select(_col("goods_name", "st")).distinct()
               .from_(exp.to_table("luckyus_scm_shopstock.t_shop_goods_stock", alias="st")))
    goods = sorted(str(r[0]) for r in _optional(executor, target, goods_q) if r[0])
    first_q = exp.select(exp.Min(this=_col("create_time", "o"))).from_(
        exp.to_table("luckyus_sales_order.t_order", alias="o"))
    first = _optional(executor, target, first_q)
    return EntityCatalog(
        fingerprint=fp, stores=stores, products=products, first_order=_moment(first[0][0]) if first else None,
        categories=sorted({p.category for p in products}), pay_channels=pay,
        neighbourhoods=sorted({s.neighbourhood for s in stores if s.neighbourhood}),
        machine_types=machines, ingredients=goods,
    )


def _opt(v: object) -> str | None:
    return None if v is None or str(v).strip() == "" else str(v)


def _moment(v: object) -> dt.datetime | None:
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None)
    try:
        return dt.datetime.fromisoformat(str(v)[:19]) if v is not None else None
    except ValueError:
        return None


def _day(v: object) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v)[:10]) if v is not None else None
    except ValueError:
        return None


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()
