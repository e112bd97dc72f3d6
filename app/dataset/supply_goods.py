"""Goods master and recipes: what each menu item is made of, in stock units.

``t_mdm_goods`` holds 1,448 goods: the ingredients and packaging the recipes use, the
operating supplies a store burns through every day (cleaning, gloves, receipt paper), and the
rest of a purchasing catalogue (alternates, seasonal and retired lines, spare parts). Units
are the unit stock is counted in (g, ml, pcs) and ``unit_cost`` is USD per unit.

``t_formula_spu`` has one formula per SKU of every menu SPU, one row per ingredient line.
SKU codes are ``<spu_code>-<size>-<sugar>`` with size S (12 oz), L (16 oz), XL (20 oz) and sugar
R/L/N (regular, less, none) -- the six S/L codes are the order items' variants -- plus an option
suffix of letters: O/A/C/K oat/almond/coconut/skim milk, X extra shot, I/Z less/no ice, F cold foam.
Food has one SKU, ``<spu_code>-STD``. What the stock tables deduct for an item is the formula of
its own SKU (``t_order_item.sku_code``), or of ``<spu_code>-L-R`` when the order items carry no
variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from app.dataset.arrowtab import Arr, build_table, master_rows
from app.dataset.context import GenContext
from app.dataset.gen_orders import VARIANT_CODES  # the order items' variants, by index

COM = "luckyus_scm_commodity"

# name, category, unit, spec, shelf life (days), USD per unit
_RECIPE: list[tuple[str, str, str, str, int, float]] = [
    ("Espresso Blend Beans", "Coffee Beans", "g", "1kg/bag", 180, 0.021),
    ("Decaf Espresso Beans", "Coffee Beans", "g", "1kg/bag", 180, 0.025),
    ("Drip Coffee Blend", "Coffee Beans", "g", "2kg/bag", 180, 0.016),
    ("Cold Brew Coarse Grind", "Coffee Beans", "g", "2kg/bag", 120, 0.018),
    ("Velvet Blend Beans", "Coffee Beans", "g", "1kg/bag", 180, 0.024),
    ("Whole Milk", "Dairy", "ml", "1 gal/3785ml", 12, 0.0011),
    ("Skim Milk", "Dairy", "ml", "1 gal/3785ml", 12, 0.0010),
    ("Half & Half", "Dairy", "ml", "1/2 gal/1893ml", 14, 0.0021),
    ("Heavy Cream", "Dairy", "ml", "1 qt/946ml", 21, 0.0048),
    ("Oat Milk (Barista)", "Plant Milk", "ml", "12 x 946ml", 90, 0.0042),
    ("Coconut Milk (Barista)", "Plant Milk", "ml", "12 x 946ml", 90, 0.0046),
    ("Almond Milk (Barista)", "Plant Milk", "ml", "12 x 946ml", 90, 0.0040),
    ("Soy Milk", "Plant Milk", "ml", "12 x 946ml", 90, 0.0035),
    ("Kyoto Matcha Powder", "Tea & Matcha", "g", "500g/tin", 365, 0.160),
    ("Culinary Matcha Powder", "Tea & Matcha", "g", "1kg/bag", 365, 0.070),
    ("Hojicha Powder", "Tea & Matcha", "g", "500g/bag", 365, 0.090),
    ("Chai Concentrate", "Tea & Matcha", "ml", "6 x 946ml", 60, 0.0060),
    ("Jasmine Green Tea Leaves", "Tea & Matcha", "g", "500g/bag", 365, 0.050),
    ("Cocoa Powder", "Tea & Matcha", "g", "1kg/bag", 365, 0.030),
    ("Classic Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0080),
    ("Vanilla Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0095),
    ("Caramel Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0095),
    ("Hazelnut Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0095),
    ("Brown Sugar Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0100),
    ("Coconut Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0105),
    ("Velvet Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0120),
    ("Caramel Popcorn Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0125),
    ("Pumpkin Spice Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0120),
    ("Peppermint Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0110),
    ("Lavender Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0120),
    ("Honey Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0110),
    ("Sugar-Free Vanilla Syrup", "Syrups & Sauces", "ml", "1L/bottle", 180, 0.0110),
    ("Mocha Sauce", "Syrups & Sauces", "ml", "1.9L/jug", 120, 0.0090),
    ("White Mocha Sauce", "Syrups & Sauces", "ml", "1.9L/jug", 120, 0.0100),
    ("Caramel Drizzle", "Syrups & Sauces", "ml", "1.9L/jug", 120, 0.0100),
    ("Mango Puree", "Fruit & Juice", "ml", "1L/pack", 30, 0.0090),
    ("Strawberry Puree", "Fruit & Juice", "ml", "1L/pack", 30, 0.0090),
    ("Peach Puree", "Fruit & Juice", "ml", "1L/pack", 30, 0.0085),
    ("Passion Fruit Puree", "Fruit & Juice", "ml", "1L/pack", 30, 0.0110),
    ("Lychee Juice", "Fruit & Juice", "ml", "1L/carton", 30, 0.0060),
    ("Pineapple Juice", "Fruit & Juice", "ml", "1L/carton", 30, 0.0045),
    ("Coconut Water", "Fruit & Juice", "ml", "1L/carton", 30, 0.0050),
    ("Lemon Juice", "Fruit & Juice", "ml", "1L/bottle", 30, 0.0055),
    ("Orange Juice", "Fruit & Juice", "ml", "1.75L/bottle", 14, 0.0040),
    ("Blueberry Puree", "Fruit & Juice", "ml", "1L/pack", 30, 0.0110),
    ("Refresher Base Berry", "Fruit & Juice", "ml", "2L/jug", 60, 0.0070),
    ("Refresher Base Tropical", "Fruit & Juice", "ml", "2L/jug", 60, 0.0070),
    ("Super Drink Concentrate", "Fruit & Juice", "ml", "1L/bottle", 60, 0.0150),
    ("Exfreezo Base Powder", "Toppings", "g", "1kg/bag", 270, 0.0200),
    ("Cold Foam Base", "Toppings", "ml", "1L/carton", 21, 0.0060),
    ("Cream Foam Mix", "Toppings", "g", "1kg/bag", 180, 0.0150),
    ("Whipped Cream", "Toppings", "ml", "500ml/can", 30, 0.0090),
    ("Coconut Flakes", "Toppings", "g", "1kg/bag", 180, 0.0120),
    ("Cookie Crumbs", "Toppings", "g", "1kg/bag", 180, 0.0100),
    ("Caramel Popcorn Topping", "Toppings", "g", "500g/bag", 120, 0.0180),
    ("Cinnamon Powder", "Toppings", "g", "500g/jar", 365, 0.0150),
    ("Sea Salt Cream Mix", "Toppings", "g", "1kg/bag", 180, 0.0140),
    ("Coffee Jelly", "Toppings", "g", "2kg/pack", 21, 0.0080),
    ("Packaged Ice", "Ice", "g", "10lb/bag", 365, 0.0004),
    ("Hot Cup 12oz", "Cups & Lids", "pcs", "1000/case", 730, 0.085),
    ("Hot Cup 16oz", "Cups & Lids", "pcs", "1000/case", 730, 0.095),
    ("Hot Cup 20oz", "Cups & Lids", "pcs", "1000/case", 730, 0.105),
    ("Iced Cup 16oz", "Cups & Lids", "pcs", "1000/case", 730, 0.075),
    ("Iced Cup 20oz", "Cups & Lids", "pcs", "1000/case", 730, 0.085),
    ("Iced Cup 24oz", "Cups & Lids", "pcs", "1000/case", 730, 0.095),
    ("Hot Lid 12/16oz", "Cups & Lids", "pcs", "1000/case", 730, 0.030),
    ("Iced Flat Lid", "Cups & Lids", "pcs", "1000/case", 730, 0.025),
    ("Iced Dome Lid", "Cups & Lids", "pcs", "1000/case", 730, 0.032),
    ("Paper Straw", "Cups & Lids", "pcs", "5000/case", 730, 0.012),
    ("Cup Sleeve", "Cups & Lids", "pcs", "1000/case", 730, 0.022),
    ("Stirrer", "Cups & Lids", "pcs", "10000/case", 730, 0.003),
    ("Cup Carrier 2-Cup", "Packaging", "pcs", "300/case", 730, 0.090),
    ("Cup Carrier 4-Cup", "Packaging", "pcs", "300/case", 730, 0.120),
    ("Paper Bag Small", "Packaging", "pcs", "500/case", 730, 0.040),
    ("Paper Bag Large", "Packaging", "pcs", "500/case", 730, 0.070),
    ("Food Wrap Bag", "Packaging", "pcs", "1000/case", 730, 0.020),
    ("Napkin", "Packaging", "pcs", "6000/case", 730, 0.004),
    ("Order Label Sticker", "Packaging", "pcs", "2000/roll", 730, 0.006),
    ("Sealing Film", "Packaging", "pcs", "3000/roll", 730, 0.010),
]
_OPS: list[tuple[str, str, str, str, int, float]] = [
    (f"{base} {size}", cat, unit, spec, 730, cost)
    for base, cat, unit, spec, cost in [
        ("Nitrile Gloves", "Cleaning & Safety", "pcs", "1000/case", 0.03),
        ("Sanitizer Concentrate", "Cleaning & Safety", "ml", "4 x 3.78L", 0.004),
        ("Dish Soap", "Cleaning & Safety", "ml", "4 x 3.78L", 0.003),
        ("Paper Towel Roll", "Cleaning & Safety", "pcs", "12/case", 1.60),
        ("Trash Bag", "Cleaning & Safety", "pcs", "250/case", 0.14),
        ("Espresso Machine Cleaning Tablet", "Machine Care", "pcs", "100/tub", 0.45),
        ("Milk Frother Cleaner", "Machine Care", "ml", "1L/bottle", 0.012),
        ("Descaler", "Machine Care", "ml", "1L/bottle", 0.015),
        ("Grinder Cleaner Pellets", "Machine Care", "g", "430g/tub", 0.040),
        ("Water Filter Cartridge", "Machine Care", "pcs", "1/box", 85.0),
        ("Receipt Paper Roll", "Labels & Paper", "pcs", "50/case", 0.90),
        ("Label Printer Roll", "Labels & Paper", "pcs", "12/case", 6.50),
        ("Cleaning Cloth", "Cleaning & Safety", "pcs", "50/pack", 0.35),
        ("Floor Cleaner", "Cleaning & Safety", "ml", "3.78L/jug", 0.003),
        ("Hand Soap", "Cleaning & Safety", "ml", "1L/refill", 0.006),
        ("Sponge", "Cleaning & Safety", "pcs", "24/pack", 0.40),
        ("Hair Net", "Cleaning & Safety", "pcs", "100/pack", 0.05),
        ("Apron", "Uniforms", "pcs", "1/each", 14.0),
        ("Pitcher Rinse Tablet", "Machine Care", "pcs", "120/tub", 0.20),
        ("Filter Paper", "Machine Care", "pcs", "500/pack", 0.03),
    ]
    for size in ("(std)", "(alt)", "(bulk)", "(eco)", "(store kit)", "(refill)", "(travel)")
]
_CATALOG_CATS = ["Coffee Beans", "Dairy", "Plant Milk", "Syrups & Sauces", "Tea & Matcha", "Fruit & Juice",
                 "Toppings", "Food", "Cups & Lids", "Packaging", "Cleaning & Safety", "Machine Care",
                 "Equipment Parts", "Uniforms", "Labels & Paper", "Merchandise"]
_CATALOG_WORDS = ["Seasonal", "Trial", "Alternate", "Imported", "Organic", "Holiday", "Limited", "Regional",
                  "Legacy", "Promo", "Sample", "Spare", "Replacement", "Premium", "Value"]
_PERISHABLE = {"Dairy", "Fruit & Juice", "Food"}


@dataclass
class Goods:
    """The goods master plus recipe matrices (products x goods) used to derive consumption."""

    code: Arr
    name: Arr
    category: Arr
    unit: Arr
    spec: Arr
    shelf_life: Arr
    unit_cost: Arr
    status: Arr
    n_recipe: int  # goods [0, n_recipe) are recipe goods
    ops: Arr  # operating supplies a store uses every day: the standard lines first, then the alternates
    ops_std: Arr  # the standard lines (deducted per order when the row budget asks for it)
    recipes: Arr  # (6 variants, n_products, n_goods): quantity per item of each order-item variant's SKU

    def index(self, name: str) -> int:
        hit = np.flatnonzero(self.name == name)
        if len(hit) == 0:
            raise KeyError(name)
        return int(hit[0])


def _food_goods(ctx: GenContext) -> list[tuple[str, str, str, str, int, float]]:
    names = np.asarray(ctx.products.name).astype(str)[np.asarray(ctx.products.is_food, dtype=bool)]
    return [(f"{n} (frozen)", "Food", "pcs", "24/case", 5, round(1.1 + 0.07 * (i % 9), 2)) for i, n in
            enumerate(sorted(set(names.tolist())))]


def build_goods(ctx: GenContext) -> tuple[Goods, pa.Table, pa.Table]:
    rng = ctx.rng("supply.goods")
    recipe = _RECIPE + _food_goods(ctx)
    rows = recipe + _OPS
    total = master_rows(f"{COM}.t_mdm_goods")
    k = 0
    while len(rows) < total:
        cat = _CATALOG_CATS[k % len(_CATALOG_CATS)]
        word = _CATALOG_WORDS[(k // len(_CATALOG_CATS)) % len(_CATALOG_WORDS)]
        unit = "pcs" if cat in ("Cups & Lids", "Packaging", "Equipment Parts", "Uniforms", "Merchandise",
                                "Food", "Labels & Paper") else ("g" if cat in ("Coffee Beans", "Tea & Matcha",
                                                                               "Toppings") else "ml")
        rows.append((f"{word} {cat} Item {k + 1:04d}", cat, unit, "1/each" if unit == "pcs" else "1kg/pack",
                     int(rng.choice([30, 90, 180, 365, 730])), round(float(rng.uniform(0.002, 40.0 if unit == "pcs"
                                                                                        else 0.05)), 4)))
        k += 1
    rows = rows[:total]
    n = len(rows)
    name = np.array([r[0] for r in rows])
    status = np.ones(n, dtype=np.int8)
    status[len(recipe) + len(_OPS):] = (rng.random(n - len(recipe) - len(_OPS)) < 0.7).astype(np.int8)
    goods = Goods(code=np.array([f"GD{100001 + i}" for i in range(n)]), name=name,
                  category=np.array([r[1] for r in rows]), unit=np.array([r[2] for r in rows]),
                  spec=np.array([r[3] for r in rows]), shelf_life=np.array([r[4] for r in rows]),
                  unit_cost=np.array([r[5] for r in rows]), status=status, n_recipe=len(recipe),
                  ops=len(recipe) + np.argsort(~np.char.endswith(np.array([r[0] for r in _OPS]), "(std)"),
                                               kind="stable"),
                  ops_std=len(recipe) + np.flatnonzero(np.char.endswith(np.array([r[0] for r in _OPS]), "(std)")),
                  recipes=np.zeros((len(VARIANT_CODES), len(ctx.products.spu_code), n)))
    lines = _formulas(ctx, goods)
    goods_t = build_table(f"{COM}.t_mdm_goods", {
        "id": np.arange(1, n + 1), "goods_code": goods.code, "goods_name": goods.name,
        "goods_category": goods.category, "unit": goods.unit, "spec": goods.spec, "shelf_life_days": goods.shelf_life,
        "unit_cost": goods.unit_cost, "status": goods.status,
        "create_time": np.datetime64("2025-05-01T12:00:00"), "update_time": np.datetime64("2026-01-15T12:00:00")})
    return goods, goods_t, lines


def _recipe_for(name: str, cat: str, iced: bool, food: bool, g: Goods) -> list[tuple[str, float]]:
    """Default (medium) recipe of one menu item as (goods name, quantity) pairs."""
    low = name.lower()
    if food:
        frozen = f"{name} (frozen)"
        return [(frozen, 1.0), ("Food Wrap Bag", 1.0), ("Napkin", 1.0), ("Order Label Sticker", 1.0)]
    out: list[tuple[str, float]] = []
    milk = "Coconut Milk (Barista)" if "coconut" in low else ("Oat Milk (Barista)" if "oat" in low else "Whole Milk")
    has_milk = any(w in low for w in ("latte", "cappuccino", "flat white", "macchiato", "mocha", "milk"))
    if cat == "Matcha" or "matcha" in low:
        out.append(("Kyoto Matcha Powder", 5.0))
        has_milk = True
    if cat == "Cold Brew" or "cold brew" in low:
        out.append(("Cold Brew Coarse Grind", 38.0))
    elif "drip" in low:
        out.append(("Drip Coffee Blend", 20.0))
    elif cat in ("Fresh Ground Coffee", "Classic Drinks") and "matcha" not in low:
        out.append(("Velvet Blend Beans" if "velvet" in low else "Espresso Blend Beans", 18.0))
    if cat == "Refreshers":
        fruit = next((f for f in ("Mango", "Strawberry", "Peach", "Passion Fruit", "Blueberry") if f.lower() in low),
                     "Mango")
        out += [(f"{fruit} Puree", 30.0), ("Refresher Base Tropical" if fruit in ("Mango", "Passion Fruit") else
                                            "Refresher Base Berry", 60.0), ("Coconut Water", 120.0)]
    elif cat == "Exfreezo":
        out += [("Exfreezo Base Powder", 40.0), ("Whole Milk", 120.0), ("Whipped Cream", 20.0)]
    elif cat == "Super Drink":
        out += [("Super Drink Concentrate", 45.0), ("Pineapple Juice", 150.0)]
    if has_milk:
        out.append((milk, 180.0 if iced else 240.0))
    for key, syrup in (("caramel popcorn", "Caramel Popcorn Syrup"), ("velvet", "Velvet Syrup"),
                       ("coconut", "Coconut Syrup"), ("vanilla", "Vanilla Syrup"), ("hazelnut", "Hazelnut Syrup"),
                       ("brown sugar", "Brown Sugar Syrup"), ("pumpkin", "Pumpkin Spice Syrup"),
                       ("peppermint", "Peppermint Syrup"), ("lavender", "Lavender Syrup"), ("honey", "Honey Syrup"),
                       ("mocha", "Mocha Sauce")):
        if key in low:
            out.append((syrup, 20.0))
            break
    else:
        if cat in ("Matcha", "Refreshers", "Exfreezo") or "latte" in low:
            out.append(("Classic Syrup", 15.0))
    if "caramel popcorn" in low:
        out.append(("Caramel Popcorn Topping", 4.0))
    if iced or cat in ("Cold Brew", "Refreshers", "Exfreezo", "Super Drink"):
        out += [("Packaged Ice", 180.0), ("Iced Cup 20oz", 1.0), ("Iced Flat Lid", 1.0), ("Paper Straw", 1.0)]
    else:
        out += [("Hot Cup 16oz", 1.0), ("Hot Lid 12/16oz", 1.0), ("Cup Sleeve", 1.0)]
    out += [("Order Label Sticker", 1.0), ("Napkin", 1.0)]
    return out


DEFAULT_VARIANT = VARIANT_CODES.index("L-R")  # 16 oz, regular sugar: what an item without a variant uses
_SIZES = {"S": 0.8, "L": 1.0, "XL": 1.25}
_SUGAR = {"R": 1.0, "L": 0.5, "N": 0.0}
_MILKS = {"": "", "O": "Oat Milk (Barista)", "A": "Almond Milk (Barista)", "C": "Coconut Milk (Barista)",
          "K": "Skim Milk"}
_ICE = {"": 1.0, "I": 0.5, "Z": 0.0}
_MILK_GOODS = {"Whole Milk", "Oat Milk (Barista)", "Almond Milk (Barista)", "Coconut Milk (Barista)", "Skim Milk"}
_CUPS = {"S": {"Iced Cup 20oz": "Iced Cup 16oz", "Hot Cup 16oz": "Hot Cup 12oz"},
         "XL": {"Iced Cup 20oz": "Iced Cup 24oz", "Hot Cup 16oz": "Hot Cup 20oz"}}


def _variant(base: list[tuple[str, float]], size: str, sugar: str, milk: str, shot: bool, ice: str, foam: bool,
             cat_of: dict[str, str]) -> list[tuple[str, float]]:
    out = []
    for goods, q in base:
        cat = cat_of.get(goods, "")
        if cat in ("Cups & Lids", "Packaging"):
            out.append((_CUPS.get(size, {}).get(goods, goods), q))
            continue
        if goods in _MILK_GOODS and milk:
            goods = _MILKS[milk]
        q = q * _SIZES[size] * (_SUGAR[sugar] if cat == "Syrups & Sauces" else 1.0)
        if goods == "Packaged Ice":
            q *= _ICE[ice]
        if q > 0:
            out.append((goods, round(q, 3)))
    if shot:
        out.append(("Espresso Blend Beans", 9.0))
    if foam:
        out.append(("Cold Foam Base", 40.0))
    return out


def _skus(base: list[tuple[str, float]], food: bool, cat_of: dict[str, str]
          ) -> list[tuple[str, list[tuple[str, float]]]]:
    """(sku suffix, lines) of one SPU: the six order-item variants first, then the options."""
    if food:
        return [("STD", base)]
    goods = {x for x, _ in base}
    milks = list(_MILKS) if goods & _MILK_GOODS else [""]
    shots = (False, True) if any(cat_of.get(x) == "Coffee Beans" for x in goods) else (False,)
    ices = list(_ICE) if "Packaged Ice" in goods else [""]
    foams = (False, True) if "Packaged Ice" in goods else (False,)
    out = []
    for code in VARIANT_CODES:
        size, sugar = code.split("-")
        out.append((code, _variant(base, size, sugar, "", False, "", False, cat_of)))
    for foam in foams:
        for ice in ices:
            for shot in shots:
                for milk in milks:
                    for size in _SIZES:
                        for sugar in _SUGAR:
                            if not (foam or ice or shot or milk) and size != "XL":
                                continue  # already listed as an order-item variant
                            opts = milk + ("X" if shot else "") + ice + ("F" if foam else "")
                            suffix = f"-{opts}" if opts else ""
                            out.append((f"{size}-{sugar}{suffix}",
                                        _variant(base, size, sugar, milk, shot, ice, foam, cat_of)))
    return out


def _formulas(ctx: GenContext, g: Goods) -> pa.Table:
    """All SKU formulas, the order-item variants first then the options round-robin, cut to the seed's size."""
    p = ctx.products
    cat_of = dict(zip(g.name.tolist(), g.category.tolist(), strict=True))
    pos = {n: i for i, n in enumerate(g.name.tolist())}
    spus = np.asarray(p.spu_code).astype(str)
    skus = [_skus(_recipe_for(str(n), str(c), bool(i), bool(f), g), bool(f), cat_of) for n, c, i, f in
            zip(p.name, p.category, p.is_iced, p.is_food, strict=True)]
    for j, sk in enumerate(skus):
        for v in range(len(VARIANT_CODES)):
            for goods, q in sk[v if len(sk) > 1 else 0][1]:
                g.recipes[v, j, pos[goods]] += q
    budget = master_rows(f"{COM}.t_formula_spu")
    rows: list[tuple[int, str, int, str, float]] = []  # product, sku suffix, step, goods, qty
    for k in range(max(len(v) for v in skus)):
        for j, sk in enumerate(skus):
            if k < len(sk) and len(rows) < budget:
                rows += [(j, sk[k][0], s + 1, goods, q) for s, (goods, q) in enumerate(sk[k][1])]
    rows = rows[:budget]
    prod = np.array([r[0] for r in rows])
    gi = np.array([pos[r[3]] for r in rows])
    sku = np.char.add(np.char.add(spus[prod], "-"), np.array([r[1] for r in rows]))
    return build_table(f"{COM}.t_formula_spu", {
        "id": np.arange(1, len(rows) + 1), "spu_code": spus[prod], "sku_code": sku,
        "formula_code": np.char.add("F", sku), "step_no": np.array([r[2] for r in rows]),
        "goods_code": g.code[gi], "quantity": np.array([r[4] for r in rows]), "unit": g.unit[gi],
        "create_time": np.datetime64("2025-05-15T12:00:00"), "update_time": np.datetime64("2025-12-01T12:00:00")})


def perishable(g: Goods) -> Any:
    return np.isin(g.category, list(_PERISHABLE))
