"""The physical schema of the Luckin USA stand-in: every database, table and column.

This is the contract the generator writes, the DuckDB and MySQL loaders create, and the
catalog (``schema_catalog/``) documents. Column types are MySQL types; ``duckdb_type`` maps
them for the embedded warehouse. Row counts are the seed's full-scale figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # MySQL type, e.g. BIGINT, DECIMAL(12,2), VARCHAR(64), DATETIME
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    database: str
    name: str
    columns: tuple[Column, ...]
    primary_key: str | None = "id"
    indexes: tuple[tuple[str, ...], ...] = ()
    full_rows: int = 0  # the seed's row count at scale 1.0 (0 = empty by design)
    bulk: bool = False  # a very large table shrunk by ``bulk_scale`` unless asked otherwise

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.name}"

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.qualified} has no column {name}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _cols(spec: str) -> tuple[Column, ...]:
    """Parse ``name TYPE[, name TYPE ...]`` one column per line (NOT NULL marks required)."""
    out = []
    for raw in spec.strip().splitlines():
        line = raw.strip().rstrip(",")
        if not line:
            continue
        name, rest = line.split(None, 1)
        nullable = "NOT NULL" not in rest
        out.append(Column(name, rest.replace("NOT NULL", "").strip(), nullable))
    return tuple(out)


_AUDIT = """
create_time DATETIME NOT NULL
update_time DATETIME
"""

T: list[Table] = []


def _t(db: str, name: str, spec: str, *, rows: int = 0, indexes: tuple[tuple[str, ...], ...] = (),
       pk: str | None = "id", bulk: bool = False, audit: bool = True) -> None:
    cols = _cols(spec + (_AUDIT if audit else ""))
    T.append(Table(db, name, cols, pk, indexes, rows, bulk))


# ---------------------------------------------------------------- luckyus_sales_order
_t("luckyus_sales_order", "t_order", """
id BIGINT NOT NULL
order_no VARCHAR(32) NOT NULL
tenant VARCHAR(16) NOT NULL
channel TINYINT NOT NULL
order_type TINYINT NOT NULL
user_no VARCHAR(32) NOT NULL
shop_id BIGINT NOT NULL
shop_no VARCHAR(16) NOT NULL
shop_name VARCHAR(64) NOT NULL
status TINYINT NOT NULL
total_money DECIMAL(10,2) NOT NULL
discount_money DECIMAL(10,2) NOT NULL
delivery_fee DECIMAL(10,2) NOT NULL
tax_money DECIMAL(10,2) NOT NULL
payable_money DECIMAL(10,2) NOT NULL
pay_money DECIMAL(10,2) NOT NULL
currency_code VARCHAR(3) NOT NULL
coupon_no VARCHAR(32)
pay_time DATETIME
finish_time DATETIME
cancel_reason VARCHAR(64)
""", rows=516_000, indexes=(("shop_id", "create_time"), ("user_no",), ("status", "currency_code"),
                            ("create_time",), ("order_no",)))

_t("luckyus_sales_order", "t_order_item", """
id BIGINT NOT NULL
order_id BIGINT NOT NULL
tenant VARCHAR(16) NOT NULL
spu_code VARCHAR(16) NOT NULL
spu_name VARCHAR(64) NOT NULL
one_category_name VARCHAR(32) NOT NULL
two_category_name VARCHAR(32) NOT NULL
three_category_name VARCHAR(32) NOT NULL
sku_code VARCHAR(24) NOT NULL
sku_name VARCHAR(96) NOT NULL
quantity INT NOT NULL
origin_price DECIMAL(10,2) NOT NULL
sale_price DECIMAL(10,2) NOT NULL
pay_money DECIMAL(10,2) NOT NULL
tax_rate DECIMAL(6,5)
tax DECIMAL(10,2)
tax_mode TINYINT NOT NULL
tax_info VARCHAR(255)
currency_code VARCHAR(3) NOT NULL
""", rows=602_000, indexes=(("order_id",), ("spu_code",)))

_t("luckyus_sales_order", "t_order_amount", """
id BIGINT NOT NULL
order_id BIGINT NOT NULL
tenant VARCHAR(16) NOT NULL
total_money DECIMAL(10,2) NOT NULL
coupon_deduct DECIMAL(10,2) NOT NULL
promotion_deduct DECIMAL(10,2) NOT NULL
delivery_fee DECIMAL(10,2) NOT NULL
tax_amount DECIMAL(10,2) NOT NULL
gst_amount DECIMAL(10,2) NOT NULL
vat_amount DECIMAL(10,2) NOT NULL
pay_money DECIMAL(10,2) NOT NULL
currency_code VARCHAR(3) NOT NULL
""", rows=484_000, indexes=(("order_id",),))

_t("luckyus_sales_order", "t_order_oper_history", """
id BIGINT NOT NULL
order_id BIGINT NOT NULL
tenant VARCHAR(16) NOT NULL
oper_type TINYINT NOT NULL
from_status TINYINT
to_status TINYINT NOT NULL
operator VARCHAR(32) NOT NULL
remark VARCHAR(128)
""", rows=2_500_000, indexes=(("order_id",),), audit=False)

# ---------------------------------------------------------------- luckyus_sales_payment
_t("luckyus_sales_payment", "t_pay_channel", """
channel_id INT NOT NULL
channel_name VARCHAR(32) NOT NULL
pay_method VARCHAR(32) NOT NULL
provider VARCHAR(32) NOT NULL
fee_rate_bps INT NOT NULL
fee_fixed_cents INT NOT NULL
""", rows=11, pk="channel_id")

_t("luckyus_sales_payment", "t_trade", """
id BIGINT NOT NULL
trade_no VARCHAR(32) NOT NULL
tenant VARCHAR(16) NOT NULL
order_id BIGINT
order_no VARCHAR(32)
shop_id BIGINT NOT NULL
user_no VARCHAR(32) NOT NULL
channel_id INT NOT NULL
amount BIGINT NOT NULL
fee BIGINT NOT NULL
refund_amount BIGINT NOT NULL
currency_code VARCHAR(3) NOT NULL
status TINYINT NOT NULL
third_trade_no VARCHAR(64)
pay_time DATETIME
""", rows=518_000, indexes=(("order_id",), ("trade_no",), ("channel_id", "status"), ("create_time",)))

_t("luckyus_sales_payment", "t_channel_fee", """
id BIGINT NOT NULL
trade_id BIGINT NOT NULL
trade_no VARCHAR(32) NOT NULL
tenant VARCHAR(16) NOT NULL
channel_id INT NOT NULL
amount BIGINT NOT NULL
transaction_fee BIGINT NOT NULL
merchant_service_fee BIGINT NOT NULL
total_fee BIGINT NOT NULL
currency_code VARCHAR(3) NOT NULL
""", rows=502_000, indexes=(("trade_id",), ("channel_id",)))

_t("luckyus_sales_payment", "t_user_channel", """
id BIGINT NOT NULL
user_no VARCHAR(32) NOT NULL
channel_id INT NOT NULL
card_brand VARCHAR(16)
card_last4 VARCHAR(4)
is_default TINYINT NOT NULL
""", rows=157_000, indexes=(("user_no",),))

_t("luckyus_sales_payment", "t_user", """
id BIGINT NOT NULL
user_no VARCHAR(32) NOT NULL
stripe_customer_id VARCHAR(32) NOT NULL
email VARCHAR(96)
""", rows=10_000, indexes=(("user_no",),))

# ---------------------------------------------------------------- luckyus_opshop
_t("luckyus_opshop", "t_shop_info", """
id BIGINT NOT NULL
shop_no VARCHAR(16) NOT NULL
shop_name VARCHAR(64) NOT NULL
tenant VARCHAR(16) NOT NULL
status TINYINT NOT NULL
operation_mode TINYINT NOT NULL
time_zone VARCHAR(32) NOT NULL
currency_code VARCHAR(3) NOT NULL
address VARCHAR(128)
neighbourhood VARCHAR(32)
postal_code VARCHAR(10)
country_name VARCHAR(32)
administrative_area_name VARCHAR(32)
locality_name VARCHAR(32)
location_longitude DECIMAL(10,6)
location_latitude DECIMAL(10,6)
set_up_time DATETIME
internal TINYINT NOT NULL
test_flag TINYINT NOT NULL
""", rows=517, indexes=(("shop_no",),))

_t("luckyus_opshop", "t_shop_opening_time", """
id BIGINT NOT NULL
shop_id BIGINT NOT NULL
business_date DATE NOT NULL
week_day TINYINT NOT NULL
open_time VARCHAR(5) NOT NULL
close_time VARCHAR(5) NOT NULL
actual_open_time DATETIME
actual_close_time DATETIME
is_closed TINYINT NOT NULL
""", rows=135_000, indexes=(("shop_id", "business_date"),), audit=False)

# ---------------------------------------------------------------- luckyus_scm_commodity
_t("luckyus_scm_commodity", "t_commodity_base_info", """
id BIGINT NOT NULL
spu_code VARCHAR(16) NOT NULL
name VARCHAR(64) NOT NULL
one_category_name VARCHAR(32) NOT NULL
two_category_name VARCHAR(32) NOT NULL
status TINYINT NOT NULL
mode TINYINT NOT NULL
commodity_level TINYINT NOT NULL
sugar_level TINYINT
nutrition_grade_code VARCHAR(2)
calories INT
allergens VARCHAR(64)
origin_price DECIMAL(10,2) NOT NULL
is_iced TINYINT NOT NULL
launch_date DATE
""", rows=141, indexes=(("spu_code",),))

_t("luckyus_scm_commodity", "t_formula_spu", """
id BIGINT NOT NULL
spu_code VARCHAR(16) NOT NULL
sku_code VARCHAR(24) NOT NULL
formula_code VARCHAR(24) NOT NULL
step_no INT NOT NULL
goods_code VARCHAR(16) NOT NULL
quantity DECIMAL(10,3) NOT NULL
unit VARCHAR(8) NOT NULL
""", rows=32_000, indexes=(("spu_code",), ("goods_code",)))

_t("luckyus_scm_commodity", "t_mdm_goods", """
id BIGINT NOT NULL
goods_code VARCHAR(16) NOT NULL
goods_name VARCHAR(64) NOT NULL
goods_category VARCHAR(32) NOT NULL
unit VARCHAR(8) NOT NULL
spec VARCHAR(32)
shelf_life_days INT
unit_cost DECIMAL(10,4) NOT NULL
status TINYINT NOT NULL
""", rows=1_448, indexes=(("goods_code",),))

# ---------------------------------------------------------------- luckyus_sales_crm
_t("luckyus_sales_crm", "t_user", """
id BIGINT NOT NULL
user_no VARCHAR(32) NOT NULL
tenant VARCHAR(16) NOT NULL
phone VARCHAR(20)
email VARCHAR(96)
nick_name VARCHAR(32)
origin TINYINT NOT NULL
register_channel TINYINT NOT NULL
register_shop_id BIGINT
register_time DATETIME NOT NULL
time_zone VARCHAR(32) NOT NULL
status TINYINT NOT NULL
""", rows=275_000, indexes=(("user_no",), ("register_time",)))

_t("luckyus_sales_crm", "t_user_profile", """
id BIGINT NOT NULL
user_no VARCHAR(32) NOT NULL
gender TINYINT
birthday DATE
age_range VARCHAR(8)
zip_code VARCHAR(10)
occupation VARCHAR(32)
preferred_shop_id BIGINT
""", rows=193_000, indexes=(("user_no",),))

_t("luckyus_sales_crm", "t_user_history", """
id BIGINT NOT NULL
user_no VARCHAR(32) NOT NULL
event_type VARCHAR(24) NOT NULL
event_time DATETIME NOT NULL
detail VARCHAR(128)
""", rows=498_000, indexes=(("user_no",), ("event_time",)), audit=False)

# ---------------------------------------------------------------- luckyus_isales_cdp
_t("luckyus_isales_cdp", "t_realtime_user_group_log", """
id BIGINT NOT NULL
user_no VARCHAR(32) NOT NULL
group_id INT NOT NULL
group_name VARCHAR(48) NOT NULL
action TINYINT NOT NULL
""", rows=2_300_000, indexes=(("user_no",),), bulk=True)

_t("luckyus_isales_cdp", "t_user_state", """
id BIGINT NOT NULL
user_no VARCHAR(32) NOT NULL
state_key VARCHAR(32) NOT NULL
state_value VARCHAR(48) NOT NULL
""", rows=980_000, indexes=(("user_no",),))

_t("luckyus_isales_cdp", "t_user_event_track", """
id BIGINT NOT NULL
user_no VARCHAR(32) NOT NULL
event_name VARCHAR(32) NOT NULL
source VARCHAR(24) NOT NULL
device_os VARCHAR(12) NOT NULL
page VARCHAR(32)
is_first_touch TINYINT NOT NULL
event_time DATETIME NOT NULL
""", rows=168_000, indexes=(("user_no",),), audit=False)

# ---------------------------------------------------------------- luckyus_sales_marketing
_t("luckyus_sales_marketing", "t_coupon_template", """
id BIGINT NOT NULL
template_id INT NOT NULL
template_name VARCHAR(64) NOT NULL
coupon_type TINYINT NOT NULL
discount_amount DECIMAL(10,2)
discount_rate DECIMAL(4,2)
threshold_amount DECIMAL(10,2) NOT NULL
marketing_cost DECIMAL(12,2) NOT NULL
valid_days INT NOT NULL
start_time DATETIME NOT NULL
end_time DATETIME NOT NULL
status TINYINT NOT NULL
""", rows=1_262, indexes=(("template_id",),))

_COUPON = """
id BIGINT NOT NULL
coupon_no VARCHAR(32) NOT NULL
template_id INT NOT NULL
user_no VARCHAR(32) NOT NULL
status TINYINT NOT NULL
receive_time DATETIME NOT NULL
expire_time DATETIME NOT NULL
use_time DATETIME
order_id BIGINT
discount_amount DECIMAL(10,2)
"""
_t("luckyus_sales_marketing", "t_coupon_record", _COUPON, rows=2_600_000,
   indexes=(("user_no",), ("template_id",), ("order_id",)))
_t("luckyus_sales_marketing", "t_coupon_record_expired", _COUPON, rows=37_000_000,
   indexes=(("template_id",),), bulk=True)

_t("luckyus_sales_marketing", "t_user_group_label", """
id BIGINT NOT NULL
user_no VARCHAR(32) NOT NULL
label_id INT NOT NULL
label_name VARCHAR(48) NOT NULL
""", rows=3_900_000, indexes=(("user_no",), ("label_id",)), bulk=True)

_t("luckyus_sales_marketing", "t_market_activity_partake", """
id BIGINT NOT NULL
activity_id INT NOT NULL
activity_name VARCHAR(64) NOT NULL
user_no VARCHAR(32) NOT NULL
partake_time DATETIME NOT NULL
order_id BIGINT
reward_type TINYINT NOT NULL
""", rows=514_000, indexes=(("activity_id",), ("user_no",)))

# ---------------------------------------------------------------- luckyus_ifiaccounting
_t("luckyus_ifiaccounting", "t_acc_income_bill", """
id BIGINT NOT NULL
bill_no VARCHAR(32) NOT NULL
tenant VARCHAR(16) NOT NULL
shop_id BIGINT NOT NULL
business_date DATE NOT NULL
bill_hour TINYINT NOT NULL
channel_id INT NOT NULL
order_count INT NOT NULL
income_amount DECIMAL(12,2) NOT NULL
tax_amount DECIMAL(12,2) NOT NULL
currency_code VARCHAR(3) NOT NULL
bill_status TINYINT NOT NULL
""", rows=136_000, indexes=(("business_date", "shop_id"),))

_t("luckyus_ifiaccounting", "t_pre_voucher_entry_assist", """
id BIGINT NOT NULL
voucher_no VARCHAR(32) NOT NULL
bill_no VARCHAR(32) NOT NULL
shop_id BIGINT NOT NULL
business_date DATE NOT NULL
account_code VARCHAR(16) NOT NULL
account_name VARCHAR(48) NOT NULL
debit_amount DECIMAL(12,2) NOT NULL
credit_amount DECIMAL(12,2) NOT NULL
currency_code VARCHAR(3) NOT NULL
""", rows=179_000, indexes=(("bill_no",), ("business_date",)))

_t("luckyus_ifiaccounting", "t_acc_cost_bill", """
id BIGINT NOT NULL
bill_no VARCHAR(32) NOT NULL
shop_id BIGINT NOT NULL
business_date DATE NOT NULL
cost_type VARCHAR(24) NOT NULL
supplier_id INT
amount DECIMAL(12,2) NOT NULL
currency_code VARCHAR(3) NOT NULL
""", rows=5_649, indexes=(("business_date",),))

# ---------------------------------------------------------------- luckyus_scm_shopstock
_t("luckyus_scm_shopstock", "t_shop_goods_stock", """
id BIGINT NOT NULL
shop_id BIGINT NOT NULL
goods_code VARCHAR(16) NOT NULL
goods_name VARCHAR(64) NOT NULL
stock_date DATE NOT NULL
stock_qty DECIMAL(12,3) NOT NULL
unit VARCHAR(8) NOT NULL
safety_stock_qty DECIMAL(12,3) NOT NULL
max_stock_qty DECIMAL(12,3) NOT NULL
""", rows=150_000, indexes=(("shop_id", "goods_code"), ("stock_date",)))

for _day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
    _t("luckyus_scm_shopstock", f"t_shop_goods_stock_change_{_day}", """
