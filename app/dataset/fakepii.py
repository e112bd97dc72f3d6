"""Realistic but fake personal data (names, phones, emails), generated without per-row loops.

Phone numbers use NYC area codes with exchange 555-01xx-style fictional ranges avoided only
loosely: they are random and belong to nobody on purpose; emails use the reserved-looking
combination of common first/last names and numeric suffixes. Guardrail tests mask these.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from app.dataset.arrowutil import concat, int_str, take

FIRST = [
    'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David',
    'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Christopher',
    'Lisa', 'Daniel', 'Nancy', 'Matthew', 'Betty', 'Anthony', 'Sandra', 'Mark', 'Ashley', 'Donald', 'Emily',
    'Steven', 'Kimberly', 'Andrew', 'Donna', 'Paul', 'Michelle', 'Joshua', 'Carol', 'Kenneth', 'Amanda', 'Kevin',
    'Melissa', 'Brian', 'Deborah', 'George', 'Stephanie', 'Timothy', 'Rebecca', 'Ronald', 'Laura', 'Jason', 'Helen',
    'Edward', 'Sharon', 'Jeffrey', 'Cynthia', 'Ryan', 'Kathleen', 'Jacob', 'Amy', 'Gary', 'Shirley', 'Nicholas',
    'Angela', 'Eric', 'Anna', 'Jonathan', 'Ruth', 'Stephen', 'Brenda', 'Larry', 'Pamela', 'Justin', 'Nicole',
    'Scott', 'Katherine', 'Brandon', 'Samantha', 'Benjamin', 'Christine', 'Samuel', 'Emma', 'Gregory', 'Catherine',
    'Alexander', 'Debra', 'Patrick', 'Virginia', 'Frank', 'Rachel', 'Raymond', 'Carolyn', 'Jack', 'Janet', 'Dennis',
    'Maria', 'Jerry', 'Heather', 'Tyler', 'Diane', 'Aaron', 'Julie', 'Jose', 'Joyce', 'Adam', 'Victoria', 'Nathan',
    'Kelly', 'Henry', 'Christina', 'Zachary', 'Lauren', 'Douglas', 'Joan', 'Peter', 'Evelyn', 'Kyle', 'Olivia',
    'Noah', 'Judith', 'Ethan', 'Megan', 'Jeremy', 'Cheryl', 'Walter', 'Andrea', 'Christian', 'Hannah', 'Keith',
    'Martha', 'Roger', 'Jacqueline', 'Terry', 'Frances', 'Austin', 'Gloria', 'Sean', 'Ann', 'Gerald', 'Teresa',
    'Carl', 'Kathryn', 'Harold', 'Sara', 'Dylan', 'Janice', 'Arthur', 'Jean', 'Lawrence', 'Alice', 'Jordan',
    'Madison', 'Jesse', 'Doris', 'Bryan', 'Abigail', 'Billy', 'Julia', 'Bruce', 'Judy', 'Gabriel', 'Grace', 'Joe',
    'Denise', 'Logan', 'Amber', 'Alan', 'Marilyn', 'Juan', 'Beverly', 'Albert', 'Danielle', 'Willie', 'Theresa',
    'Elijah', 'Sophia', 'Wayne', 'Marie', 'Randy', 'Diana', 'Vincent', 'Brittany', 'Mason', 'Natalie', 'Roy',
    'Isabella', 'Ralph', 'Charlotte', 'Bobby', 'Rose', 'Russell', 'Alexis', 'Bradley', 'Kayla', 'Wei', 'Mei', 'Jun',
    'Yan', 'Hao', 'Ling', 'Min', 'Priya', 'Arjun', 'Ananya', 'Rohan', 'Sofia', 'Mateo', 'Camila', 'Diego',
    'Valentina', 'Luis', 'Lucia', 'Carlos', 'Ximena', 'Omar', 'Fatima', 'Yusuf', 'Aisha', 'Kenji', 'Yuki', 'Haruto',
    'Sakura', 'Minjun', 'Jiwoo', 'Seoyeon', 'Ivan', 'Olga', 'Dmitri'
]
LAST = [
    'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
    'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee',
    'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young',
    'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker',
    'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Gomez', 'Phillips', 'Evans', 'Turner', 'Diaz',
    'Parker', 'Cruz', 'Edwards', 'Collins', 'Reyes', 'Stewart', 'Morris', 'Morales', 'Murphy', 'Cook', 'Rogers',
    'Gutierrez', 'Ortiz', 'Morgan', 'Cooper', 'Peterson', 'Bailey', 'Reed', 'Kelly', 'Howard', 'Ramos', 'Kim',
    'Cox', 'Ward', 'Richardson', 'Watson', 'Brooks', 'Chavez', 'Wood', 'James', 'Bennett', 'Gray', 'Mendoza',
    'Ruiz', 'Hughes', 'Price', 'Alvarez', 'Castillo', 'Sanders', 'Patel', 'Myers', 'Long', 'Ross', 'Foster',
    'Jimenez', 'Powell', 'Jenkins', 'Perry', 'Russell', 'Sullivan', 'Bell', 'Coleman', 'Butler', 'Henderson',
    'Barnes', 'Gonzales', 'Fisher', 'Vasquez', 'Simmons', 'Romero', 'Jordan', 'Patterson', 'Alexander', 'Hamilton',
    'Graham', 'Reynolds', 'Griffin', 'Wallace', 'Moreno', 'West', 'Cole', 'Hayes', 'Bryant', 'Herrera', 'Gibson',
    'Ellis', 'Tran', 'Medina', 'Aguilar', 'Stevens', 'Murray', 'Ford', 'Castro', 'Marshall', 'Owens', 'Harrison',
    'Fernandez', 'McDonald', 'Woods', 'Washington', 'Kennedy', 'Wells', 'Vargas', 'Henry', 'Chen', 'Wang', 'Li',
    'Zhang', 'Liu', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou', 'Xu', 'Sun', 'Ma', 'Zhu', 'Hu', 'Guo', 'Lin', 'Shah',
    'Singh', 'Kumar', 'Gupta', 'Cohen', 'Levy', 'Goldberg', 'Friedman', 'Rossi', 'Russo', 'Ferrari', 'Esposito',
    'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Murphy', "O'Brien"
]
EMAIL_DOMAINS = ["gmail.com", "icloud.com", "yahoo.com", "outlook.com", "hotmail.com", "nyu.edu",
                 "columbia.edu", "aol.com", "proton.me"]
EMAIL_WEIGHTS = np.array([0.52, 0.19, 0.09, 0.08, 0.04, 0.03, 0.02, 0.02, 0.01])
AREA_CODES = np.array([212, 646, 917, 347, 718, 929, 332, 201, 551, 914])
AREA_WEIGHTS = np.array([0.2, 0.22, 0.2, 0.1, 0.1, 0.06, 0.04, 0.03, 0.02, 0.03])


def people(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array, pa.Array]:
    """``n`` (phone, email, nick_name) triples as Arrow string arrays."""
    fi = rng.integers(0, len(FIRST), size=n)
    li = rng.integers(0, len(LAST), size=n)
    area = AREA_CODES[rng.choice(len(AREA_CODES), size=n, p=AREA_WEIGHTS)]
    local = rng.integers(2_000_000, 9_999_999, size=n)
    phone = concat("+1", int_str(area), int_str(local, 7))
    first = take(FIRST, fi)
    last = take([s.replace("'", "") for s in LAST], li)
    first_l = pc.utf8_lower(first)
    last_l = pc.utf8_lower(last)
    style = rng.integers(0, 4, size=n)
    digits = int_str(rng.integers(1, 9999, size=n))
    year = int_str(rng.integers(70, 106, size=n) % 100, 2)
    local_part = pc.case_when(
        pc.make_struct(pa.array(style == 0), pa.array(style == 1), pa.array(style == 2)),
        concat(first_l, ".", last_l), concat(first_l, last_l, digits),
        concat(pc.utf8_slice_codeunits(first_l, 0, 1), last_l, year), concat(first_l, "_", last_l, digits))
    domain = take(EMAIL_DOMAINS, rng.choice(len(EMAIL_DOMAINS), size=n, p=EMAIL_WEIGHTS))
    email = concat(local_part, "@", domain)
    nick_style = rng.integers(0, 3, size=n)
    nick = pc.case_when(
        pc.make_struct(pa.array(nick_style == 0), pa.array(nick_style == 1)),
        first, concat(first, " ", pc.utf8_slice_codeunits(last, 0, 1), "."), concat(first, digits))
    return phone, email, nick
