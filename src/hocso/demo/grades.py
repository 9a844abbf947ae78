"""Realistic grades for the demo province, as plain records: who teaches what, every grade book
cell of a term, and each learner's days absent and conduct. load.py writes them.

Grades 6–12 get the Circular 22 grade book of every subject the class takes (the regular
assessments its yearly periods require, the mid-term and the end-of-term; Đạt / Chưa đạt for the
subjects assessed by comment); grades 1–5 the Circular 27 periodic test scores (integers 1–10)
of the subjects that have them, and at each assessment point (mid-term and end of each term) the
levels their teachers give: every subject's Hoàn thành tốt / Hoàn thành / Chưa hoàn thành with a
short comment from a small bank of teachers' phrases, and every quality's and competence's Tốt /
Đạt / Cần cố gắng (`primary_levels`). A subject's level follows the same learner's ability and
aptitude as the tests and the test of that point itself, so a learner with 9–10 in Toán is almost
always Hoàn thành tốt there; Chưa hoàn thành (about 2% of the levels) and Cần cố gắng (about
0.5%) go to the few learners who struggle in general. At the end of the year the homeroom
teacher marks a few strong learners as outstanding (`primary_outstanding`); the year results are
computed by the assessment service from all of it.

How a score comes about. Every learner has a latent ability (standard normal) and an aptitude per
subject, both drawn from a hash of the seed and the learner's MOET code: a learner is the same
pupil in every class, term and year, whatever order the classes are generated in. A learner's
expected score in a subject is

    MEAN + school effect + class effect + ABILITY_SD · ability + APTITUDE_SD · aptitude + drift

(the school effect: a specialised school higher, a continuing-education centre lower; the class
effect: the teacher and the class, per subject and term; the drift: how this term went). Each
assessment adds its own noise. Regular assessments (oral, 15-minute) are recorded mostly as
whole or half points, sometimes with another decimal; mid-term and end-of-term papers are marked
in quarter points and recorded to one decimal, half-up (7.25 → 7.3), as Circular 22 asks. With
these figures class averages come out around 6.5–7.5, about one learner in ten is below 5.0 in
some subject, and a few percent end a term with Chưa đạt.

Everything else is drawn from random streams seeded per school, class, subject and term (as the
rest of the demo is per school), so the same seed gives the same grades.

What the grade books hold (load.py GRADE_TERMS). The previous school year (2025-2026) is complete:
both terms, every column, days absent and conduct, approved and locked, so its year results,
promotions and transcripts exist. The current year (2026-2027) stands on the demo's day (plan.AS_OF,
27 November, about 60% into term I, which runs 5 September – 15 January). A column is in the
grade book when its usual entry day (`cell_day`) is on or before that day:

- regular assessments, spread over the first 85% of the term: both of a subject with 2, the first
  two of 3, the first three of 4 (the last ones fall due in late November and December);
- the mid-term paper, in the middle of the term (10 November): every subject, and the grade 4–5
  mid-term tests of Tiếng Việt and Toán;
- the end-of-term papers (a week before the term ends): none yet, nor the primary end-of-term
  tests.

Primary levels follow the same days: an assessment point is reached on its test's day (mid-term:
the middle of the term; end of term: a week before it ends). Last year has all four points
(mid-term I, end of term I, mid-term II, end of year) and so primary year results and
transcripts; this year has mid-term I only.

So no term I result has a level yet (the results list the missing end-of-term assessments), the
days absent so far are recorded (a share of a whole term's, `elapsed`), and conduct, judged at
the end of the term, is still empty. Term II is empty.
"""

import hashlib
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from statistics import NormalDist

from hocso.assessment import rules
from hocso.assessment.models import Level, ScoreKind, Stage, SubjectLevel, TraitLevel
from hocso.curriculum.models import AssessmentMode
from hocso.orgs.models import SchoolType
from hocso.registry.models import Position

from .roster import SchoolSpec

# Decimal scores by tenths, built once: TENTHS[73] == Decimal("7.3").
TENTHS = tuple(Decimal(n).scaleb(-1) for n in range(101))

