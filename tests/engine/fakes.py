"""An entity catalog with the seed report's names, for parser tests that need no database."""

from __future__ import annotations

from app.engine.offline.entities import EntityCatalog, Product, Store

SEED_STORES = [
    ("8th & Broadway", "755 Broadway, NY 10003", "NoHo"), ("28th & 6th", "800 6th Ave, NY 10001", "NoMad"),
    ("54th & 8th", "901 8th Ave, NY 10019", "Midtown West"), ("102 Fulton", "102 Fulton St, NY 10038", "FiDi"),
    ("100 Maiden Ln", "100 Maiden Ln, NY 10038", "FiDi"), ("37th & Broadway", "1375 Broadway, NY 10018",
                                                            "Garment District"),
    ("33rd & 10th", "410 10th Ave, NY 10001", "Hudson Yards"), ("15th & 3rd", "147 3rd Ave, NY 10003", "Union Square"),
    ("221 Grand", "221 Grand St, NY 10013", "Little Italy"), ("21st & 3rd", "261 3rd Ave, NY 10010", "Gramercy"),
    ("180 Varick", "180 Varick St, NY 10014", "Hudson Square"),
]
SEED_PRODUCTS = [
    ("Iced Coconut Latte", "Fresh Ground Coffee"), ("Iced Kyoto Matcha Latte", "Matcha"),
    ("Drip Coffee", "Classic Drinks"), ("Latte", "Classic Drinks"), ("Iced Latte", "Classic Drinks"),
    ("Iced Velvet Latte", "Fresh Ground Coffee"), ("Sausage Egg & Cheese Croissant", "Food"),
    ("Cold Brew", "Cold Brew"), ("Coconut Latte", "Fresh Ground Coffee"),
    ("Iced Kyoto Matcha Coconut Latte", "Fresh Ground Coffee"), ("Kyoto Matcha Latte", "Matcha"),
    ("Iced Caramel Popcorn Latte", "Fresh Ground Coffee"), ("Iced Americano", "Classic Drinks"),
    ("Cappuccino", "Classic Drinks"), ("Americano", "Classic Drinks"), ("Iced Cold Brew", "Cold Brew"),
    ("Butter Croissant", "Food"), ("Orange Refresher", "Refreshers"),
]
PAY = {53: "Apple Pay", 6: "Credit Card", 51: "Google Pay", 3: "Debit Card", 1: "Other Card", 52: "Alt Payment",
       5: "Channel 5", 91: "Channel 91", 54: "Channel 54", 55: "Channel 55", 92: "Channel 92"}


def seed_catalog() -> EntityCatalog:
    stores = [Store(i + 1, name, f"NY{i + 1:03d}", hood, addr, name != "180 Varick")
              for i, (name, addr, hood) in enumerate(SEED_STORES)]
    products = [Product(n, c) for n, c in SEED_PRODUCTS]
    return EntityCatalog(fingerprint="seed", stores=stores, products=products,
                         categories=sorted({c for _, c in SEED_PRODUCTS}), pay_channels=PAY,
                         neighbourhoods=sorted({s.neighbourhood for s in stores if s.neighbourhood}),
                         machine_types=["Coffee Machine", "Blender", "Ice Maker"], ingredients=[])
