"""Exam blueprints (ma trận đề): writes, scoped reads, the check that the bank holds enough
approved items, version generation, and the ready-made 2025 graduation-exam blueprints.

Who may do what, as for items (questions/services.py): the staff of a blueprint's owning unit
(those whose scope covers it: its teachers, and the officers above it) create, change and
delete it; the staff of the units below use it too, so a province's 2025 blueprint serves every
school. Items are drawn from the approved items the acting user may see, of the blueprint's
subject and grade. `actor=None` is the system (command line) and sees every item.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log
from hocso.core.text import clean_text
from hocso.curriculum.models import Subject, Topic
from hocso.orgs.models import OrgUnit

from .generation import Candidate, CellSpec, PaperVersion, cell_availability, generate
from .interchange import ItemType
from .models import Blueprint, BlueprintCell, ItemStatus, ItemVersion, MediaFile
from .paper_pdf import PaperHeader
from .selectors import items_visible
from .services import item_data


@dataclass
class CellInput:
    """A cell as a form or a command gives it (topic None / level "" = any)."""

    part: str
    item_type: str
    count: int
    points_per_item: Decimal
    topic: Topic | None = None
    level: str = ""


@dataclass
class CellAvailability:
    cell: BlueprintCell
    need: int
    available: int

    @property
    def short(self) -> bool:
        return self.available < self.need


# --- permissions ------------------------------------------------------------------------------


def can_edit_blueprint(actor, org_unit: OrgUnit) -> bool:
    """The owning unit's staff (as item authors in its banks)."""
    return actor is None or scope_for(actor).covers(org_unit.path)


# --- reads ------------------------------------------------------------------------------------


def _ancestor_paths(paths) -> list[str]:
    """Every ancestor path of each path, itself included ("84/842/" → "84/", "84/842/")."""
    found = set()
    for path in paths:
        parts = path.rstrip("/").split("/")
        found.update("/".join(parts[:depth]) + "/" for depth in range(1, len(parts) + 1))
    return sorted(found)


def blueprints_visible(*, actor) -> QuerySet[Blueprint]:
    """Blueprints of the units the actor reads and of the units above them (a teacher uses the
    province's blueprints as well as their school's). Learners and guardians see none."""
    if actor is None:
        return Blueprint.objects.all()
    scope = scope_for(actor)
    if scope.everything:
        return Blueprint.objects.all()
    if not scope.is_staff_member:
        return Blueprint.objects.none()
    return Blueprint.objects.filter(
        scope.q("org_unit__path") | Q(org_unit__path__in=_ancestor_paths(scope.read_paths))
    )


def blueprint_get(*, actor, pk: int) -> Blueprint:
    """One visible blueprint; raises Blueprint.DoesNotExist otherwise."""
    return (
        blueprints_visible(actor=actor)
        .select_related("subject", "org_unit", "created_by")
        .get(pk=pk)
    )


def blueprint_cells(blueprint: Blueprint) -> list[BlueprintCell]:
    return list(blueprint.cells.select_related("topic").order_by("order", "pk"))


def _approved_items(*, actor, blueprint: Blueprint):
    return items_visible(actor=actor).filter(
        status=ItemStatus.APPROVED,
        subject_id=blueprint.subject_id,
        grade=blueprint.grade,
        current_version__isnull=False,
    )


def _spec(cell: BlueprintCell) -> CellSpec:
    return CellSpec(
        key=cell.pk, part=cell.part, item_type=cell.item_type, count=cell.count,
        points=cell.points_per_item, topic_id=cell.topic_id, level=cell.level,
    )  # fmt: skip


def blueprint_availability(*, actor, blueprint: Blueprint) -> list[CellAvailability]:
    """For each cell (in order), how many items it needs and how many approved items the actor
    may use are available to it, counted in one grouped query. An item counts for one cell
    only, shared out exactly as the generator will draw (generation.assign): a short cell's
    `available` is what it can get; a filled cell's adds the items left over that it accepts."""
    cells = blueprint_cells(blueprint)
    rows = (
        _approved_items(actor=actor, blueprint=blueprint)
        .order_by()
        .values_list("topic_id", "level", "type")
        .annotate(n=Count("pk"))
    )
    capacity = {(topic, level, kind): n for topic, level, kind, n in rows}
    counts = cell_availability([_spec(cell) for cell in cells], capacity)
    return [
        CellAvailability(cell=cell, need=cell.count, available=counts[cell.pk][1]) for cell in cells
    ]