# Secondary scores (0–10, Circular 22).
MEAN = 7.2
ABILITY_SD = 1.05
APTITUDE_SD = 0.45
CLASS_SD = 0.25
DRIFT_SD = 0.3
REGULAR_SD = 1.0
EXAM_SD = 0.85
# Primary periodic tests (integers 1–10, Circular 27): most pupils score high.
PRIMARY_MEAN = 8.2
PRIMARY_ABILITY_SD = 1.0
PRIMARY_APTITUDE_SD = 0.45
PRIMARY_NOISE_SD = 0.8

# Comment subjects: a learner who struggles in a subject gets Chưa đạt on some assessments (so
# the term is Chưa đạt); everyone else is Đạt throughout. Weak learners struggle more often.
STRUGGLE_BASE = 0.003
STRUGGLE_PER_WEAKNESS = 0.06
STRUGGLE_FAIL = 0.5

# Conduct from a per-learner trait, a little of the ability and how the term went.
CONDUCT_ABILITY = 0.3
CONDUCT_NOISE_SD = 0.35
CONDUCT_CUTS = ((-1.0, Level.GOOD), (-1.9, Level.FAIR), (-2.9, Level.PASS))

# Primary levels (Circular 27), given by the teacher at each assessment point. A subject's level
# follows the learner's expected score in it (as for the periodic tests, with the noise of a
# teacher's judgement) averaged with the test of that point when there is one, so a learner with
# 9–10 in Toán is almost always Hoàn thành tốt there (about 92%). Chưa hoàn thành goes only to a
# learner who struggles in general (the weakest ~2%), in the subjects where they are weakest:
# about 2% of the levels, and with the failed tests and the qualities about 5% of the learners end
# the year with Chưa hoàn thành. About 46% of the levels are Hoàn thành tốt.
LEVEL_NOISE_SD = 0.55
LEVEL_TEST_WEIGHT = 0.5
LEVEL_GOOD_FROM = 8.4  # Hoàn thành tốt from this mark
LEVEL_DONE_FROM = 7.2  # Hoàn thành from this mark or for a learner above STRUGGLING_ABILITY
STRUGGLING_ABILITY = -2.0
# Qualities and competences (Tốt / Đạt / Cần cố gắng) from the same per-learner trait as conduct,
# a little of the ability and the point: about half Tốt, Cần cố gắng about 0.5%.
TRAIT_ABILITY = 0.4
TRAIT_NOISE_SD = 0.3
TRAIT_CUTS = ((-0.1, TraitLevel.GOOD), (-2.8, TraitLevel.PASS))
# The homeroom teacher marks a few strong learners as outstanding at the end of the year (with
# Hoàn thành tốt that makes them Học sinh Tiêu biểu, Circular 27 Điều 15).
OUTSTANDING_ABILITY = 1.0
OUTSTANDING_CHANCE = 0.3