id BIGINT NOT NULL
shop_id BIGINT NOT NULL
goods_code VARCHAR(16) NOT NULL
biz_date DATE NOT NULL
change_type TINYINT NOT NULL
change_qty DECIMAL(12,3) NOT NULL
before_qty DECIMAL(12,3) NOT NULL
after_qty DECIMAL(12,3) NOT NULL
ref_no VARCHAR(32)
""", rows=1_000_000, indexes=(("shop_id", "goods_code", "biz_date"),), bulk=True)

# ---------------------------------------------------------------- luckyus_opproduction
_t("luckyus_opproduction", "t_production", """
id BIGINT NOT NULL
production_no VARCHAR(32) NOT NULL
order_id BIGINT NOT NULL
shop_id BIGINT NOT NULL
status TINYINT NOT NULL
cup_count INT NOT NULL
accept_time DATETIME
done_time DATETIME
take_time DATETIME
""", rows=502_000, indexes=(("order_id",), ("shop_id", "create_time"), ("create_time",)))

_t("luckyus_opproduction", "t_commodity", """
id BIGINT NOT NULL
production_id BIGINT NOT NULL
order_id BIGINT NOT NULL
spu_code VARCHAR(16) NOT NULL
spu_name VARCHAR(64) NOT NULL
sku_code VARCHAR(24) NOT NULL
quantity INT NOT NULL
make_status TINYINT NOT NULL
device_no VARCHAR(24)
done_time DATETIME
""", rows=567_000, indexes=(("production_id",), ("spu_code",)))

_t("luckyus_opproduction", "t_print_receipt", """
id BIGINT NOT NULL
production_id BIGINT NOT NULL
order_id BIGINT NOT NULL
shop_id BIGINT NOT NULL
print_type TINYINT NOT NULL
printer_no VARCHAR(24) NOT NULL
print_time DATETIME NOT NULL
""", rows=2_000_000, indexes=(("production_id",),), bulk=True, audit=False)

# ---------------------------------------------------------------- luckyus_iot_platform
_t("luckyus_iot_platform", "t_device", """
id BIGINT NOT NULL
device_no VARCHAR(24) NOT NULL
device_name VARCHAR(64) NOT NULL
machine_type VARCHAR(32) NOT NULL
brand VARCHAR(24) NOT NULL
model VARCHAR(32) NOT NULL
shop_id BIGINT NOT NULL
status TINYINT NOT NULL
online_status TINYINT NOT NULL
firmware_version VARCHAR(16)
install_time DATETIME
last_online_time DATETIME
last_maintenance_time DATETIME
""", rows=216, indexes=(("shop_id",), ("device_no",)))

_t("luckyus_iot_platform", "t_cup_order_info", """
id BIGINT NOT NULL
device_no VARCHAR(24) NOT NULL
shop_id BIGINT NOT NULL
order_id BIGINT
production_id BIGINT
formula_code VARCHAR(24)
spu_code VARCHAR(16)
cup_status TINYINT NOT NULL
start_time DATETIME NOT NULL
end_time DATETIME
""", rows=587_000, indexes=(("device_no", "start_time"), ("shop_id",)))

_t("luckyus_iot_platform", "t_coffee_formula", """
id BIGINT NOT NULL
formula_code VARCHAR(24) NOT NULL
formula_name VARCHAR(64) NOT NULL
spu_code VARCHAR(16) NOT NULL
machine_type VARCHAR(32) NOT NULL
version INT NOT NULL
step_count INT NOT NULL
params VARCHAR(255)
""", rows=217, indexes=(("formula_code",),))

_t("luckyus_iot_platform", "t_device_event", """
id BIGINT NOT NULL
device_no VARCHAR(24) NOT NULL
shop_id BIGINT NOT NULL
event_type TINYINT NOT NULL
event_code VARCHAR(16)
message VARCHAR(128)
event_time DATETIME NOT NULL
""", rows=20_000, indexes=(("device_no", "event_time"),), audit=False)

# ---------------------------------------------------------------- luckyus_ireplenishment
_t("luckyus_ireplenishment", "wh_goods_daily_demand_pred", """
id BIGINT NOT NULL
shop_id BIGINT NOT NULL
goods_code VARCHAR(16) NOT NULL
pred_date DATE NOT NULL
lead_days TINYINT NOT NULL
pred_qty DECIMAL(12,3) NOT NULL
model_version VARCHAR(16) NOT NULL
""", rows=2_500_000, indexes=(("shop_id", "goods_code", "pred_date"),), bulk=True)

_t("luckyus_ireplenishment", "t_order_predict_alg_v2", """
id BIGINT NOT NULL
shop_id BIGINT NOT NULL
pred_date DATE NOT NULL
pred_hour TINYINT NOT NULL
pred_order_cnt DECIMAL(10,2) NOT NULL
model_version VARCHAR(16) NOT NULL
""", rows=124_000, indexes=(("shop_id", "pred_date"),))

# ---------------------------------------------------------------- luckyus_isalesdatamarketing
_t("luckyus_isalesdatamarketing", "t_experiment", """
id BIGINT NOT NULL
experiment_id INT NOT NULL
experiment_name VARCHAR(64) NOT NULL
layer_id INT NOT NULL
goal_metric VARCHAR(32) NOT NULL
start_time DATETIME NOT NULL
end_time DATETIME
status TINYINT NOT NULL
""", rows=40, indexes=(("experiment_id",),))

_t("luckyus_isalesdatamarketing", "t_user_hit_experiment_record", """
id BIGINT NOT NULL
experiment_id INT NOT NULL
group_name VARCHAR(8) NOT NULL
user_no VARCHAR(32) NOT NULL
scene VARCHAR(24) NOT NULL
hit_time DATETIME NOT NULL
""", rows=6_400_000, indexes=(("experiment_id", "group_name"), ("user_no",)), bulk=True, audit=False)

_t("luckyus_isalesdatamarketing", "t_user_traffic_distribution", """
id BIGINT NOT NULL
experiment_id INT NOT NULL
layer_id INT NOT NULL
user_no VARCHAR(32) NOT NULL
bucket INT NOT NULL
group_name VARCHAR(8) NOT NULL
""", rows=2_300_000, indexes=(("experiment_id",), ("user_no",)), bulk=True)

# ---------------------------------------------------------------- luckyus_scm_purchase
_t("luckyus_scm_purchase", "t_supplier", """
id BIGINT NOT NULL
supplier_id INT NOT NULL
supplier_name VARCHAR(64) NOT NULL
category VARCHAR(32) NOT NULL
contact_name VARCHAR(48)
contact_phone VARCHAR(20)
contact_email VARCHAR(96)
payment_terms_days INT NOT NULL
""", rows=24, indexes=(("supplier_id",),))

_t("luckyus_scm_purchase", "t_purchase_order", """
id BIGINT NOT NULL
po_no VARCHAR(24) NOT NULL
supplier_id INT NOT NULL
shop_id BIGINT
order_date DATE NOT NULL
expected_date DATE NOT NULL
total_amount DECIMAL(12,2) NOT NULL
currency_code VARCHAR(3) NOT NULL
status TINYINT NOT NULL
""", rows=694, indexes=(("supplier_id",), ("po_no",)))

_t("luckyus_scm_purchase", "t_purchase_order_item", """
id BIGINT NOT NULL
po_no VARCHAR(24) NOT NULL
goods_code VARCHAR(16) NOT NULL
goods_name VARCHAR(64) NOT NULL
quantity DECIMAL(12,3) NOT NULL
unit_price DECIMAL(10,4) NOT NULL
amount DECIMAL(12,2) NOT NULL
""", rows=3_500, indexes=(("po_no",), ("goods_code",)))

_t("luckyus_scm_purchase", "t_ship_order", """
id BIGINT NOT NULL
ship_no VARCHAR(24) NOT NULL
po_no VARCHAR(24) NOT NULL
supplier_id INT NOT NULL
shop_id BIGINT
ship_date DATE NOT NULL
expected_arrival_date DATE NOT NULL
arrival_date DATE
status TINYINT NOT NULL
carrier VARCHAR(32)
tracking_no VARCHAR(32)
""", rows=1_670, indexes=(("po_no",), ("supplier_id",)))

_t("luckyus_scm_purchase", "t_supplier_settlement", """
id BIGINT NOT NULL
settlement_no VARCHAR(24) NOT NULL
supplier_id INT NOT NULL
po_no VARCHAR(24) NOT NULL
amount DECIMAL(12,2) NOT NULL
due_date DATE NOT NULL
settle_date DATE
status TINYINT NOT NULL
""", rows=1_363, indexes=(("supplier_id",),))

# ---------------------------------------------------------------- luckyus_fi_tax (empty by design)
_t("luckyus_fi_tax", "t_tax_invoice", """
id BIGINT NOT NULL
invoice_no VARCHAR(32) NOT NULL
shop_id BIGINT NOT NULL
order_id BIGINT
invoice_date DATE NOT NULL
taxable_amount DECIMAL(12,2) NOT NULL
tax_amount DECIMAL(12,2) NOT NULL
tax_rate DECIMAL(6,5) NOT NULL
jurisdiction VARCHAR(32) NOT NULL
currency_code VARCHAR(3) NOT NULL
status TINYINT NOT NULL
""", indexes=(("invoice_date",),))
_t("luckyus_fi_tax", "t_tax_invoice_item", """
id BIGINT NOT NULL
invoice_no VARCHAR(32) NOT NULL
spu_code VARCHAR(16) NOT NULL
amount DECIMAL(12,2) NOT NULL
tax_amount DECIMAL(12,2) NOT NULL
""")
_t("luckyus_fi_tax", "t_tax_declaration", """
id BIGINT NOT NULL
period VARCHAR(7) NOT NULL
jurisdiction VARCHAR(32) NOT NULL
taxable_sales DECIMAL(14,2) NOT NULL
tax_due DECIMAL(14,2) NOT NULL
filed_time DATETIME
status TINYINT NOT NULL
""")
_t("luckyus_fi_tax", "t_tax_rate_config", """
id BIGINT NOT NULL
jurisdiction VARCHAR(32) NOT NULL
tax_rate DECIMAL(6,5) NOT NULL
effective_date DATE NOT NULL
""")

# ---------------------------------------------------------------- luckyus_isalesmembermarketing (empty)
_t("luckyus_isalesmembermarketing", "t_member_level", """
id BIGINT NOT NULL
level_code VARCHAR(16) NOT NULL
level_name VARCHAR(32) NOT NULL
min_points INT NOT NULL
""")
_t("luckyus_isalesmembermarketing", "t_member_account", """
id BIGINT NOT NULL
user_no VARCHAR(32) NOT NULL
level_code VARCHAR(16) NOT NULL
points_balance INT NOT NULL
join_time DATETIME NOT NULL
""")
_t("luckyus_isalesmembermarketing", "t_member_point_record", """
id BIGINT NOT NULL
user_no VARCHAR(32) NOT NULL
order_id BIGINT
points INT NOT NULL
reason VARCHAR(32) NOT NULL
""")

# ---------------------------------------------------------------- luckyus_iunifiedreconcile
_t("luckyus_iunifiedreconcile", "t_reconcile_rule", """
id BIGINT NOT NULL
rule_code VARCHAR(32) NOT NULL
rule_name VARCHAR(64) NOT NULL
source_a VARCHAR(64) NOT NULL
source_b VARCHAR(64) NOT NULL
match_key VARCHAR(32) NOT NULL
tolerance_cents INT NOT NULL
enabled TINYINT NOT NULL
""", rows=12)
_t("luckyus_iunifiedreconcile", "t_reconcile_config", """
id BIGINT NOT NULL
config_key VARCHAR(48) NOT NULL
config_value VARCHAR(128) NOT NULL
""", rows=20)

# ---------------------------------------------------------------- luckyus_opshopsale
_t("luckyus_opshopsale", "t_shop_sale_remark", """
id BIGINT NOT NULL
shop_id BIGINT NOT NULL
spu_code VARCHAR(16) NOT NULL
remark_type TINYINT NOT NULL
remark VARCHAR(128)
display_rule VARCHAR(32)
sort_no INT NOT NULL
is_visible TINYINT NOT NULL
""", rows=820_000, indexes=(("shop_id", "spu_code"),), bulk=True)


TABLES: dict[str, Table] = {t.qualified: t for t in T}
DATABASES: list[str] = sorted({t.database for t in T})


def table(qualified: str) -> Table:
    return TABLES[qualified]


_DUCK_TYPES = {
    "BIGINT": "BIGINT", "INT": "INTEGER", "TINYINT": "TINYINT", "DATETIME": "TIMESTAMP",
    "DATE": "DATE", "DOUBLE": "DOUBLE", "TEXT": "VARCHAR",
}


def duckdb_type(mysql_type: str) -> str:
    """The DuckDB type that stores a column of this MySQL type without loss."""
    base = mysql_type.split("(")[0].upper()
    if base == "VARCHAR":
        return "VARCHAR"
    if base == "DECIMAL":
        return mysql_type.upper()
    return _DUCK_TYPES[base]


def ddl_mysql(t: Table) -> str:
    cols = [f"`{c.name}` {c.type}{'' if c.nullable else ' NOT NULL'}" for c in t.columns]
    if t.primary_key:
        cols.append(f"PRIMARY KEY (`{t.primary_key}`)")
    for i, idx in enumerate(t.indexes):
        cols.append(f"KEY `ix_{t.name}_{i}` ({', '.join(f'`{c}`' for c in idx)})")
    return (f"CREATE TABLE `{t.database}`.`{t.name}` (\n  " + ",\n  ".join(cols)
            + "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")


def ddl_duckdb(t: Table) -> str:
    cols = [f'"{c.name}" {duckdb_type(c.type)}{"" if c.nullable else " NOT NULL"}' for c in t.columns]
    return f'CREATE TABLE "{t.database}"."{t.name}" (' + ", ".join(cols) + ")"


_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
assert all(_IDENT.match(c.name) for t in T for c in t.columns)
