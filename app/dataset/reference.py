"""Reference data of the Luckin USA stand-in: shops, menu, payment channels and every code list.

Everything here is static and hand-written from the seed report (sections 2.2, 2.3, Tool 8).
The generator builds its tables from it and the schema catalog imports the code lists
(``CODES``) so the meaning of every coded column is written down in exactly one place.
Figures (orders, revenue) are the seed's full-scale targets; the generator scales them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# ----------------------------------------------------------------------------- code lists
TENANTS: dict[str, str] = {
    "LKUS": "Luckin Coffee USA production tenant",
    "LKCK": "Cook Islands test tenant (NZD test shops)",
}

ORDER_STATUS: dict[int, str] = {
    0: "cancelled (unpaid timeout, user cancel, or refunded before completion)",
    10: "pending payment",
    20: "paid, waiting for the store",
    30: "in production",
    40: "ready for pickup / handed to courier",
    50: "out for delivery",
    90: "completed",
}
ORDER_CHANNEL: dict[int, str] = {
    1: "Android app",
    2: "iOS app",
    3: "delivery platform",
    8: "H5 web ordering",
    9: "in-store kiosk",
    10: "corporate / partner API",
}
ORDER_TYPE: dict[int, str] = {1: "pickup", 2: "delivery"}
ORDER_OPER_TYPE: dict[int, str] = {
    1: "create",
    2: "pay",
    3: "store accept",
    4: "production done",
    5: "handed to courier",
    6: "complete",
    7: "cancel",
    8: "refund",
}
TAX_MODE: dict[int, str] = {
    0: "exempt (no tax applies)",
    1: "tax-exclusive: tax added on top of the price (US sales tax)",
    2: "tax-inclusive: price includes VAT (Cook Islands test shops)",
}
TRADE_STATUS: dict[int, str] = {
    0: "created, not paid",
    1: "paid, not yet settled by Stripe",
    2: "paid and settled (fee record exists)",
    3: "refunded (amount kept, refund_amount set)",
    4: "failed",
    5: "closed",
}
SHOP_STATUS: dict[int, str] = {
    1: "open / operating",
    2: "preparing, not opened",
    3: "temporarily closed",
    4: "permanently closed",
    9: "template (configuration only, never trades)",
}
SHOP_OPERATION_MODE: dict[int, str] = {
    1: "company-operated store",
    2: "pop-up / kiosk",
    3: "test store",
    4: "template",
}
COMMODITY_STATUS: dict[int, str] = {4: "online", 5: "offline"}
COMMODITY_MODE: dict[int, str] = {0: "fresh-made", 1: "pre-packaged"}
COMMODITY_LEVEL: dict[int, str] = {1: "S", 2: "A", 3: "B"}
SUGAR_LEVEL: dict[int, str] = {0: "no sugar", 1: "low", 2: "medium", 3: "high"}
NUTRITION_GRADE: dict[str, str] = {"A": "best", "B": "good", "C": "fair", "D": "poor"}
PRODUCTION_STATUS: dict[int, str] = {
    1: "waiting",
    2: "making",
    3: "done, waiting for pickup",
    4: "taken (completed)",
    5: "cancelled",
    6: "superseded by a remake",
}
MAKE_STATUS: dict[int, str] = {1: "made", 2: "remade", 3: "cancelled"}
PRINT_TYPE: dict[int, str] = {
    1: "customer receipt",
    2: "kitchen ticket",
    3: "cup label",
    4: "bag sticker",
    5: "reprint",
}
DEVICE_STATUS: dict[int, str] = {1: "in service", 2: "installed, not commissioned", 3: "retired"}
DEVICE_ONLINE_STATUS: dict[int, str] = {0: "offline", 1: "online"}
DEVICE_EVENT_TYPE: dict[int, str] = {
    1: "online",
    2: "offline",
    3: "error",
    4: "maintenance",
    5: "cleaning cycle",
    6: "firmware update",
}
CUP_STATUS: dict[int, str] = {1: "made", 2: "aborted", 3: "test / calibration cup"}
USER_ORIGIN: dict[int, str] = {
    1: "app store organic",
    2: "referral invite",
    3: "paid social ad",
    4: "in-store QR code",
    5: "delivery platform",
    6: "internal test account",
}
USER_STATUS: dict[int, str] = {1: "active", 2: "frozen", 3: "deregistered (PII removed)"}
BILL_STATUS: dict[int, str] = {1: "confirmed", 2: "pending review", 3: "adjusted"}
OPENING_CLOSED: dict[int, str] = {0: "open that day", 1: "closed that day"}

US_TAX_RATE = 0.08875  # New York State 4% + New York City 4.5% + MCTD 0.375%
CK_VAT_RATE = 0.15  # Cook Islands VAT, included in the price

# ----------------------------------------------------------------------------- payment channels


@dataclass(frozen=True)
class PayChannel:
    channel_id: int
    name: str
    method: str
    provider: str
    fee_bps: int  # percentage part of Stripe's fee, basis points
    fee_fixed_cents: int
    txns: int  # seed Tool 8: successful transactions (status 1/2/3)
    dollars: int  # seed Tool 8: SUM(amount)/100


PAY_CHANNELS: tuple[PayChannel, ...] = (
    PayChannel(53, "Apple Pay", "wallet", "Stripe", 220, 5, 205_988, 917_232),
    PayChannel(6, "Credit Card", "card", "Stripe", 240, 5, 168_286, 753_165),
    PayChannel(51, "Google Pay", "wallet", "Stripe", 220, 5, 30_901, 153_927),
    PayChannel(3, "Debit Card", "card", "Stripe", 150, 5, 27_301, 136_363),
    PayChannel(1, "Other Card", "card", "Stripe", 340, 10, 29_163, 100_710),
    PayChannel(52, "Alt Payment", "alternative", "Stripe", 300, 10, 17_829, 82_992),
    PayChannel(5, "Stripe Link", "wallet", "Stripe", 220, 5, 12_232, 57_078),
    PayChannel(91, "Gift Card", "stored value", "Luckin", 0, 0, 12_682, 56_875),
    PayChannel(54, "Cash App Pay", "wallet", "Stripe", 275, 15, 1_737, 11_688),
    PayChannel(55, "Klarna", "buy now pay later", "Stripe", 599, 30, 198, 892),
    PayChannel(92, "Test Channel", "test", "Luckin", 0, 0, 5, 188),
)
PAY_CHANNEL_NAME: dict[int, str] = {c.channel_id: c.name for c in PAY_CHANNELS}
MERCHANT_SERVICE_FEE_BPS = 15  # Luckin's platform service fee on top of Stripe's, basis points

# ----------------------------------------------------------------------------- shops


@dataclass(frozen=True)
class ShopRef:
    name: str
    address: str | None
    postal_code: str | None
    neighbourhood: str | None
    lat: float | None
    lon: float | None
    opened: dt.date | None  # first business day (local); None = never opened
    closed: dt.date | None  # last business day (local) for closed shops
    orders: int  # completed orders (status 90), full scale
    revenue: float  # SUM(pay_money) of those, full scale
    time_zone: str = "America/New_York"
    currency: str = "USD"
    status: int = 1
    mode: int = 1
    test_flag: int = 0
    internal: int = 0
    tenant: str = "LKUS"
    weekday_hours: tuple[int, int] = (7, 21)  # local open hour, close hour
    weekend_hours: tuple[int, int] = (8, 20)
    weekend_factor: float = 0.46  # weekend day volume relative to a weekday


# Section 2.2 of the seed, in its order; 180 Varick exists but never opened.
NYC_SHOPS: tuple[ShopRef, ...] = (
    ShopRef("8th & Broadway", "755 Broadway, New York, NY 10003", "10003", "NoHo/Greenwich Village",
            40.730624, -73.991925, dt.date(2025, 6, 30), None, 137_638, 612_844,
            weekday_hours=(7, 22), weekend_hours=(8, 21), weekend_factor=0.60),
    ShopRef("28th & 6th", "800 6th Ave, New York, NY 10001", "10001", "NoMad/Chelsea",
            40.745932, -73.990573, dt.date(2025, 6, 30), None, 92_226, 438_277, weekend_factor=0.45),
    ShopRef("54th & 8th", "901 8th Ave, New York, NY 10019", "10019", "Hell's Kitchen/Midtown West",
            40.764571, -73.984722, dt.date(2025, 8, 24), None, 56_303, 292_664, weekend_factor=0.55),
    ShopRef("102 Fulton", "102 Fulton St, New York, NY 10038", "10038", "Financial District",
            40.709960, -74.006520, dt.date(2025, 8, 28), None, 61_636, 298_627,
            weekday_hours=(7, 20), weekend_hours=(8, 18), weekend_factor=0.30),
    ShopRef("100 Maiden Ln", "100 Maiden Ln, New York, NY 10038", "10038", "Financial District",
            40.707150, -74.006550, dt.date(2025, 9, 9), None, 35_449, 168_070,
            weekday_hours=(7, 19), weekend_hours=(8, 17), weekend_factor=0.28),
    ShopRef("37th & Broadway", "1375 Broadway, New York, NY 10018", "10018", "Garment District/Midtown",
            40.752520, -73.987240, dt.date(2025, 11, 20), None, 26_841, 124_688, weekend_factor=0.38),
    ShopRef("33rd & 10th", "410 10th Ave, New York, NY 10001", "10001", "Hudson Yards",
            40.754440, -73.998980, dt.date(2025, 12, 1), None, 16_058, 76_063, weekend_factor=0.42),
    ShopRef("15th & 3rd", "147 3rd Ave, New York, NY 10003", "10003", "Gramercy/East Village",
            40.734330, -73.986610, dt.date(2025, 12, 14), None, 10_057, 47_607, weekend_factor=0.55),
    ShopRef("221 Grand", "221 Grand St, New York, NY 10013", "10013", "Little Italy/Chinatown",
            40.718930, -73.995790, dt.date(2025, 12, 15), None, 23_805, 117_403,
            weekday_hours=(7, 22), weekend_hours=(8, 22), weekend_factor=0.70),
    ShopRef("21st & 3rd", "261 3rd Ave, New York, NY 10010", "10010", "Gramercy Park",
            40.738160, -73.983660, dt.date(2026, 2, 6), None, 1_887, 8_518, weekend_factor=0.50),
    ShopRef("180 Varick", "180 Varick St, New York, NY 10014", "10014", "Hudson Square/SoHo",
            40.727420, -74.005450, None, None, 0, 0.0, status=2),
)

# Cook Islands test shops (NZD, test_flag=1): 21,245 completed orders, NZ$74,628 in all.
NZD_ORDERS = 21_245
NZD_REVENUE = 74_628.00
COOK_SHOPS: tuple[ShopRef, ...] = (
    ShopRef("Avarua Test Store", "Ara Tapu, Avarua, Rarotonga", None, "Avarua", -21.207540, -159.775470,
            dt.date(2025, 6, 16), dt.date(2026, 1, 30), 11_105, 38_977.0, time_zone="Pacific/Rarotonga", currency="NZD",
            mode=3, test_flag=1, internal=1, tenant="LKCK", weekday_hours=(7, 16), weekend_hours=(8, 15),
            weekend_factor=0.8),
    ShopRef("Muri Beach Test Kiosk", "Muri Beach Rd, Ngatangiia, Rarotonga", None, "Muri", -21.254880,
            -159.726610, dt.date(2025, 7, 14), dt.date(2026, 1, 16), 6_320, 22_243.0,
            time_zone="Pacific/Rarotonga", currency="NZD", status=4, mode=3, test_flag=1, internal=1,
            tenant="LKCK", weekday_hours=(8, 16), weekend_hours=(8, 16), weekend_factor=1.0),
    ShopRef("Arorangi Test Lab", "Main Rd, Arorangi, Rarotonga", None, "Arorangi", -21.229940, -159.822940,
            dt.date(2025, 9, 1), dt.date(2025, 12, 19), 3_820, 13_408.0, time_zone="Pacific/Rarotonga",
            currency="NZD", status=4, mode=3, test_flag=1, internal=1, tenant="LKCK",
            weekday_hours=(8, 15), weekend_hours=(9, 14), weekend_factor=0.5),
)

# Closed pop-ups that carry the completed USD orders/revenue not in section 2.2
# (466,252 - 461,900 orders; $2,194,799 - $2,184,761). A few mislabelled Cook Islands
# orders (currency USD) are part of that remainder; the generator subtracts them.
USD_TOTAL_ORDERS = 466_252
USD_TOTAL_REVENUE = 2_194_799.00
POPUP_SHOPS: tuple[ShopRef, ...] = (
    ShopRef("Hudson Yards Pop-up", "20 Hudson Yards, New York, NY 10001", "10001", "Hudson Yards",
            40.753540, -74.001930, dt.date(2025, 7, 11), dt.date(2025, 9, 7), 1_890, 4_360.0, status=4, mode=2,
            weekday_hours=(10, 18), weekend_hours=(10, 18), weekend_factor=1.1),
    ShopRef("Columbia Campus Pop-up", "2920 Broadway, New York, NY 10027", "10027", "Morningside Heights",
            40.807530, -73.963900, dt.date(2025, 9, 15), dt.date(2025, 10, 31), 1_460, 3_368.0, status=4, mode=2,
            weekday_hours=(9, 17), weekend_hours=(10, 16), weekend_factor=0.3),
    ShopRef("Bryant Park Winter Village Kiosk", "Bryant Park, New York, NY 10018", "10018", "Midtown",
            40.753600, -73.983200, dt.date(2025, 11, 1), dt.date(2026, 1, 4), 1_002, 2_310.0, status=4, mode=2,
            weekday_hours=(10, 20), weekend_hours=(10, 20), weekend_factor=1.4),
)

N_SHOP_ROWS = 517  # t_shop_info rows at every scale

# ----------------------------------------------------------------------------- menu


@dataclass(frozen=True)
class ProductRef:
    name: str
    category: str  # one_category_name
    sub: str  # two_category_name
    list_price: float  # USD menu price per unit
    top_orders: int = 0  # seed 2.3 item rows on completed orders (0 = not in the top 15)
    top_revenue: float = 0.0
    weight: float = 0.0  # relative popularity among the non-top products
    mode: int = 0  # 0 fresh-made, 1 pre-packaged
    taxable: bool = True
    level: int = 2  # 1 S, 2 A, 3 B
    sugar: int = 2
    grade: str = "C"
    calories: int = 200
    allergens: str | None = "milk"


FGC, CLS, MAT, CB, REF, EXF, SUP, FOOD = (
    "Fresh Ground Coffee", "Classic Drinks", "Matcha", "Cold Brew", "Refreshers", "Exfreezo",
    "Super Drink", "Food")

P = ProductRef
MENU: tuple[ProductRef, ...] = (
    # --- the seed's top 15 (section 2.3), exact names and categories
    P("Iced Coconut Latte", FGC, "Signature Latte", 5.45, 70_162, 226_090, level=1, calories=210,
      allergens="coconut, milk"),
    P("Iced Kyoto Matcha Latte", MAT, "Matcha Latte", 5.75, 37_246, 125_785, level=1, calories=230),
    P("Drip Coffee", CLS, "Brewed Coffee", 3.45, 34_420, 84_593, level=1, sugar=0, grade="A", calories=5,
      allergens=None),
    P("Latte", CLS, "Espresso Classics", 5.25, 30_802, 99_886, level=1, sugar=0, grade="B", calories=190),
    P("Iced Latte", CLS, "Espresso Classics", 5.25, 27_934, 94_922, level=1, sugar=0, grade="B", calories=150),
    P("Iced Velvet Latte", FGC, "Signature Latte", 5.75, 25_598, 89_126, level=1, calories=240),
    P("Sausage Egg & Cheese Croissant", FOOD, "Breakfast Sandwich", 6.25, 25_415, 97_681, level=1,
      sugar=0, grade="D", calories=520, allergens="wheat, egg, milk"),
    P("Cold Brew", CB, "Cold Brew", 4.95, 21_516, 65_903, level=1, sugar=0, grade="A", calories=10,
      allergens=None),
    P("Coconut Latte", FGC, "Signature Latte", 5.45, 18_606, 60_702, level=1, calories=230,
      allergens="coconut, milk"),
    P("Iced Kyoto Matcha Coconut Latte", FGC, "Signature Latte", 5.95, 18_219, 63_099, level=1, calories=250,
      allergens="coconut, milk"),
    P("Kyoto Matcha Latte", MAT, "Matcha Latte", 5.75, 14_743, 48_631, level=2, calories=240),
    P("Iced Caramel Popcorn Latte", FGC, "Signature Latte", 5.95, 13_666, 49_298, level=2, sugar=3,
      grade="D", calories=290),
    P("Iced Americano", CLS, "Espresso Classics", 4.45, 12_928, 43_274, level=2, sugar=0, grade="A",
      calories=15, allergens=None),
    P("Cappuccino", CLS, "Espresso Classics", 5.25, 11_261, 37_196, level=2, sugar=0, grade="B", calories=140),
    P("Americano", CLS, "Espresso Classics", 4.25, 10_775, 30_196, level=2, sugar=0, grade="A", calories=15,
      allergens=None),
    # --- the rest of the menu (weights: relative volume among non-top products)
    P("Velvet Latte", FGC, "Signature Latte", 5.75, weight=6000, calories=250),
    P("Kyoto Matcha Coconut Latte", FGC, "Signature Latte", 5.95, weight=3000, allergens="coconut, milk"),
    P("Caramel Popcorn Latte", FGC, "Signature Latte", 5.95, weight=4200, sugar=3, grade="D", calories=300),
    P("Iced Pistachio Latte", FGC, "Signature Latte", 6.25, weight=7800, allergens="tree nuts, milk"),
    P("Pistachio Latte", FGC, "Signature Latte", 6.25, weight=3100, allergens="tree nuts, milk"),
    P("Iced Brown Sugar Oat Latte", FGC, "Oat Latte", 5.95, weight=8200, sugar=3, allergens="oat"),
    P("Brown Sugar Oat Latte", FGC, "Oat Latte", 5.95, weight=2600, sugar=3, allergens="oat"),
    P("Iced Jasmine Latte", FGC, "Signature Latte", 5.75, weight=3500, level=3),
    P("Jasmine Latte", FGC, "Signature Latte", 5.75, weight=1500, level=3),
    P("Iced Coconut Cloud Americano", FGC, "Signature Americano", 5.25, weight=5200, allergens="coconut"),
    P("Iced Mango Coconut Latte", FGC, "Signature Latte", 5.95, weight=2400, level=3, sugar=3,
      allergens="coconut, milk"),
    P("Iced Vanilla Oat Latte", FGC, "Oat Latte", 5.75, weight=4100, allergens="oat"),
    P("Vanilla Oat Latte", FGC, "Oat Latte", 5.75, weight=1700, allergens="oat"),
    P("Iced Orange Americano", FGC, "Signature Americano", 4.95, weight=3800, sugar=1, grade="B",
      allergens=None),
    P("Flat White", CLS, "Espresso Classics", 5.25, weight=3900, sugar=0, grade="B"),
    P("Iced Flat White", CLS, "Espresso Classics", 5.25, weight=3400, sugar=0, grade="B"),
    P("Espresso", CLS, "Espresso Classics", 3.45, weight=1800, sugar=0, grade="A", calories=5, allergens=None),
    P("Cortado", CLS, "Espresso Classics", 4.75, weight=1500, sugar=0, grade="B"),
    P("Mocha", CLS, "Espresso Classics", 5.75, weight=2600, sugar=3, grade="D", calories=320),
    P("Iced Mocha", CLS, "Espresso Classics", 5.75, weight=3000, sugar=3, grade="D", calories=300),
    P("Caramel Macchiato", CLS, "Espresso Classics", 5.75, weight=2800, sugar=3, grade="D"),
    P("Iced Caramel Macchiato", CLS, "Espresso Classics", 5.75, weight=5400, sugar=3, grade="D"),
    P("Vanilla Latte", CLS, "Espresso Classics", 5.45, weight=2500),
    P("Iced Vanilla Latte", CLS, "Espresso Classics", 5.45, weight=4600),
    P("Hot Chocolate", CLS, "Chocolate", 4.75, weight=2100, level=3, sugar=3, grade="D", calories=350),
    P("Iced Coffee", CLS, "Brewed Coffee", 3.75, weight=3200, sugar=0, grade="A", calories=5, allergens=None),
    P("Iced Cappuccino", CLS, "Espresso Classics", 5.25, weight=1300, sugar=0, grade="B"),
    P("Iced Strawberry Matcha Latte", MAT, "Matcha Latte", 6.25, weight=5200, sugar=3),
    P("Iced Mango Matcha Latte", MAT, "Matcha Latte", 6.25, weight=2300, level=3, sugar=3),
    P("Iced Matcha Coconut Cloud", MAT, "Matcha Latte", 6.25, weight=2000, allergens="coconut, milk"),
    P("Hojicha Latte", MAT, "Hojicha", 5.75, weight=1200, level=3),
    P("Iced Hojicha Latte", MAT, "Hojicha", 5.75, weight=1700, level=3),
    P("Iced Matcha Espresso Fusion", MAT, "Matcha Latte", 5.95, weight=1900),
    P("Vanilla Sweet Cream Cold Brew", CB, "Cold Brew", 5.45, weight=4300, sugar=2),
    P("Coconut Cold Brew", CB, "Cold Brew", 5.45, weight=3900, allergens="coconut"),
    P("Salted Caramel Cream Cold Brew", CB, "Cold Brew", 5.75, weight=2900, sugar=3, grade="D"),
    P("Orange Cold Brew", CB, "Cold Brew", 5.25, weight=1500, level=3, sugar=1, grade="B", allergens=None),
    P("Nitro Cold Brew", CB, "Cold Brew", 5.25, weight=1100, level=3, sugar=0, grade="A", allergens=None),
    P("Iced Strawberry Dragonfruit Refresher", REF, "Fruit Refresher", 4.95, weight=2600, sugar=2,
      allergens=None),
    P("Iced Peach Oolong Refresher", REF, "Fruit Tea", 4.95, weight=2200, sugar=2, allergens=None),
    P("Iced Lemon Black Tea", REF, "Fruit Tea", 4.45, weight=1900, sugar=2, allergens=None),
    P("Iced Passion Fruit Green Tea", REF, "Fruit Tea", 4.45, weight=1600, sugar=2, allergens=None),
    P("Iced Lychee Jasmine Refresher", REF, "Fruit Refresher", 4.95, weight=1400, level=3, allergens=None),
    P("Iced Mango Pineapple Refresher", REF, "Fruit Refresher", 4.95, weight=1800, sugar=3, allergens=None),
    P("Coconut Coffee Exfreezo", EXF, "Frozen Blended", 5.95, weight=1400, sugar=3, grade="D", calories=380,
      allergens="coconut, milk"),
    P("Matcha Exfreezo", EXF, "Frozen Blended", 5.95, weight=1200, sugar=3, grade="D", calories=360),
    P("Mango Exfreezo", EXF, "Frozen Blended", 5.75, weight=900, level=3, sugar=3, grade="D", calories=340),
    P("Strawberry Exfreezo", EXF, "Frozen Blended", 5.75, weight=800, level=3, sugar=3, grade="D", calories=340),
    P("Caramel Exfreezo", EXF, "Frozen Blended", 5.95, weight=700, level=3, sugar=3, grade="D", calories=410),
    P("Chocolate Exfreezo", EXF, "Frozen Blended", 5.95, weight=600, level=3, sugar=3, grade="D", calories=420),
    P("Protein Latte", SUP, "Functional", 6.45, weight=900, level=3, sugar=1, grade="B", calories=260),
    P("Iced Protein Latte", SUP, "Functional", 6.45, weight=1300, level=3, sugar=1, grade="B", calories=240),
    P("Ginger Turmeric Super Drink", SUP, "Functional", 5.95, weight=500, level=3, sugar=1, grade="A",
      calories=120, allergens=None),
    P("Collagen Peach Super Drink", SUP, "Functional", 5.95, weight=600, level=3, sugar=2, grade="B",
      calories=140, allergens=None),
    P("Energy Citrus Super Drink", SUP, "Functional", 5.45, weight=800, level=3, sugar=2, grade="B",
      calories=110, allergens=None),
    P("Iced Oat Protein Shake", SUP, "Functional", 6.45, weight=500, level=3, sugar=1, grade="B",
      calories=300, allergens="oat, soy"),
    P("Bacon Egg & Cheese Croissant", FOOD, "Breakfast Sandwich", 6.25, weight=7200, sugar=0, grade="D",
      calories=540, allergens="wheat, egg, milk"),
    P("Ham & Cheese Croissant", FOOD, "Breakfast Sandwich", 5.75, weight=4300, sugar=0, grade="D",
      calories=450, allergens="wheat, milk"),
    P("Egg White & Spinach Wrap", FOOD, "Breakfast Sandwich", 5.95, weight=2600, sugar=0, grade="B",
      calories=290, allergens="wheat, egg, milk"),
    P("Turkey & Swiss Sandwich", FOOD, "Sandwich", 7.25, weight=1500, level=3, sugar=0, grade="C",
      calories=480, allergens="wheat, milk"),
    P("Butter Croissant", FOOD, "Bakery", 3.95, weight=4800, sugar=1, grade="D", calories=310,
      allergens="wheat, milk, egg"),
    P("Chocolate Croissant", FOOD, "Bakery", 4.25, weight=4100, sugar=2, grade="D", calories=360,
      allergens="wheat, milk, egg"),
    P("Almond Croissant", FOOD, "Bakery", 4.45, weight=2600, sugar=2, grade="D", calories=420,
      allergens="wheat, milk, egg, tree nuts"),
    P("Cheese Danish", FOOD, "Bakery", 4.25, weight=1500, level=3, sugar=2, grade="D", calories=390,
      allergens="wheat, milk, egg"),
    P("Blueberry Muffin", FOOD, "Packaged Bakery", 3.75, weight=2200, mode=1, taxable=False, sugar=3,
      grade="D", calories=430, allergens="wheat, milk, egg"),
    P("Banana Bread", FOOD, "Packaged Bakery", 3.75, weight=1700, mode=1, taxable=False, sugar=3, grade="D",
      calories=400, allergens="wheat, egg, tree nuts"),
    P("Chocolate Chip Cookie", FOOD, "Packaged Bakery", 2.95, weight=2400, mode=1, taxable=False, sugar=3,
      grade="D", calories=380, allergens="wheat, milk, egg"),
    P("Yogurt Parfait", FOOD, "Packaged Snacks", 4.95, weight=900, mode=1, taxable=False, level=3, sugar=2,
      grade="B", calories=250),
    P("Bottled Water", FOOD, "Packaged Drinks", 2.50, weight=1300, mode=1, level=3, sugar=0, grade="A",
      calories=0, allergens=None),
)

# Discontinued seasonal items: t_commodity_base_info rows with status 5 only, never sold in the window.
DISCONTINUED: tuple[tuple[str, str, str, float], ...] = (
    ("Iced Watermelon Refresher", REF, "Fruit Refresher", 4.95),
    ("Iced Peach Coconut Latte", FGC, "Signature Latte", 5.95),
    ("Pumpkin Spice Latte", FGC, "Seasonal Latte", 6.25),
    ("Iced Pumpkin Spice Latte", FGC, "Seasonal Latte", 6.25),
    ("Maple Oat Latte", FGC, "Oat Latte", 5.95),
    ("Iced Maple Oat Latte", FGC, "Oat Latte", 5.95),
    ("Peppermint Mocha", CLS, "Espresso Classics", 5.95),
    ("Iced Peppermint Mocha", CLS, "Espresso Classics", 5.95),
    ("Gingerbread Latte", FGC, "Seasonal Latte", 6.25),
    ("Iced Gingerbread Latte", FGC, "Seasonal Latte", 6.25),
    ("Iced Yuzu Americano", FGC, "Signature Americano", 5.25),
    ("Iced Lavender Latte", FGC, "Signature Latte", 5.95),
    ("Lavender Latte", FGC, "Signature Latte", 5.95),
    ("Iced Blueberry Refresher", REF, "Fruit Refresher", 4.95),
    ("Iced Grape Jasmine Tea", REF, "Fruit Tea", 4.95),
    ("Iced Matcha Cold Foam Latte", MAT, "Matcha Latte", 6.25),
    ("Black Sesame Latte", MAT, "Hojicha", 5.95),
    ("Iced Black Sesame Latte", MAT, "Hojicha", 5.95),
    ("Espresso Tonic", CB, "Cold Brew", 5.25),
    ("Coconut Exfreezo", EXF, "Frozen Blended", 5.95),
    ("Cookies & Cream Exfreezo", EXF, "Frozen Blended", 5.95),
    ("Vitamin C Super Drink", SUP, "Functional", 5.45),
    ("Greens Super Drink", SUP, "Functional", 5.95),
    ("Everything Bagel", FOOD, "Bakery", 3.25),
    ("Cinnamon Roll", FOOD, "Bakery", 4.25),
    ("Spinach Feta Wrap", FOOD, "Breakfast Sandwich", 5.95),
    ("Madeleines (3 pcs)", FOOD, "Packaged Bakery", 3.95),
)
N_COMMODITY_ROWS = 141  # t_commodity_base_info rows: menu + offline duplicates + discontinued

# ----------------------------------------------------------------------------- IoT fleet

MACHINE_TYPES: dict[str, tuple[str, str]] = {  # machine_type -> (brand, model)
    "Espresso Machine": ("Schaerer", "Coffee Art Plus"),
    "Espresso Machine (Compact)": ("Schaerer", "Coffee Soul 12"),
    "Blender": ("Vitamix", "The Quiet One"),
    "Ice Maker": ("Hoshizaki", "KM-660MAJ"),
    "Ice Dispenser": ("Follett", "E12CI400A"),
    "Cold Brew System": ("Bunn", "ColdBrew 1.0"),
    "Drip Brewer": ("Fetco", "CBS-2131XTS"),
    "Milk Cooler": ("Schaerer", "Fridge 10L"),
    "Oven": ("Merrychef", "eikon e2s"),
    "Refrigerator": ("True", "T-49-HC"),
    "Freezer": ("Turbo Air", "M3F24-1-N"),
    "Water Filtration": ("Everpure", "QL3-MC2"),
    "Tea Brewer": ("Bunn", "TB3Q"),
    "Sealing Machine": ("Lintec", "Cup Sealer 95"),
}
# Which machine makes a drink of each category (food and pre-packaged items use none).
CATEGORY_MACHINE: dict[str, str] = {
    FGC: "Espresso Machine", CLS: "Espresso Machine", MAT: "Espresso Machine", CB: "Cold Brew System",
    REF: "Tea Brewer", EXF: "Blender", SUP: "Blender",
}
N_DEVICES = 216
N_FORMULAS = 217

# ----------------------------------------------------------------------------- every coded column

CODES: dict[str, dict[int, str] | dict[str, str]] = {
    "luckyus_sales_order.t_order.status": ORDER_STATUS,
    "luckyus_sales_order.t_order.channel": ORDER_CHANNEL,
    "luckyus_sales_order.t_order.order_type": ORDER_TYPE,
    "luckyus_sales_order.t_order.tenant": TENANTS,
    "luckyus_sales_order.t_order_item.tax_mode": TAX_MODE,
    "luckyus_sales_order.t_order_oper_history.oper_type": ORDER_OPER_TYPE,
    "luckyus_sales_order.t_order_oper_history.to_status": ORDER_STATUS,
    "luckyus_sales_payment.t_trade.status": TRADE_STATUS,
    "luckyus_sales_payment.t_trade.channel_id": PAY_CHANNEL_NAME,
    "luckyus_sales_payment.t_channel_fee.channel_id": PAY_CHANNEL_NAME,
    "luckyus_sales_payment.t_user_channel.channel_id": PAY_CHANNEL_NAME,
    "luckyus_opshop.t_shop_info.status": SHOP_STATUS,
    "luckyus_opshop.t_shop_info.operation_mode": SHOP_OPERATION_MODE,
    "luckyus_opshop.t_shop_opening_time.is_closed": OPENING_CLOSED,
    "luckyus_scm_commodity.t_commodity_base_info.status": COMMODITY_STATUS,
    "luckyus_scm_commodity.t_commodity_base_info.mode": COMMODITY_MODE,
    "luckyus_scm_commodity.t_commodity_base_info.commodity_level": COMMODITY_LEVEL,
    "luckyus_scm_commodity.t_commodity_base_info.sugar_level": SUGAR_LEVEL,
    "luckyus_scm_commodity.t_commodity_base_info.nutrition_grade_code": NUTRITION_GRADE,
    "luckyus_sales_crm.t_user.origin": USER_ORIGIN,
    "luckyus_sales_crm.t_user.register_channel": ORDER_CHANNEL,
    "luckyus_sales_crm.t_user.status": USER_STATUS,
    "luckyus_opproduction.t_production.status": PRODUCTION_STATUS,
    "luckyus_opproduction.t_commodity.make_status": MAKE_STATUS,
    "luckyus_opproduction.t_print_receipt.print_type": PRINT_TYPE,
    "luckyus_iot_platform.t_device.status": DEVICE_STATUS,
    "luckyus_iot_platform.t_device.online_status": DEVICE_ONLINE_STATUS,
    "luckyus_iot_platform.t_device_event.event_type": DEVICE_EVENT_TYPE,
    "luckyus_iot_platform.t_cup_order_info.cup_status": CUP_STATUS,
    "luckyus_ifiaccounting.t_acc_income_bill.bill_status": BILL_STATUS,
}


# Codes that are documented but cannot appear in a snapshot taken after the day closed
# (lifecycle states every order or ticket passes through; see t_order_oper_history).
CODES_NOT_IN_SNAPSHOT: dict[str, set[int]] = {
    "luckyus_sales_order.t_order.status": {20, 30, 40, 50},
    "luckyus_sales_crm.t_user.register_channel": {9, 10},
    "luckyus_opproduction.t_production.status": {1, 2, 3},
}


def top15() -> list[ProductRef]:
    """The seed's top-15 products, in rank order."""
    return sorted((p for p in MENU if p.top_orders), key=lambda p: -p.top_orders)