# What teachers write beside a level, by level: a few phrases of their own for Tiếng Việt and
# Toán, general ones for every subject.
GENERAL_COMMENTS = {
    SubjectLevel.GOOD: (
        "Nắm vững kiến thức, vận dụng tốt vào bài tập.",
        "Học tập tích cực, hoàn thành tốt các nội dung.",
        "Tiếp thu bài nhanh, tích cực phát biểu xây dựng bài.",
        "Hoàn thành tốt nội dung học tập; trình bày sạch đẹp.",
        "Chăm chỉ, tự giác, kết quả học tập tốt.",
        "Thực hành thành thạo, biết giúp đỡ bạn trong nhóm.",
        "Hiểu bài, làm bài chính xác và nhanh.",
        "Có nhiều tiến bộ, hăng hái tham gia các hoạt động.",
    ),
    SubjectLevel.DONE: (
        "Hoàn thành các nội dung học tập.",
        "Nắm được kiến thức cơ bản của môn học.",
        "Biết vận dụng kiến thức vào bài tập đơn giản.",
        "Có cố gắng trong học tập, cần mạnh dạn phát biểu hơn.",
        "Hoàn thành bài tập; cần cẩn thận hơn khi làm bài.",
        "Tiếp thu bài khá; cần tích cực hơn trong giờ học.",
        "Tham gia các hoạt động học tập đầy đủ.",
        "Có tiến bộ; cần rèn thêm kĩ năng trình bày.",
    ),
    SubjectLevel.NOT_DONE: (
        "Chưa nắm chắc kiến thức cơ bản; cần ôn tập thêm.",
        "Còn chậm, cần cố gắng nhiều hơn.",
        "Chưa hoàn thành một số nội dung; cần sự hỗ trợ của gia đình.",
        "Cần tập trung hơn trong giờ học.",
        "Làm bài còn sai nhiều; cần luyện tập thêm ở nhà.",
        "Chưa tự giác học tập; cần được nhắc nhở thường xuyên.",
        "Kĩ năng thực hành còn yếu; cần rèn luyện thêm.",
        "Cần cố gắng hơn để theo kịp các bạn.",
    ),
}
SUBJECT_COMMENTS = {
    "TV": {
        SubjectLevel.GOOD: (
            "Đọc to, rõ ràng; viết đúng chính tả.",
            "Đọc lưu loát, diễn cảm; chữ viết đẹp.",
            "Viết đoạn văn mạch lạc, dùng từ hay.",
            "Đọc hiểu tốt, trả lời câu hỏi đầy đủ.",
        ),
        SubjectLevel.DONE: (
            "Đọc đúng, viết được đoạn văn ngắn.",
            "Đọc tương đối trôi chảy; chữ viết cần đều nét hơn.",
            "Viết còn sai vài lỗi chính tả.",
            "Hiểu nội dung bài đọc; cần đọc to hơn.",
        ),
        SubjectLevel.NOT_DONE: (
            "Đọc còn đánh vần, viết chậm.",
            "Viết sai nhiều lỗi chính tả; cần luyện viết thêm.",
            "Đọc hiểu còn hạn chế; cần luyện đọc ở nhà.",
            "Chữ viết chưa đúng mẫu, còn thiếu nét.",
        ),
    },
    "TOAN": {
        SubjectLevel.GOOD: (
            "Tính nhẩm nhanh, giải toán có lời văn tốt.",
            "Thực hiện thành thạo các phép tính; trình bày cẩn thận.",
            "Vận dụng tốt kiến thức vào giải toán.",
            "Nắm chắc bảng nhân, chia; làm bài chính xác.",
        ),
        SubjectLevel.DONE: (
            "Thực hiện được các phép tính; giải toán có lời văn còn chậm.",
            "Biết cách đặt tính và tính đúng.",
            "Làm bài đúng; cần cẩn thận hơn khi tính toán.",
            "Nắm được cách giải các dạng toán cơ bản.",
        ),
        SubjectLevel.NOT_DONE: (
            "Tính toán còn chậm, hay nhầm lẫn.",
            "Chưa thuộc bảng cộng, trừ; cần luyện tập thêm.",
            "Chưa biết cách giải toán có lời văn.",
            "Đặt tính còn sai; cần ôn lại kiến thức cơ bản.",
        ),
    },
}

