"""The roster of Trà Vinh's schools: which school stands in which commune, its name and code.

It does not depend on the random seed, so a school keeps its code and name across seeds and
scales (the demo accounts name schools). School codes are 8-digit strings: "84", the district's
last two digits, a level digit and a 3-digit sequence ("84422001" = TP Trà Vinh, THCS, no. 1).
"""

import itertools
import random
from dataclasses import dataclass

from hocso.orgs.models import SchoolType

from .data import schools as data
from .data.geography import (
    DISTRICTS,
    HAMLETS_VIETNAMESE,
    PROVINCE_CODE,
    District,
    address_commune,
    address_district,
    is_urban,
    short_commune,
)

LEVEL_DIGIT = {
    SchoolType.PRESCHOOL: "0",
    SchoolType.PRIMARY: "1",
    SchoolType.LOWER_SECONDARY: "2",
    SchoolType.UPPER_SECONDARY: "3",
    SchoolType.MULTI_LEVEL: "4",
    SchoolType.CONTINUING: "5",
}


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    district: District

    @property
    def urban(self) -> bool:
        return is_urban(self.name)


@dataclass(frozen=True)
class SchoolSpec:
    code: str
    name: str
    school_type: str
    commune: Commune
    private: bool = False
    boarding: bool = False  # Phổ thông Dân tộc Nội trú: most learners are Khmer
    specialised: bool = False  # THPT chuyên
    district_wide: bool = False  # learners come from the whole district (or province)
    address: str = ""

    @property
    def district(self) -> District:
        return self.commune.district


def communes_of(district: District) -> list[Commune]:
    """Wards and townships first (they get the extra schools), then the rural communes."""
    communes = [Commune(code, name, district) for code, name in district.communes]
    return sorted(communes, key=lambda c: (not c.urban, district.communes.index((c.code, c.name))))


def _school_address(code: str, commune: Commune) -> str:
    rng = random.Random(f"address:{code}")
    place = (
        f"Khóm {rng.randint(1, 8)}"
        if commune.urban
        else f"Ấp {rng.choice(HAMLETS_VIETNAMESE[:13])}"
    )
    return f"{place}, {address_commune(commune.name)}, {address_district(commune.district)}"


def _distribute(total: int, communes: list[Commune]) -> list[Commune]:
    """One school per commune in order, extras from the top of the list again (urban first)."""
    return [communes[i % len(communes)] for i in range(total)]


def build_roster() -> list[SchoolSpec]:
    schools: list[SchoolSpec] = []
    used_names: set[str] = set()
    sequence: dict[tuple[str, str], int] = {}
    # Names repeat across districts once a list runs out, as they do in real life; `add`
    # tells two schools of the same name apart by their district.
    person_lower = itertools.cycle(data.LOWER_SECONDARY_PERSON_NAMES)
    person_primary = itertools.cycle(data.PRIMARY_PERSON_NAMES)
    preschool_names = itertools.cycle(data.PRESCHOOL_NAMES)

    def add(name, school_type, commune, **flags):
        if name in used_names:  # e.g. "Phường 1" exists in two towns
            name = f"{name} ({commune.district.short})"
        used_names.add(name)
        key = (commune.district.code, school_type)
        sequence[key] = sequence.get(key, 0) + 1
        code = f"{PROVINCE_CODE}{commune.district.code[1:]}{LEVEL_DIGIT[school_type]}{sequence[key]:03d}"
        schools.append(
            SchoolSpec(
                code=code, name=name, school_type=school_type, commune=commune,
                address=_school_address(code, commune), **flags,
            )
        )  # fmt: skip

    for district in DISTRICTS:
        communes = communes_of(district)
        by_code = {c.code: c for c in communes}
        n_preschool, n_primary, n_lower = data.SCHOOL_COUNTS[district.code]
        capital = district.code in ("842", "851")

        # Preschools: one per commune; extra ones in the provincial capital are private.
        seen: dict[str, int] = {}
        for commune in _distribute(n_preschool, communes):
            seen[commune.code] = seen.get(commune.code, 0) + 1
            extra = seen[commune.code] > 1
            if commune.urban or extra:
                label = "Trường Mầm non " + ("Tư thục " if extra and capital else "")
                add(label + next(preschool_names), SchoolType.PRESCHOOL, commune,
                    private=extra and capital)  # fmt: skip
            else:
                add(f"Trường Mẫu giáo {short_commune(commune.name)}", SchoolType.PRESCHOOL, commune)

        # Primary: "Tiểu học <commune>", a second one in a rural commune is "... B" (and the
        # first "... A"); extra urban ones are named after people.
        placed = _distribute(n_primary, communes)
        per_commune = {c.code: placed.count(c) for c in communes}
        seen = {}
        for commune in placed:
            seen[commune.code] = seen.get(commune.code, 0) + 1
            n = seen[commune.code]
            if commune.urban and n > 1:
                add(f"Trường Tiểu học {next(person_primary)}", SchoolType.PRIMARY, commune)
            elif per_commune[commune.code] > 1 and not commune.urban:
                add(f"Trường Tiểu học {short_commune(commune.name)} {'ABC'[n - 1]}",
                    SchoolType.PRIMARY, commune)  # fmt: skip
            else:
                add(f"Trường Tiểu học {short_commune(commune.name)}", SchoolType.PRIMARY, commune)

        # Lower secondary: one per commune while they last; wards' schools carry people's
        # names; the ethnic boarding school sits in the district town.
        in_text = district.name[0].lower() + district.name[1:]  # "huyện Trà Cú"
        boarding = district.code in data.BOARDING_LOWER_SECONDARY
        regular = n_lower - (1 if boarding else 0)
        for commune in communes[:regular]:
            if commune.name.startswith("Phường"):
                name = f"Trường THCS {next(person_lower)}"
            else:
                name = f"Trường THCS {short_commune(commune.name)}"
            add(name, SchoolType.LOWER_SECONDARY, commune)
        if boarding:
            add(f"Trường Phổ thông Dân tộc Nội trú THCS {in_text}",
                SchoolType.LOWER_SECONDARY, communes[0], boarding=True, district_wide=True)  # fmt: skip

        for name, commune_code in data.UPPER_SECONDARY[district.code]:
            add(name, SchoolType.UPPER_SECONDARY, by_code[commune_code],
                boarding="Dân tộc Nội trú" in name, specialised="Chuyên" in name,
                district_wide=True)  # fmt: skip

        add(f"Trung tâm GDNN-GDTX {in_text}", SchoolType.CONTINUING, communes[0],
            district_wide=True)  # fmt: skip

        if district.code == "842":
            for name, commune_code, private in data.MULTI_LEVEL:
                add(name, SchoolType.MULTI_LEVEL, by_code[commune_code], private=private,
                    district_wide=True)  # fmt: skip
    return schools


ROSTER: tuple[SchoolSpec, ...] = tuple(build_roster())
ROSTER_BY_NAME = {s.name: s for s in ROSTER}
