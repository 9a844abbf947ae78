"""Names, identifiers and phone numbers for synthetic people.

Every identifier is valid by construction (DOMAIN.md §5) and unique across the whole demo:
`Identifiers` remembers what it has handed out and draws again on a clash, so the output depends
only on the seed and on the order of the calls.
"""

import itertools
import random
from datetime import date, timedelta

from hocso.registry.rules import HOA, KHMER, KINH

from .data import names as N

FEMALE, MALE = "F", "M"

# Where learners' and staff's births were registered: mostly Trà Vinh (084), some in the
# neighbouring provinces or in Hồ Chí Minh City where many families go to work.
LEARNER_BIRTH_PROVINCES = (
    ("084", 920), ("086", 20), ("083", 15), ("094", 15), ("092", 10), ("079", 15), ("074", 5),
)  # fmt: skip
ADULT_BIRTH_PROVINCES = (
    ("084", 760), ("086", 60), ("083", 50), ("094", 50), ("092", 40), ("079", 15), ("087", 10),
    ("040", 8), ("038", 7),
)  # fmt: skip

# Vietnamese mobile prefixes (03x Viettel, 07x MobiFone, 08x VinaPhone/Viettel/MobiFone,
# 09x the older ranges).
MOBILE_PREFIXES = (
    "032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078", "079",
    "081", "082", "083", "084", "085", "086", "088", "089", "090", "091", "093", "094", "096",
    "097", "098", "099",
)  # fmt: skip


class Weighted:
    """A weighted choice with the cumulative weights computed once."""

    def __init__(self, pairs):
        self.values = [value for value, _ in pairs]
        self.cum = list(itertools.accumulate(weight for _, weight in pairs))

    def pick(self, rng: random.Random):
        return rng.choices(self.values, cum_weights=self.cum)[0]


KINH_FAMILY = Weighted(N.KINH_FAMILY)
KHMER_FAMILY = Weighted(N.KHMER_FAMILY)
HOA_FAMILY = Weighted(N.HOA_FAMILY)
KINH_MIDDLE = {MALE: Weighted(N.KINH_MIDDLE_MALE), FEMALE: Weighted(N.KINH_MIDDLE_FEMALE)}
KINH_GIVEN = {MALE: N.KINH_GIVEN_MALE, FEMALE: N.KINH_GIVEN_FEMALE}
KHMER_GIVEN = {MALE: N.KHMER_GIVEN_MALE, FEMALE: N.KHMER_GIVEN_FEMALE}
HOA_GIVEN = {MALE: N.HOA_GIVEN_MALE, FEMALE: N.HOA_GIVEN_FEMALE}
HOA_MIDDLE = {MALE: N.HOA_MIDDLE_MALE, FEMALE: N.HOA_MIDDLE_FEMALE}
LEARNER_PROVINCES = Weighted(LEARNER_BIRTH_PROVINCES)
ADULT_PROVINCES = Weighted(ADULT_BIRTH_PROVINCES)


def family_name(rng: random.Random, ethnicity: str) -> str:
    if ethnicity == KHMER:
        return KHMER_FAMILY.pick(rng)
    if ethnicity == HOA:
        return HOA_FAMILY.pick(rng)
    return KINH_FAMILY.pick(rng)


def full_name(rng: random.Random, family: str, ethnicity: str, gender: str) -> str:
    """A gender-appropriate full name in the family's tradition."""
    if ethnicity == KHMER and rng.random() >= N.KHMER_KINH_STYLE_SHARE:
        given = rng.choice(KHMER_GIVEN[gender])
        if gender == FEMALE and rng.random() < 0.5:
            return f"{family} Thị {given}"
        return f"{family} {given}"
    if ethnicity == HOA:
        given = rng.choice(HOA_GIVEN[gender])
        if " " in given:
            return f"{family} {given}"
        return f"{family} {rng.choice(HOA_MIDDLE[gender])} {given}"
    return f"{family} {KINH_MIDDLE[gender].pick(rng)} {rng.choice(KINH_GIVEN[gender])}"


def random_day(rng: random.Random, year: int) -> date:
    start = date(year, 1, 1)
    return start + timedelta(days=rng.randrange((date(year + 1, 1, 1) - start).days))


def random_date_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


class Identifiers:
    """Hands out unique citizen IDs, MOET learner codes and mobile numbers."""

    def __init__(self) -> None:
        self.citizen_ids: set[str] = set()
        self.moet_codes: set[str] = set()
        self.phones: set[str] = set()

    def citizen_id(self, rng: random.Random, *, gender: str, birth_year: int, adult: bool) -> str:
        province = (ADULT_PROVINCES if adult else LEARNER_PROVINCES).pick(rng)
        century = (birth_year // 100 - 19) * 2 + (1 if gender == FEMALE else 0)
        prefix = f"{province}{century}{birth_year % 100:02d}"
        while True:
            value = f"{prefix}{rng.randrange(1_000_000):06d}"
            if value not in self.citizen_ids:
                self.citizen_ids.add(value)
                return value

    def moet_code(self, rng: random.Random) -> str:
        while True:
            value = f"84{rng.randrange(100_000_000):08d}"
            if value not in self.moet_codes:
                self.moet_codes.add(value)
                return value

    def phone(self, rng: random.Random) -> str:
        while True:
            value = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10_000_000):07d}"
            if value not in self.phones:
                self.phones.add(value)
                return value


ETHNICITIES = (KINH, KHMER, HOA)