# Grades 10–12: each class studies four electives (DOMAIN.md §3). Natural-science classes (A)
# and social-science classes (C) alternate between two usual combinations.
ELECTIVES = {
    "A": (("VL", "HH", "SH", "TIN"), ("VL", "HH", "CN", "TIN")),
    "C": (("DL", "GDKTPL", "CN", "TIN"), ("DL", "GDKTPL", "SH", "TIN")),
}
# The homeroom teacher leads the class's experiential activities (HĐTN, HĐTN-HN).
HOMEROOM_SUBJECTS = frozenset({"HDTN"})
# Who takes a subject when no teacher of the school lists it, by the subjects they do teach.
STAND_INS = {
    "NT": ("Âm nhạc", "Mĩ thuật"),
    "AN": ("Mĩ thuật",),
    "MT": ("Âm nhạc",),
    "GDDP": ("Ngữ văn", "Lịch sử và Địa lí", "Lịch sử", "Địa lí"),
    "GDQPAN": ("Giáo dục thể chất",),
    "GDCD": ("Lịch sử và Địa lí", "Giáo dục kinh tế và pháp luật", "Ngữ văn"),
    "GDKTPL": ("Lịch sử", "Địa lí", "Giáo dục công dân"),
    "LS": ("Địa lí", "Lịch sử và Địa lí"),
    "DL": ("Lịch sử", "Lịch sử và Địa lí"),
    "LSDL": ("Lịch sử", "Địa lí"),
    "KHTN": ("Vật lí", "Hoá học", "Sinh học"),
    "VL": ("Khoa học tự nhiên",),
    "HH": ("Khoa học tự nhiên",),
    "SH": ("Khoa học tự nhiên",),
    "CN": ("Khoa học tự nhiên", "Vật lí", "Sinh học"),
    "TIN": ("Toán", "Vật lí"),
    "TINCN": ("Tin học", "Toán"),
}
PRIMARY_CLASS_TEACHER_MARK = "Tiếng Việt"  # a primary class teacher lists it first

_NORMAL = NormalDist()


@dataclass(frozen=True, slots=True)
class SubjectSpec:
    """One subject as a grade takes it (from the curriculum)."""

    code: str
    name: str  # the subject's name, as staff records list what they teach
    mode: str  # AssessmentMode value
    cells: tuple[tuple[str, int], ...]  # one term's grade book columns: (kind, seq)
    periods: int  # per year: the teaching load it adds
    compulsory: bool


@dataclass(frozen=True, slots=True)
class ClassSpec:
    id: int
    grade: int
    name: str
    homeroom_id: int | None


@dataclass(frozen=True, slots=True)
class TeacherSpec:
    id: int
    position: str
    subjects: frozenset[str]  # subject names from Staff.subjects ("Toán; Tin học")

    @classmethod
    def parse(cls, id: int, position: str, subjects: str) -> "TeacherSpec":
        names = frozenset(part.strip() for part in subjects.split(";") if part.strip())
        return cls(id, position, names)


def electives_for(grade: int, class_name: str) -> tuple[str, ...]:
    """The four electives a grade 10–12 class studies, by its track ("10A2" → A, second)."""
    if grade < 10:
        return ()
    rest = class_name.upper().removeprefix(str(grade))
    track = rest[:1] if rest[:1] in ELECTIVES else "A"
    number = int(rest[1:]) if rest[1:].isdigit() else 1
    combos = ELECTIVES[track]
    return combos[(number - 1) % len(combos)]


def class_subjects(grade: int, class_name: str, grade_subjects: Sequence[SubjectSpec]):
    """The subjects a class takes: its grade's compulsory subjects and (10–12) its electives.
    Optional subjects (Ngoại ngữ 1 in grades 1–2) are left out."""
    electives = electives_for(grade, class_name)
    return [s for s in grade_subjects if s.compulsory or s.code in electives]


def school_effect(school: SchoolSpec) -> float:
    """How far the school's scores sit from the province's mean."""
    effect = 0.15 if school.commune.urban else 0.0
    if school.specialised:
        effect += 1.1
    if school.boarding:
        effect += 0.3
    if school.school_type == SchoolType.CONTINUING:
        effect -= 0.6
    return effect


# --- who teaches what ---------------------------------------------------------------------------