def blueprint_check(*, actor, blueprint: Blueprint) -> list[CellAvailability]:
    """The cells the bank cannot fill: need vs available (empty when generation can run)."""
    return [row for row in blueprint_availability(actor=actor, blueprint=blueprint) if row.short]


def _difficulty(item) -> float | None:
    # Item statistics (the share of learners right, p) come with online exams; until an item
    # carries them every item counts as equally difficult.
    value = getattr(item, "difficulty", None)
    return float(value) if value is not None else None


def blueprint_candidates(*, actor, blueprint: Blueprint) -> list[Candidate]:
    """The approved items the actor may use for this blueprint, current versions, no images."""
    items = (
        _approved_items(actor=actor, blueprint=blueprint)
        .filter(type__in={cell.item_type for cell in blueprint_cells(blueprint)})
        .select_related("current_version", "subject", "topic")
        .order_by("pk")
    )
    return [
        Candidate(
            item_id=item.pk,
            version_id=item.current_version_id,
            item_type=item.type,
            data=item_data(item, with_files=False),
            topic_id=item.topic_id,
            level=item.level,
            difficulty=_difficulty(item),
        )  # fmt: skip
        for item in items
    ]


def _attach_files(versions: list[PaperVersion]) -> None:
    """Give each drawn question the bytes of the images its version uses (one query each for
    the versions and the media)."""
    version_ids = {q.version_id for v in versions for q in v.questions}
    digests = dict(ItemVersion.objects.filter(pk__in=version_ids).values_list("pk", "content"))
    wanted = {d for content in digests.values() for d in content.get("files", {}).values()}
    media = {m.sha256: m for m in MediaFile.objects.filter(sha256__in=wanted)}
    cache: dict[str, bytes] = {}
    for version in versions:
        for question in version.questions:
            files = {}
            for name, digest in digests[question.version_id].get("files", {}).items():
                if digest not in cache and digest in media:
                    with media[digest].file.open("rb") as handle:
                        cache[digest] = handle.read()
                if digest in cache:
                    files[name] = cache[digest]
            question.data.files = files


def exam_versions_generate(
    *, actor, blueprint: Blueprint, versions: int, seed: int | str, codes=None
) -> list[PaperVersion]:
    """`versions` exam versions of the blueprint, with images; raises generation.ShortageError
    when a cell lacks items. Recorded in the audit log (the seed regenerates the same papers)."""
    if actor is not None and not blueprints_visible(actor=actor).filter(pk=blueprint.pk).exists():
        raise PermissionDenied
    cells = blueprint_cells(blueprint)
    generated = generate(
        [_spec(cell) for cell in cells],
        blueprint_candidates(actor=actor, blueprint=blueprint),
        versions=versions,
        seed=seed,
        codes=codes,
        part_order=[part.get("code", "") for part in blueprint.parts],
    )
    _attach_files(generated)
    audit_log(
        actor=actor, action="blueprint.generate", obj=blueprint, org_unit=blueprint.org_unit,
        versions=[v.code for v in generated], seed=str(seed),
    )  # fmt: skip
    return generated