def assign_teachers(
    classes: Sequence[ClassSpec],
    teachers: Sequence[TeacherSpec],
    subjects_of: dict[int, Sequence[SubjectSpec]],
) -> list[tuple[int, str, int]]:
    """(class id, subject code, staff id) for every subject of every class of one school year.

    The homeroom teacher takes their own subjects in their class and leads its experiential
    activities; otherwise the teacher of the subject with the fewest periods so far (a stand-in
    teaching a neighbouring subject when the school has no one for it, the homeroom teacher as a
    last resort). Deterministic: classes in the given order, ties to the earlier teacher.
    """
    teaching = [t for t in teachers if t.position == Position.TEACHER]
    if not teaching:
        teaching = [t for t in teachers if t.position != Position.STAFF]
    if not teaching:
        return []
    order = {t.id: i for i, t in enumerate(teaching)}
    load: dict[int, int] = defaultdict(int)
    by_name: dict[str, list[TeacherSpec]] = defaultdict(list)
    for teacher in teaching:
        for name in teacher.subjects:
            by_name[name].append(teacher)
    by_id = {t.id: t for t in teaching}

    def teachers_of(name: str, grade: int) -> list[TeacherSpec]:
        found = by_name.get(name, [])
        if grade >= 6:  # a multi-level school's primary class teachers stay in primary
            found = [t for t in found if PRIMARY_CLASS_TEACHER_MARK not in t.subjects]
        return found

    def least_loaded(candidates: Iterable[TeacherSpec]) -> TeacherSpec | None:
        return min(candidates, key=lambda t: (load[t.id], order[t.id]), default=None)

    result = []
    for cls in classes:
        homeroom = by_id.get(cls.homeroom_id)
        for subject in subjects_of[cls.id]:
            candidates = teachers_of(subject.name, cls.grade)
            if homeroom is not None and (
                subject.code in HOMEROOM_SUBJECTS or homeroom in candidates
            ):
                chosen = homeroom
            else:
                chosen = least_loaded(candidates)
                for name in STAND_INS.get(subject.code, ()):
                    if chosen is not None:
                        break
                    chosen = least_loaded(teachers_of(name, cls.grade))
                if chosen is None:
                    chosen = homeroom or least_loaded(teaching)
            load[chosen.id] += subject.periods
            result.append((cls.id, subject.code, chosen.id))
    return result


# --- when a column is entered --------------------------------------------------------------------


def cell_day(kind: str, seq: int, regular_count: int, first: date, last: date) -> date:
    """The day a grade book column is usually entered in a term running `first`–`last`:
    regular assessments spread over the first 85% of the term, the mid-term paper in its middle,
    the end-of-term paper a week before it ends."""
    length = (last - first).days
    if kind == ScoreKind.REGULAR:
        return first + timedelta(days=round(length * 0.85 * seq / (regular_count + 1)))
    if kind == ScoreKind.MIDTERM:
        return first + timedelta(days=length // 2)
    return last - timedelta(days=7)


def elapsed(first: date, last: date, day: date) -> float:
    """How much of the term `first`–`last` has gone by on `day` (0–1)."""
    return min(1.0, max(0.0, ((day - first).days + 1) / ((last - first).days + 1)))


# --- scores -------------------------------------------------------------------------------------

# (learner index, subject code, kind, seq, value, passed): value for scored subjects and primary
# periodic tests, passed (Đạt / Chưa đạt) for subjects assessed by comment.
ScoreRec = tuple[int, str, str, int, Decimal | None, bool | None]


# (learner index, subject code, stage, SubjectLevel value, comment) and (learner index, trait
# code, stage, TraitLevel value): a primary class's levels at the term's assessment points.
LevelRec = tuple[int, str, str, str, str]
TraitRec = tuple[int, str, str, str]
# The assessment point (stage of the term) of a primary periodic test.
TEST_STAGE = {ScoreKind.MIDTERM: Stage.MID, ScoreKind.FINAL: Stage.END}


def _tenths_half_up(value: float) -> int:
    return min(100, max(0, int(value * 10 + 0.5)))


def _regular(rng: random.Random, mean: float) -> int:
    """A regular assessment in tenths: whole points mostly, halves often, sometimes a decimal."""
    value = min(10.0, max(0.0, rng.gauss(mean, REGULAR_SD)))
    style = rng.random()
    if style < 0.55:
        return int(value + 0.5) * 10
    if style < 0.8:
        return int(value * 2 + 0.5) * 5
    return _tenths_half_up(value)


def _exam(rng: random.Random, mean: float) -> int:
    """A mid-term or end-of-term paper in tenths: marked in quarter points, recorded to one
    decimal half-up (quarters are exact in binary, so 7.25 → 72.5 → 73)."""
    value = min(10.0, max(0.0, rng.gauss(mean, EXAM_SD)))
    quarters = int(value * 4 + 0.5)
    return min(100, int(quarters * 2.5 + 0.5))


class GradeGenerator:
    """Grade books and term records for classes, deterministic for the seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._ability: dict[str, float] = {}

    def _normal(self, *parts: object) -> float:
        text = ":".join(str(p) for p in (self.seed, *parts))
        digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
        return _NORMAL.inv_cdf((int.from_bytes(digest, "big") + 0.5) / 2.0**64)

    def ability(self, learner: str) -> float:
        value = self._ability.get(learner)
        if value is None:
            value = self._ability[learner] = self._normal("ability", learner)
        return value

    def aptitude(self, learner: str, subject: str) -> float:
        return self._normal("aptitude", learner, subject)

    def conduct_trait(self, learner: str) -> float:
        return self._normal("conduct", learner)

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, "grades", *parts)))

    def class_scores(
        self,
        *,
        school: SchoolSpec,
        year: str,
        term: int,
        class_name: str,
        learners: Sequence[str],
        subjects: Sequence[SubjectSpec],
    ) -> list[ScoreRec]:
        """Every cell of the class's grade books for the term. `learners` are stable keys
        (MOET codes); records refer to them by index."""
        out: list[ScoreRec] = []
        base = school_effect(school)
        abilities = [self.ability(key) for key in learners]
        for subject in subjects:
            if not subject.cells:
                continue
            rng = self._rng(school.code, year, term, class_name, subject.code)
            code = subject.code
            if subject.mode == AssessmentMode.COMMENT:
                for index, ability in enumerate(abilities):
                    weakness = max(0.0, -ability - 1.0)
                    struggles = rng.random() < STRUGGLE_BASE + STRUGGLE_PER_WEAKNESS * weakness
                    failed = [struggles and rng.random() < STRUGGLE_FAIL for _ in subject.cells]
                    if struggles and not any(failed):
                        failed[-1] = True  # the end-of-term assessment shows it
                    for (kind, seq), fail in zip(subject.cells, failed, strict=True):
                        out.append((index, code, kind, seq, None, not fail))
                continue
            class_effect = rng.gauss(0.0, CLASS_SD)
            if subject.mode == AssessmentMode.PRIMARY:
                center = PRIMARY_MEAN + base / 2 + class_effect
                for index, key in enumerate(learners):
                    mean = (
                        center
                        + PRIMARY_ABILITY_SD * abilities[index]
                        + PRIMARY_APTITUDE_SD * self.aptitude(key, code)
                        + rng.gauss(0.0, DRIFT_SD)
                    )
                    for kind, seq in subject.cells:
                        score = min(10, max(1, int(rng.gauss(mean, PRIMARY_NOISE_SD) + 0.5)))
                        out.append((index, code, kind, seq, TENTHS[score * 10], None))
                continue
            center = MEAN + base + class_effect
            for index, key in enumerate(learners):
                mean = (
                    center
                    + ABILITY_SD * abilities[index]
                    + APTITUDE_SD * self.aptitude(key, code)
                    + rng.gauss(0.0, DRIFT_SD)
                )
                for kind, seq in subject.cells:
                    tenths = _regular(rng, mean) if kind == ScoreKind.REGULAR else _exam(rng, mean)
                    out.append((index, code, kind, seq, TENTHS[tenths], None))
        return out

    def class_records(
        self,
        *,
        school: SchoolSpec,
        year: str,
        term: int,
        class_name: str,
        learners: Sequence[str],
        with_conduct: bool,
        so_far: float = 1.0,
    ) -> list[tuple[int, str]]:
        """(days absent, conduct level or "") per learner for the term. Most learners miss a few
        days; a few are away for weeks. Conduct (grades 6–12) is mostly Tốt or Khá. For a term
        under way (`so_far` < 1, the share of it gone by): the days absent until now, and no
        conduct yet (it is judged at the end of the term)."""
        rng = self._rng("records", school.code, year, term, class_name)
        extra = 1.5 if school.school_type == SchoolType.CONTINUING else 0.0
        out = []
        for key in learners:
            ability = self.ability(key)
            days = int(rng.expovariate(1.0 / (1.5 + extra + 1.0 * max(0.0, -ability))))
            if rng.random() < 0.02:
                days += rng.randint(6, 20)  # an illness, or a family working away for a while
            conduct = ""
            if with_conduct:
                score = (
                    CONDUCT_ABILITY * ability
                    + self.conduct_trait(key)
                    + rng.gauss(0.0, CONDUCT_NOISE_SD)
                )
                conduct = next((level for cut, level in CONDUCT_CUTS if score > cut), Level.FAIL)
            if so_far < 1.0:
                days, conduct = int(days * so_far), ""
            out.append((min(days, 60), conduct))
        return out

    def primary_levels(
        self,
        *,
        school: SchoolSpec,
        year: str,
        term: int,
        class_name: str,
        grade: int,
        learners: Sequence[str],
        subjects: Sequence[SubjectSpec],
        stages: Sequence[str],
        tests: dict[tuple[int, str, str], int],
    ) -> tuple[list[LevelRec], list[TraitRec]]:
        """The levels a primary class's teachers give at the term's assessment points
        (`stages`, Stage values, those the demo's day has reached): every subject's level with a
        short comment, and every quality's and competence's of the grade. `tests`: (learner
        index, subject code, stage) → the periodic test score of that point, if any."""
        base = school_effect(school)
        abilities = [self.ability(key) for key in learners]
        levels: list[LevelRec] = []
        for subject in subjects:
            rng = self._rng("levels", school.code, year, term, class_name, subject.code)
            center = PRIMARY_MEAN + base / 2 + rng.gauss(0.0, CLASS_SD)
            banks = SUBJECT_COMMENTS.get(subject.code, {})
            for index, key in enumerate(learners):
                expected = (
                    center
                    + PRIMARY_ABILITY_SD * abilities[index]
                    + PRIMARY_APTITUDE_SD * self.aptitude(key, subject.code)
                )
                for stage in stages:
                    mark = expected + rng.gauss(0.0, LEVEL_NOISE_SD)
                    test = tests.get((index, subject.code, stage))
                    if test is not None:
                        mark = (1 - LEVEL_TEST_WEIGHT) * mark + LEVEL_TEST_WEIGHT * test
                    if mark >= LEVEL_GOOD_FROM:
                        level = SubjectLevel.GOOD
                    elif mark >= LEVEL_DONE_FROM or abilities[index] > STRUGGLING_ABILITY:
                        level = SubjectLevel.DONE
                    else:
                        level = SubjectLevel.NOT_DONE
                    phrases = banks.get(level, ()) + GENERAL_COMMENTS[level]
                    levels.append((index, subject.code, stage, level.value, rng.choice(phrases)))
        traits: list[TraitRec] = []
        rng = self._rng("traits", school.code, year, term, class_name)
        for code in rules.primary_traits_for_grade(grade):
            for index, key in enumerate(learners):
                lean = TRAIT_ABILITY * abilities[index] + self.conduct_trait(key)
                for stage in stages:
                    score = lean + rng.gauss(0.0, TRAIT_NOISE_SD)
                    level = next((lv for cut, lv in TRAIT_CUTS if score > cut), TraitLevel.EFFORT)
                    traits.append((index, code, stage, level.value))
        return levels, traits

    def primary_outstanding(
        self, *, school: SchoolSpec, year: str, class_name: str, learners: Sequence[str]
    ) -> list[int]:
        """The learners (indexes) the homeroom teacher marks as outstanding at the end of the
        year: a few of the strongest."""
        rng = self._rng("outstanding", school.code, year, class_name)
        return [
            index
            for index, key in enumerate(learners)
            if self.ability(key) > OUTSTANDING_ABILITY and rng.random() < OUTSTANDING_CHANCE
        ]