def _province_short(name: str) -> str:
    for prefix in ("Tỉnh ", "Thành phố ", "TP. ", "TP "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def paper_header(blueprint: Blueprint) -> PaperHeader:
    """What the papers of this blueprint print at the top: the Sở of the owner's province, the
    owner school (none for a province's or commune's exam), the exam, subject and time."""
    unit = blueprint.org_unit
    province = OrgUnit.objects.filter(path=unit.path.split("/", 1)[0] + "/").first()
    department = (
        f"SỞ GIÁO DỤC VÀ ĐÀO TẠO {_province_short(province.name).upper()}"
        if province is not None
        else "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
    )
    school = ""
    if unit.is_school:
        school = unit.name if unit.name.upper().startswith("TRƯỜNG") else f"Trường {unit.name}"
    return PaperHeader(
        department=department, school=school, title=blueprint.name,
        subject=blueprint.subject.name, grade=blueprint.grade,
        minutes=blueprint.duration_minutes, parts=list(blueprint.parts),
    )  # fmt: skip


# --- writes -----------------------------------------------------------------------------------


def _clean_parts(parts, cells: list[CellInput]) -> list[dict]:
    cleaned = [
        {
            "code": clean_text(str(part.get("code", ""))),
            "title": clean_text(str(part.get("title", ""))),
            "instructions": clean_text(str(part.get("instructions", ""))),
        }
        for part in parts
    ]
    codes = [part["code"] for part in cleaned]
    if any(not code for code in codes) or len(set(codes)) != len(codes):
        raise ValidationError({"parts": _("Mỗi phần cần một mã riêng, không để trống.")})
    # Parts a cell names but the list leaves out are added, titled by their code.
    for cell in cells:
        if cell.part not in codes:
            codes.append(cell.part)
            cleaned.append({"code": cell.part, "title": _("PHẦN %(code)s") % {"code": cell.part},
                            "instructions": ""})  # fmt: skip
    return cleaned


def _check_cells(blueprint: Blueprint, cells: list[CellInput]) -> None:
    if not cells:
        raise ValidationError({"cells": _("Ma trận đề cần ít nhất một ô.")})
    for number, cell in enumerate(cells, start=1):
        if cell.topic is not None and (
            cell.topic.grade_subject.subject_id != blueprint.subject_id
            or cell.topic.grade_subject.grade != blueprint.grade
        ):
            raise ValidationError(
                {"cells": _("Ô %(number)s: chủ đề phải thuộc đúng môn học và khối lớp của ma "
                            "trận.") % {"number": number}}
            )  # fmt: skip
    total = sum((Decimal(c.count) * Decimal(c.points_per_item) for c in cells), Decimal(0))
    if total != Decimal(blueprint.total_points):
        raise ValidationError(
            {"cells": _("Tổng điểm các ô là %(sum)s, khác tổng điểm của đề %(total)s.")
             % {"sum": _points(total), "total": _points(blueprint.total_points)}}
        )  # fmt: skip


def _points(value) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def _write_cells(blueprint: Blueprint, cells: list[CellInput]) -> None:
    blueprint.cells.all().delete()
    rows = []
    for order, cell in enumerate(cells):
        row = BlueprintCell(
            blueprint=blueprint, part=clean_text(cell.part), topic=cell.topic,
            level=cell.level or "", item_type=str(cell.item_type), count=cell.count,
            points_per_item=Decimal(cell.points_per_item), order=order,
        )  # fmt: skip
        row.full_clean(exclude=["blueprint"])
        rows.append(row)
    BlueprintCell.objects.bulk_create(rows)


@transaction.atomic
def blueprint_create(
    *, actor, org_unit: OrgUnit, code: str, name: str, subject: Subject, grade: int,
    duration_minutes: int, total_points=Decimal(10), parts=(), cells=(),
) -> Blueprint:  # fmt: skip
    """A blueprint owned by `org_unit` with its parts and cells (the cells' points must add
    up to `total_points`)."""
    if not can_edit_blueprint(actor, org_unit):
        raise PermissionDenied
    cells = list(cells)
    blueprint = Blueprint(
        code=clean_text(code), name=clean_text(name), subject=subject, grade=grade,
        org_unit=org_unit, duration_minutes=duration_minutes,
        total_points=Decimal(total_points), parts=_clean_parts(parts, cells),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )  # fmt: skip
    blueprint.full_clean()
    _check_cells(blueprint, cells)
    blueprint.save()
    _write_cells(blueprint, cells)
    audit_log(actor=actor, action="blueprint.create", obj=blueprint, org_unit=org_unit)
    return blueprint


_EDITABLE = ("code", "name", "subject", "grade", "duration_minutes", "total_points", "parts")


@transaction.atomic
def blueprint_update(*, actor, blueprint: Blueprint, cells=None, **changes) -> Blueprint:
    """Change fields of `_EDITABLE` and/or replace the cells (all of them, so the points are
    checked against the whole table)."""
    blueprint = (
        Blueprint.objects.select_for_update(of=("self",))
        .select_related("org_unit")
        .get(pk=blueprint.pk)
    )
    if not can_edit_blueprint(actor, blueprint.org_unit):
        raise PermissionDenied
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"blueprint_update cannot change {sorted(unknown)}")
    for name_, value in changes.items():
        if name_ in ("code", "name"):
            value = clean_text(value)
        setattr(blueprint, name_, value)
    current = [
        CellInput(part=c.part, item_type=c.item_type, count=c.count,
                  points_per_item=c.points_per_item, topic=c.topic, level=c.level)
        for c in blueprint_cells(blueprint)
    ] if cells is None else list(cells)  # fmt: skip
    blueprint.parts = _clean_parts(blueprint.parts, current)
    blueprint.full_clean()
    _check_cells(blueprint, current)
    blueprint.save()
    if cells is not None:
        _write_cells(blueprint, current)
    audit_log(
        actor=actor, action="blueprint.update", obj=blueprint, org_unit=blueprint.org_unit,
        fields=sorted(changes), cells=cells is not None,
    )  # fmt: skip
    return blueprint


@transaction.atomic
def blueprint_delete(*, actor, blueprint: Blueprint) -> None:
    """Delete a blueprint and its cells; papers already generated keep their item versions."""
    if not can_edit_blueprint(actor, blueprint.org_unit):
        raise PermissionDenied
    audit_log(actor=actor, action="blueprint.delete", obj=blueprint, org_unit=blueprint.org_unit,
              code=blueprint.code)  # fmt: skip
    blueprint.delete()


# --- the 2025 graduation exam (Quyết định 4068/QĐ-BGDĐT; DOMAIN.md §4) -------------------------

MATH_2025 = "TOAN"
SCIENCES_2025 = ("VL", "HH", "SH")


def parts_2025(mc: int, tf: int, short: int) -> list[dict]:
    """Part I/II/III with the instructions printed on the official papers."""
    return [
        {"code": "I", "title": "PHẦN I",
         "instructions": "Câu trắc nghiệm nhiều phương án lựa chọn. Thí sinh trả lời từ câu 1 "
                         f"đến câu {mc}. Mỗi câu hỏi thí sinh chỉ chọn một phương án."},
        {"code": "II", "title": "PHẦN II",
         "instructions": "Câu trắc nghiệm đúng sai. Thí sinh trả lời từ câu 1 đến câu "
                         f"{tf}. Trong mỗi ý a), b), c), d) ở mỗi câu, thí sinh chọn đúng "
                         "hoặc sai."},
        {"code": "III", "title": "PHẦN III",
         "instructions": "Câu trắc nghiệm trả lời ngắn. Thí sinh trả lời từ câu 1 đến câu "
                         f"{short}."},
    ]  # fmt: skip


def cells_2025(subject_code: str) -> tuple[int, list[CellInput]]:
    """(minutes, cells) of the 2025 exam of a subject: mathematics 12 × 0.25 + 4 × 1 + 6 × 0.5
    in 90 minutes; physics, chemistry, biology 18 × 0.25 + 4 × 1 + 6 × 0.25 in 50 minutes."""
    if subject_code == MATH_2025:
        minutes, mc, short_points = 90, 12, Decimal("0.5")
    elif subject_code in SCIENCES_2025:
        minutes, mc, short_points = 50, 18, Decimal("0.25")
    else:
        raise ValueError(subject_code)
    return minutes, [
        CellInput(part="I", item_type=ItemType.SINGLE_CHOICE, count=mc,
                  points_per_item=Decimal("0.25")),
        CellInput(part="II", item_type=ItemType.TRUE_FALSE_4, count=4, points_per_item=Decimal(1)),
        CellInput(part="III", item_type=ItemType.SHORT_NUMERIC, count=6,
                  points_per_item=short_points),
    ]  # fmt: skip


def blueprint_2025_create(
    *, actor, org_unit: OrgUnit, subject: Subject, grade: int = 12, code: str = ""
) -> Blueprint:
    """The 2025 graduation-exam blueprint of `subject` (mathematics, physics, chemistry or
    biology), owned by `org_unit`; any topic and level in each part."""
    if subject.code not in (MATH_2025, *SCIENCES_2025):
        raise ValidationError(
            {"subject": _("Chỉ có ma trận đề thi tốt nghiệp 2025 cho Toán, Vật lí, Hoá học và "
                          "Sinh học, không có cho môn %(subject)s.") % {"subject": subject.name}}
        )  # fmt: skip
    minutes, cells = cells_2025(subject.code)
    counts = defaultdict(int)
    for cell in cells:
        counts[cell.part] += cell.count
    return blueprint_create(
        actor=actor, org_unit=org_unit, code=code or f"TN2025-{subject.code}-{grade}",
        name=_("Đề thi tốt nghiệp THPT 2025 — %(subject)s") % {"subject": subject.name},
        subject=subject, grade=grade, duration_minutes=minutes, total_points=Decimal(10),
        parts=parts_2025(counts["I"], counts["II"], counts["III"]), cells=cells,
    )  # fmt: skip
