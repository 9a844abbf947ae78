"""The demo's question bank: curriculum topics, a few hundred items, two banks, a 2025 blueprint.

Mathematics, physics and the computational chemistry and biology items come from templates
whose answers are computed from their parameters (exact fractions, never floats), so a wrong key
cannot slip in; the factual items (history, literature, chemistry and biology basics) are built
from a short hand-written list of statements known to be true, their distractors from the other
statements' answers. `question_drafts(seed)` is pure (same seed, same drafts);
`load_questions` writes them through the question services: the imports in bulk, the review
workflow of a few items one by one, as a reviewer would.

What the banks hold:
- TVH-CHUNG, owned by the province: mostly approved items shared province-wide, some submitted
  or still drafts, a few edited after approval (two versions);
- THCS-LYTUTRONG, owned by Trường THCS Lý Tự Trọng: items written by the demo teacher, drafts and
  items waiting for review (the school admin's review queue), two sent back with comments, one
  rejected, two approved for the school.
"""

import random
import time
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import comb, gcd, isqrt

from django.db.models import Count

from hocso.accounts.models import User
from hocso.curriculum.models import GradeSubject, Subject, Topic
from hocso.orgs.models import OrgUnit
from hocso.questions.blueprints import blueprint_2025_create, blueprint_check
from hocso.questions.content import stem_hash
from hocso.questions.interchange import (
    Choice,
    ItemData,
    ItemType,
    NumericAnswer,
    Pair,
    ReadResult,
    Statement,
    TextAnswer,
)
from hocso.questions.models import (
    Bank,
    Item,
    ItemStatus,
    ReviewComment,
    ReviewDecision,
    SharingScope,
)
from hocso.questions.services import (
    bank_create,
    item_data,
    item_review,
    item_submit,
    item_update,
    items_import,
)

from .accounts import PEOPLE_SCHOOL, PROVINCE_OFFICER, SCHOOL_ADMINS, TEACHER
from .data.geography import SUCCESSOR_CODE

PROVINCE_BANK = "TVH-CHUNG"
SCHOOL_BANK = "THCS-LYTUTRONG"
DEMO_SOURCE = "Đề minh hoạ (demo)"
TEACHER_SOURCES = (
    "GV. Nguyễn Thị Thu Hà (demo)",
    "GV. Trần Văn Minh (demo)",
    "GV. Lê Hoàng Phúc (demo)",
    "GV. Thạch Thị Sa Rết (demo)",
    "GV. Phạm Ngọc Lan (demo)",
)
ONE, HALF, ZERO = Decimal(1), Decimal("0.5"), Decimal(0)

# Levels: since Công văn 7991 (12/2024) secondary uses three; the traditional four remain in
# use, so part of the lower-secondary items carry them.
BIET, HIEU, VAN_DUNG = "biet", "hieu", "van_dung"
NHAN_BIET, THONG_HIEU, VAN_DUNG_4, VAN_DUNG_CAO = (
    "nhan_biet", "thong_hieu", "van_dung_4", "van_dung_cao",
)  # fmt: skip

# (subject code, grade) → [(topic code suffix, name)], chapter names of the GDPT 2018 textbooks.
TOPICS = {
    ("TOAN", 12): [
        ("DH", "Ứng dụng đạo hàm để khảo sát và vẽ đồ thị hàm số"),
        ("VT", "Vectơ và hệ trục toạ độ trong không gian"),
        ("NH", "Nguyên hàm và tích phân"),
        ("TD", "Phương pháp toạ độ trong không gian"),
        ("XS", "Thống kê và xác suất"),
    ],
    ("TOAN", 9): [
        ("HPT", "Phương trình và hệ hai phương trình bậc nhất hai ẩn"),
        ("CAN", "Căn bậc hai và căn bậc ba"),
        ("HTL", "Hệ thức lượng trong tam giác vuông"),
        ("DT", "Đường tròn"),
        ("PT2", "Hàm số y = ax² (a ≠ 0). Phương trình bậc hai một ẩn"),
    ],
    ("TOAN", 6): [
        ("CH", "Tính chia hết trong tập hợp các số tự nhiên"),
        ("SN", "Số nguyên"),
        ("PS", "Phân số"),
    ],
    ("VL", 12): [
        ("NHIET", "Vật lí nhiệt"),
        ("KHI", "Khí lí tưởng"),
        ("TU", "Từ trường"),
        ("HN", "Vật lí hạt nhân"),
    ],
    ("VL", 11): [("DD", "Dao động"), ("SONG", "Sóng"), ("DIEN", "Dòng điện. Mạch điện")],
    ("VL", 10): [("DH", "Động học"), ("DLH", "Động lực học")],
    ("HH", 12): [
        ("ESTER", "Ester – Lipid"),
        ("CARB", "Carbohydrate"),
        ("KL", "Đại cương về kim loại"),
    ],
    ("SH", 12): [("DT", "Di truyền học"), ("ST", "Sinh thái học")],
    ("KHTN", 8): [
        ("PU", "Phản ứng hoá học"),
        ("HC", "Một số hợp chất thông dụng"),
        ("KLR", "Khối lượng riêng và áp suất"),
        ("DIEN", "Điện"),
    ],
    ("LSDL", 9): [
        ("TG1", "Thế giới từ năm 1918 đến năm 1945"),
        ("VN1", "Việt Nam từ năm 1918 đến năm 1945"),
        ("TG2", "Thế giới từ năm 1945 đến năm 1991"),
        ("VN2", "Việt Nam từ năm 1945 đến năm 1991"),
        ("VN3", "Việt Nam từ năm 1991 đến nay"),
    ],
    ("NV", 12): [("DOC", "Đọc"), ("VIET", "Viết")],
}


def topic_code(subject: str, grade: int, suffix: str) -> str:
    return f"{subject}{grade}.{suffix}"


# --- numbers as the items print them ------------------------------------------------------------


def dec(value) -> str:
    """A terminating number in Vietnamese notation ("2,5", "-3"); ValueError otherwise."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    d = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(d) != value:
        raise ValueError(f"{value} has no short decimal form")
    return format(d.normalize(), "f").replace(".", ",")


def tdec(value) -> str:
    """`dec` for inside \\( \\): the decimal comma braced so TeX puts no space after it."""
    return dec(value).replace(",", "{,}")


def tfrac(value) -> str:
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return f"{sign}\\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def poly(coeffs, var: str = "x") -> str:
    """The polynomial with these coefficients (highest degree first) in LaTeX."""
    degree = len(coeffs) - 1
    terms = []
    for i, c in enumerate(coeffs):
        power = degree - i
        if c == 0:
            continue
        magnitude = abs(Fraction(c))
        body = "" if magnitude == 1 and power > 0 else tfrac(magnitude)
        body += var if power >= 1 else ""
        body += f"^{power}" if power >= 2 else ""
        terms.append(("-" if c < 0 else "+", body))
    if not terms:
        return "0"
    text = ("-" if terms[0][0] == "-" else "") + terms[0][1]
    for sign, body in terms[1:]:
        text += f" {sign} {body}"
    return text


def linear(coeffs, names=("x", "y", "z"), constant=0) -> str:
    """a·x + b·y + c·z + d in LaTeX (a zero coefficient left out)."""
    text = ""
    for c, name in [*zip(coeffs, names, strict=True), (constant, "")]:
        if c == 0:
            continue
        body = ("" if abs(c) == 1 and name else str(abs(c))) + name
        if not text:
            text = ("-" if c < 0 else "") + body
        else:
            text += f" {'-' if c < 0 else '+'} {body}"
    return text or "0"


def point(coords) -> str:
    return "(" + "; ".join(tdec(c) for c in coords) + ")"


def fits_short_answer(value) -> bool:
    """Whether the 2025 answer sheet (Part III: at most 4 characters) can hold the value."""
    try:
        return len(dec(value)) <= 4
    except ValueError:
        return False


def round_to(value, places: int) -> Decimal:
    exact = Decimal(Fraction(value).numerator) / Decimal(Fraction(value).denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# --- drafts ---------------------------------------------------------------------------------------


@dataclass
class Draft:
    """One generated item with what its bank and review status will be.

    `kind` and `params` say how it was made: a test recomputes `answer` from them."""

    data: ItemData
    kind: str
    params: dict = field(default_factory=dict)
    answer: Fraction | None = None  # the computed key, for computed items
    solution: str = ""  # a worked solution: the second version of an edited item adds it
    bank: str = PROVINCE_BANK
    status: str = ItemStatus.APPROVED
    revised: bool = False  # edited after approval: two versions
    comment: str = ""  # the reviewer's comment when changes were requested or it was rejected


class Generator:
    """Builds drafts from templates with one random stream, skipping duplicates."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"hocso-demo-questions-{seed}")
        self.seen: set[str] = set()
        self.drafts: list[Draft] = []

    def add(self, draft: Draft | None) -> bool:
        if draft is None:
            return False
        digest = stem_hash(draft.data)
        if digest in self.seen:
            return False
        self.seen.add(digest)
        self.drafts.append(draft)
        return True

    def run(self, template, count: int, **kwargs) -> None:
        """`count` distinct drafts of `template` (fewer if its parameters run out)."""
        made = attempts = 0
        while made < count and attempts < count * 40:
            attempts += 1
            try:
                made += self.add(template(self.rng, **kwargs))
            except ValueError:  # options that collide, a number with no short form: redraw
                continue


def tags(subject: str, grade: int, suffix: str, level: str, source: str = DEMO_SOURCE) -> dict:
    return {
        "subject": subject, "grade": str(grade), "topic": topic_code(subject, grade, suffix),
        "level": level, "source": source,
    }  # fmt: skip


def wrong_values(right, candidates, count: int = 3) -> list:
    """`count` distinct values from `candidates` different from `right`, padded with
    right ± 1, ± 2, … when the candidates collide."""
    chosen: list = []
    for value in [*candidates, *(right + k * s for k in range(1, 20) for s in (1, -1))]:
        if value != right and value not in chosen:
            chosen.append(value)
        if len(chosen) == count:
            break
    return chosen


def single(rng, stem: str, right: str, wrong: list[str], tag: dict) -> ItemData:
    if len({right, *wrong}) != len(wrong) + 1:
        raise ValueError(f"options collide: {right} {wrong}")
    choices = [Choice(text=right, fraction=ONE), *(Choice(text=w) for w in wrong)]
    rng.shuffle(choices)
    return ItemData(type=ItemType.SINGLE_CHOICE, stem=stem, choices=choices, tags=tag)


def numeric(stem: str, value, tag: dict, tolerance=ZERO) -> ItemData:
    return ItemData(
        type=ItemType.SHORT_NUMERIC, stem=stem, tags=tag,
        numeric_answers=[NumericAnswer(value=Decimal(dec(value).replace(",", ".")),
                                       tolerance=tolerance)],
    )  # fmt: skip


def tf4(rng, stem: str, pairs: list[tuple[str, str]], tag: dict) -> ItemData:
    """A 2025 true/false item: each (true text, false text) pair gives one statement, true or
    false at random."""
    statements = []
    for true_text, false_text in pairs:
        truth = rng.random() < 0.5
        statements.append(Statement(text=true_text if truth else false_text, is_true=truth))
    return ItemData(type=ItemType.TRUE_FALSE_4, stem=stem, statements=statements, tags=tag)


# --- Toán 12 ---------------------------------------------------------------------------------------


def cubic_value(a, b, c, d, x):
    return a * x**3 + b * x**2 + c * x + d


def derivative_at(rng):
    a = rng.choice((1, 1, 2, -1))
    b, c, d = rng.randint(-4, 4), rng.randint(-6, 6), rng.randint(-5, 5)
    x0 = rng.choice((-2, -1, 1, 2, 3))
    right = 3 * a * x0**2 + 2 * b * x0 + c
    wrong = wrong_values(
        right, [cubic_value(a, b, c, d, x0), 3 * a * x0**2 + b * x0 + c, 3 * a * x0**2 + 2 * b * x0]
    )
    stem = f"Cho hàm số \\(f(x) = {poly([a, b, c, d])}\\). Giá trị của \\(f'({x0})\\) bằng"
    data = single(rng, stem, f"\\({right}\\)", [f"\\({w}\\)" for w in wrong],
                  tags("TOAN", 12, "DH", BIET, DEMO_SOURCE))  # fmt: skip
    return Draft(data, "derivative_at", {"a": a, "b": b, "c": c, "d": d, "x0": x0}, Fraction(right))


def _critical_cubic(rng):
    """x³ + bx² + cx + d with f'(x) = 3(x − p)(x − q), p < q, integer coefficients."""
    p = rng.randint(-3, 2)
    q = p + rng.choice((2, 4))
    d = rng.randint(-5, 5)
    b, c = Fraction(-3 * (p + q), 2), 3 * p * q
    return p, q, int(b), c, d


def extremum_value(rng, which: str = "max"):
    p, q, b, c, d = _critical_cubic(rng)
    x = p if which == "max" else q
    value = cubic_value(1, b, c, d, x)
    if not fits_short_answer(value):
        return None
    label = "cực đại" if which == "max" else "cực tiểu"
    stem = f"Tìm giá trị {label} của hàm số \\(y = {poly([1, b, c, d])}\\)."
    solution = (
        f"\\(y' = 3x^2 {'-' if b > 0 else '+'} {abs(2 * b)}x {'+' if c >= 0 else '-'} "
        f"{abs(c)} = 3(x - ({p}))(x - ({q}))\\); hàm số đạt cực đại tại \\(x = {p}\\), cực tiểu "
        f"tại \\(x = {q}\\); \\(y_{{{'CĐ' if which == 'max' else 'CT'}}} = {value}\\)."
    )
    data = numeric(stem, value, tags("TOAN", 12, "DH", HIEU, DEMO_SOURCE))
    return Draft(data, f"extremum_{which}", {"b": b, "c": c, "d": d}, Fraction(value), solution)


def max_on_interval(rng):
    p, q, b, c, d = _critical_cubic(rng)
    lo, hi = p - rng.randint(0, 1), q + rng.randint(0, 1)
    value = max(cubic_value(1, b, c, d, x) for x in (lo, hi, p, q))
    if not fits_short_answer(value):
        return None
    stem = (
        f"Tìm giá trị lớn nhất của hàm số \\(y = {poly([1, b, c, d])}\\) trên đoạn "
        f"\\([{lo}; {hi}]\\)."
    )
    data = numeric(stem, value, tags("TOAN", 12, "DH", VAN_DUNG, DEMO_SOURCE))
    return Draft(data, "max_on_interval", {"b": b, "c": c, "d": d, "lo": lo, "hi": hi},
                 Fraction(value))  # fmt: skip


def antiderivative(rng):
    a, b, c = rng.choice((1, 2, -1, 3)), rng.randint(-4, 4), rng.randint(1, 7)
    f = poly([3 * a, 2 * b, c])
    right = f"\\(F(x) = {poly([a, b, c, 0])} + C\\)"
    wrong = [
        f"\\(F(x) = {poly([6 * a, 2 * b])} + C\\)",
        f"\\(F(x) = {poly([3 * a, 2 * b, c, 0])} + C\\)",
        f"\\(F(x) = {poly([a, b, 0, 0])} + C\\)",
    ]
    stem = f"Họ tất cả các nguyên hàm của hàm số \\(f(x) = {f}\\) là"
    data = single(rng, stem, right, wrong, tags("TOAN", 12, "NH", BIET, DEMO_SOURCE))
    return Draft(data, "antiderivative", {"a": a, "b": b, "c": c})


def _integral(a, b, c, lo, hi):
    """∫ from lo to hi of 3a·x² + 2b·x + c dx, by the antiderivative a·x³ + b·x² + c·x."""
    return cubic_value(a, b, c, 0, hi) - cubic_value(a, b, c, 0, lo)


def integral(rng, as_numeric: bool = False):
    a, b, c = rng.choice((1, 1, 2, -1)), rng.randint(-3, 3), rng.randint(-4, 5)
    lo = rng.randint(-2, 1)
    hi = lo + rng.randint(1, 3)
    right = _integral(a, b, c, lo, hi)
    integrand = poly([3 * a, 2 * b, c])
    integral_tex = f"\\(\\displaystyle I = \\int_{{{lo}}}^{{{hi}}} ({integrand})\\,dx\\)"
    stem = f"Tính tích phân {integral_tex}."
    params = {"a": a, "b": b, "c": c, "lo": lo, "hi": hi}
    solution = f"\\(I = \\left[{poly([a, b, c, 0])}\\right]_{{{lo}}}^{{{hi}}} = {right}\\)."
    if as_numeric:
        if not fits_short_answer(right):
            return None
        data = numeric(stem, right, tags("TOAN", 12, "NH", VAN_DUNG, DEMO_SOURCE))
        return Draft(data, "integral", params, Fraction(right), solution)
    f_hi = 3 * a * hi**2 + 2 * b * hi + c
    f_lo = 3 * a * lo**2 + 2 * b * lo + c
    wrong = wrong_values(right, [-right, f_hi - f_lo, cubic_value(a, b, c, 0, hi)])
    data = single(rng, f"Tích phân {integral_tex} bằng",
                  f"\\(I = {right}\\)", [f"\\(I = {w}\\)" for w in wrong],
                  tags("TOAN", 12, "NH", HIEU, DEMO_SOURCE))  # fmt: skip
    return Draft(data, "integral", params, Fraction(right), solution)


# Integer vectors of integer length: (1, 2, 2) has length 3, and so on.
QUADRUPLES = ((1, 2, 2, 3), (2, 3, 6, 7), (1, 4, 8, 9), (4, 4, 7, 9), (2, 6, 9, 11),
              (6, 6, 7, 11), (2, 10, 11, 15), (2, 4, 4, 6))  # fmt: skip


def _signed_vector(rng):
    *parts, length = rng.choice(QUADRUPLES)
    rng.shuffle(parts)
    return tuple(x * rng.choice((1, -1)) for x in parts), length


def vector_length(rng):
    u, length = _signed_vector(rng)
    wrong = wrong_values(length, [length**2, sum(abs(x) for x in u), length + 1])
    stem = (
        "Trong không gian \\(Oxyz\\), cho vectơ \\(\\vec{u} = "
        f"{point(u)}\\). Độ dài của vectơ \\(\\vec{{u}}\\) bằng"
    )
    data = single(rng, stem, f"\\({length}\\)", [f"\\({w}\\)" for w in wrong],
                  tags("TOAN", 12, "VT", BIET, DEMO_SOURCE))  # fmt: skip
    return Draft(data, "vector_length", {"u": list(u)}, Fraction(length))


def dot_product(rng):
    u = [rng.randint(-4, 4) for _ in range(3)]
    v = [rng.randint(-4, 4) for _ in range(3)]
    right = sum(x * y for x, y in zip(u, v, strict=True))
    wrong = wrong_values(
        right, [u[0] * v[0] + u[1] * v[1] - u[2] * v[2], sum(u) + sum(v), u[0] * v[0] + u[1] * v[1]]
    )
    stem = (
        f"Trong không gian \\(Oxyz\\), cho \\(\\vec{{u}} = {point(u)}\\) và \\(\\vec{{v}} = "
        f"{point(v)}\\). Tích vô hướng \\(\\vec{{u}} \\cdot \\vec{{v}}\\) bằng"
    )
    data = single(rng, stem, f"\\({right}\\)", [f"\\({w}\\)" for w in wrong],
                  tags("TOAN", 12, "VT", HIEU, DEMO_SOURCE))  # fmt: skip
    return Draft(data, "dot_product", {"u": u, "v": v}, Fraction(right))


def distance(rng):
    a = [rng.randint(-5, 5) for _ in range(3)]
    step, length = _signed_vector(rng)
    b = [x + s for x, s in zip(a, step, strict=True)]
    stem = (
        f"Trong không gian \\(Oxyz\\), cho hai điểm \\(A{point(a)}\\) và \\(B{point(b)}\\). "
        "Tính độ dài đoạn thẳng \\(AB\\)."
    )
    data = numeric(stem, length, tags("TOAN", 12, "TD", HIEU, DEMO_SOURCE))
    return Draft(data, "distance", {"a": a, "b": b}, Fraction(length))


def midpoint(rng):
    a = [rng.randint(-6, 6) for _ in range(3)]
    b = [x + 2 * rng.randint(-4, 4) for x in a]
    if a == b:
        return None
    m = [Fraction(x + y, 2) for x, y in zip(a, b, strict=True)]
    wrong = [
        [y - x for x, y in zip(a, b, strict=True)],
        [x + y for x, y in zip(a, b, strict=True)],
        [Fraction(y - x, 2) for x, y in zip(a, b, strict=True)],
    ]
    if any(w == m for w in wrong) or len({tuple(w) for w in wrong}) != 3:
        return None
    stem = (
        f"Trong không gian \\(Oxyz\\), cho hai điểm \\(A{point(a)}\\) và \\(B{point(b)}\\). "
        "Toạ độ trung điểm \\(M\\) của đoạn thẳng \\(AB\\) là"
    )
    data = single(rng, stem, f"\\(M{point(m)}\\)", [f"\\(M{point(w)}\\)" for w in wrong],
                  tags("TOAN", 12, "TD", BIET, DEMO_SOURCE))  # fmt: skip
    return Draft(data, "midpoint", {"a": a, "b": b})


def plane_distance(rng):
    normal, length = _signed_vector(rng)
    m = [rng.randint(-3, 3) for _ in range(3)]
    k = rng.randint(1, 4)
    d = rng.choice((1, -1)) * length * k - sum(x * y for x, y in zip(normal, m, strict=True))
    stem = (
        f"Trong không gian \\(Oxyz\\), tính khoảng cách từ điểm \\(M{point(m)}\\) đến mặt "
        f"phẳng \\((P): {linear(normal, constant=d)} = 0\\)."
    )
    data = numeric(stem, k, tags("TOAN", 12, "TD", VAN_DUNG, DEMO_SOURCE))
    return Draft(data, "plane_distance", {"n": list(normal), "d": d, "m": m}, Fraction(k))


def _balls(rng):
    return rng.randint(3, 8), rng.randint(2, 7)


def two_red(rng, as_numeric: bool = False):
    red, blue = _balls(rng)
    total = red + blue
    right = Fraction(comb(red, 2), comb(total, 2))
    stem = (
        f"Một hộp có {red} quả cầu đỏ và {blue} quả cầu xanh, các quả cầu có cùng kích thước và "
        "khối lượng. Lấy ngẫu nhiên đồng thời 2 quả cầu từ hộp. "
    )
    params = {"red": red, "blue": blue}
    if as_numeric:
        value = round_to(right, 2)
        stem += "Tính xác suất để lấy được 2 quả cầu đỏ (làm tròn kết quả đến hàng phần trăm)."
        if not fits_short_answer(value):
            return None
        data = numeric(stem, value, tags("TOAN", 12, "XS", VAN_DUNG, DEMO_SOURCE))
        return Draft(data, "two_red_rounded", params, right)
    stem += "Xác suất để lấy được 2 quả cầu đỏ là"
    wrong = wrong_values(
        right,
        [Fraction(red, total), Fraction(red, total) ** 2, Fraction(comb(blue, 2), comb(total, 2)),
         1 - Fraction(comb(blue, 2), comb(total, 2))],
    )  # fmt: skip
    data = single(rng, stem, f"\\({tfrac(right)}\\)", [f"\\({tfrac(w)}\\)" for w in wrong],
                  tags("TOAN", 12, "XS", HIEU, DEMO_SOURCE))  # fmt: skip
    return Draft(data, "two_red", params, right)


def conditional(rng):
    p_b = rng.choice((Fraction(2, 5), Fraction(1, 2), Fraction(4, 5), Fraction(1, 4)))
    ratio = rng.choice((Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(1, 5),
                        Fraction(2, 5), Fraction(3, 5)))  # fmt: skip
    p_ab = p_b * ratio
    try:
        shown = tdec(p_ab)
    except ValueError:
        return None
    stem = (
        f"Cho hai biến cố \\(A\\) và \\(B\\) với \\(P(B) = {tdec(p_b)}\\) và \\(P(A \\cap B) = "
        f"{shown}\\). Tính \\(P(A \\mid B)\\)."
    )
    data = numeric(stem, ratio, tags("TOAN", 12, "XS", HIEU, DEMO_SOURCE))
    return Draft(data, "conditional", {"p_b": p_b, "p_ab": p_ab}, ratio)


def grouped_range(rng):
    start, width, groups = rng.choice((40, 50, 150, 20)), rng.choice((5, 10, 2)), rng.randint(4, 6)
    bounds = [start + i * width for i in range(groups + 1)]
    freqs = [rng.randint(1, 12) for _ in range(groups)]
    right = bounds[-1] - bounds[0]
    wrong = wrong_values(right, [width, max(freqs) - min(freqs), bounds[-2] - bounds[0]])
    classes = ", ".join(f"\\([{bounds[i]}; {bounds[i + 1]})\\)" for i in range(groups))
    stem = (
        f"Mẫu số liệu ghép nhóm gồm các nhóm {classes} với tần số lần lượt là "
        f"{', '.join(map(str, freqs))}. Khoảng biến thiên của mẫu số liệu ghép nhóm này bằng"
    )
    data = single(rng, stem, f"\\({right}\\)", [f"\\({w}\\)" for w in wrong],
                  tags("TOAN", 12, "XS", BIET, DEMO_SOURCE))  # fmt: skip
    return Draft(data, "grouped_range", {"bounds": bounds}, Fraction(right))


def tf4_cubic(rng):
    p, q, b, c, d = _critical_cubic(rng)
    f = poly([1, b, c, d])
    low = cubic_value(1, b, c, d, q)
    pairs = [
        (f"\\(f'(x) = {poly([3, 2 * b, c])}\\)",
         f"\\(f'(x) = {poly([1, Fraction(2 * b, 3), Fraction(c, 3)])}\\)"),
        (f"Hàm số nghịch biến trên khoảng \\(({p}; {q})\\)",
         f"Hàm số đồng biến trên khoảng \\(({p}; {q})\\)"),
        (f"Hàm số đạt cực đại tại \\(x = {p}\\)", f"Hàm số đạt cực đại tại \\(x = {q}\\)"),
        (f"Giá trị cực tiểu của hàm số bằng \\({low}\\)",
         f"Giá trị cực tiểu của hàm số bằng \\({low + rng.choice((-2, 2, 4))}\\)"),
    ]  # fmt: skip
    data = tf4(
        rng, f"Cho hàm số \\(f(x) = {f}\\).", pairs, tags("TOAN", 12, "DH", HIEU, DEMO_SOURCE)
    )
    return Draft(data, "tf4_cubic", {"p": p, "q": q, "b": b, "c": c, "d": d})


def tf4_integral(rng):
    a, b, c = rng.choice((1, 2, -1)), rng.randint(-3, 3), rng.randint(-4, 5)
    lo = rng.randint(-1, 1)
    hi = lo + rng.randint(1, 3)
    value = _integral(a, b, c, lo, hi)
    if value == 0:
        return None
    f_lo = 3 * a * lo**2 + 2 * b * lo + c
    pairs = [
        (f"\\(F(x) = {poly([a, b, c, 0])}\\) là một nguyên hàm của \\(f(x)\\)",
         f"\\(F(x) = {poly([6 * a, 2 * b])}\\) là một nguyên hàm của \\(f(x)\\)"),
        (f"\\(f({lo}) = {f_lo}\\)", f"\\(f({lo}) = {f_lo + rng.choice((-1, 1, 3))}\\)"),
        (f"\\(\\displaystyle \\int_{{{lo}}}^{{{hi}}} f(x)\\,dx = {value}\\)",
         f"\\(\\displaystyle \\int_{{{lo}}}^{{{hi}}} f(x)\\,dx = {value + rng.choice((-2, 1, 2))}\\)"),
        (f"\\(\\displaystyle \\int_{{{lo}}}^{{{hi}}} 2f(x)\\,dx = {2 * value}\\)",
         f"\\(\\displaystyle \\int_{{{lo}}}^{{{hi}}} 2f(x)\\,dx = {4 * value}\\)"),
    ]  # fmt: skip
    data = tf4(rng, f"Cho hàm số \\(f(x) = {poly([3 * a, 2 * b, c])}\\).", pairs,
               tags("TOAN", 12, "NH", HIEU, DEMO_SOURCE))  # fmt: skip
    return Draft(data, "tf4_integral", {"a": a, "b": b, "c": c, "lo": lo, "hi": hi})


def tf4_coordinates(rng):
    a = [rng.randint(-4, 4) for _ in range(3)]
    step, length = _signed_vector(rng)
    b = [x + s for x, s in zip(a, step, strict=True)]
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    oa2 = sum(x * x for x in a)
    pairs = [
        (f"\\(\\overrightarrow{{AB}} = {point(step)}\\)",
         f"\\(\\overrightarrow{{AB}} = {point([-s for s in step])}\\)"),
        (f"\\(AB = {length}\\)", f"\\(AB = {length + 1}\\)"),
        (f"\\(\\overrightarrow{{OA}} \\cdot \\overrightarrow{{OB}} = {dot}\\)",
         f"\\(\\overrightarrow{{OA}} \\cdot \\overrightarrow{{OB}} = {dot + 2}\\)"),
        (f"\\(OA^2 = {oa2}\\)", f"\\(OA^2 = {oa2 + 1}\\)"),
    ]  # fmt: skip
    stem = f"Trong không gian \\(Oxyz\\), cho hai điểm \\(A{point(a)}\\) và \\(B{point(b)}\\)."
    data = tf4(rng, stem, pairs, tags("TOAN", 12, "TD", HIEU, DEMO_SOURCE))
    return Draft(data, "tf4_coordinates", {"a": a, "b": b})


def tf4_probability(rng):
    red, blue = _balls(rng)
    total = red + blue
    ways = comb(total, 2)
    p_red, p_blue = Fraction(comb(red, 2), ways), Fraction(comb(blue, 2), ways)
    p_mixed = Fraction(red * blue, ways)
    wrong_red = p_red + Fraction(1, ways) if p_red + Fraction(1, ways) < 1 else p_red / 2
    pairs = [
        (f"Số cách lấy 2 quả cầu từ hộp là \\({ways}\\)",
         f"Số cách lấy 2 quả cầu từ hộp là \\({total * (total - 1)}\\)"),
        (f"Xác suất lấy được 2 quả cầu đỏ là \\({tfrac(p_red)}\\)",
         f"Xác suất lấy được 2 quả cầu đỏ là \\({tfrac(wrong_red)}\\)"),
        (f"Xác suất lấy được 2 quả cầu xanh là \\({tfrac(p_blue)}\\)",
         f"Xác suất lấy được 2 quả cầu xanh là \\({tfrac(Fraction(blue, total) ** 2)}\\)"),
        (f"Xác suất lấy được 2 quả cầu khác màu là \\({tfrac(p_mixed)}\\)",
         f"Xác suất lấy được 2 quả cầu khác màu là \\({tfrac(1 - p_red)}\\)"),
    ]  # fmt: skip
    stem = (
        f"Một hộp có {red} quả cầu đỏ và {blue} quả cầu xanh, các quả cầu có cùng kích thước và "
        "khối lượng. Lấy ngẫu nhiên đồng thời 2 quả cầu từ hộp."
    )
    data = tf4(rng, stem, pairs, tags("TOAN", 12, "XS", VAN_DUNG, DEMO_SOURCE))
    return Draft(data, "tf4_probability", {"red": red, "blue": blue})


def vectors_multiple(rng):
    """Choose the true statements about two vectors: two true, two false."""
    u = [rng.randint(-3, 3) for _ in range(3)]
    v = [rng.randint(-3, 3) for _ in range(3)]
    total = [x + y for x, y in zip(u, v, strict=True)]
    diff = [x - y for x, y in zip(u, v, strict=True)]
    dot = sum(x * y for x, y in zip(u, v, strict=True))
    statements = [
        (f"\\(\\vec{{u}} + \\vec{{v}} = {point(total)}\\)",
         f"\\(\\vec{{u}} + \\vec{{v}} = {point(diff)}\\)", total != diff),
        (f"\\(\\vec{{u}} \\cdot \\vec{{v}} = {dot}\\)",
         f"\\(\\vec{{u}} \\cdot \\vec{{v}} = {dot + 1}\\)", True),
        (f"\\(\\vec{{u}} - \\vec{{v}} = {point(diff)}\\)",
         f"\\(\\vec{{u}} - \\vec{{v}} = {point([-x for x in diff])}\\)", any(diff)),
        (f"\\(2\\vec{{u}} = {point([2 * x for x in u])}\\)",
         f"\\(2\\vec{{u}} = {point([x + 2 for x in u])}\\)", any(x != 2 for x in u)),
    ]  # fmt: skip
    if not all(ok for _t, _f, ok in statements):
        return None
    truth = [True, True, False, False]
    rng.shuffle(truth)
    choices = [
        Choice(text=t if right else f, fraction=HALF if right else ZERO)
        for (t, f, _ok), right in zip(statements, truth, strict=True)
    ]
    stem = (
        f"Trong không gian \\(Oxyz\\), cho \\(\\vec{{u}} = {point(u)}\\) và \\(\\vec{{v}} = "
        f"{point(v)}\\). Chọn tất cả các khẳng định đúng."
    )
    data = ItemData(type=ItemType.MULTIPLE_RESPONSE, stem=stem, choices=choices,
                    tags=tags("TOAN", 12, "VT", HIEU, DEMO_SOURCE))  # fmt: skip
    return Draft(data, "vectors_multiple", {"u": u, "v": v})


def cubic_essay(rng):
    p, q, b, c, d = _critical_cubic(rng)
    y_max, y_min = cubic_value(1, b, c, d, p), cubic_value(1, b, c, d, q)
    f = poly([1, b, c, d])
    rubric = (
        "<ol>"
        "<li>Tập xác định \\(D = \\mathbb{R}\\) (0,25 điểm).</li>"
        f"<li>\\(y' = {poly([3, 2 * b, c])}\\); \\(y' = 0 \\Leftrightarrow x = {p}\\) hoặc "
        f"\\(x = {q}\\) (0,5 điểm).</li>"
        f"<li>Hàm số đồng biến trên các khoảng \\((-\\infty; {p})\\) và \\(({q}; +\\infty)\\), "
        f"nghịch biến trên khoảng \\(({p}; {q})\\); \\(\\lim_{{x \\to \\pm\\infty}} y = "
        "\\pm\\infty\\) (0,5 điểm).</li>"
        f"<li>Cực đại tại \\(x = {p}\\), \\(y_{{CĐ}} = {y_max}\\); cực tiểu tại \\(x = {q}\\), "
        f"\\(y_{{CT}} = {y_min}\\); bảng biến thiên đúng (0,5 điểm).</li>"
        f"<li>Đồ thị đi qua các điểm cực trị \\(({p}; {y_max})\\), \\(({q}; {y_min})\\) và "
        f"giao điểm với trục tung \\((0; {d})\\), vẽ đúng dáng (0,25 điểm).</li>"
        "</ol>"
    )
    stem = f"Khảo sát sự biến thiên và vẽ đồ thị của hàm số \\(y = {f}\\)."
    data = ItemData(type=ItemType.ESSAY, stem=stem, rubric=rubric, points=Decimal(2),
                    tags=tags("TOAN", 12, "DH", VAN_DUNG, DEMO_SOURCE))  # fmt: skip
    return Draft(data, "cubic_essay", {"b": b, "c": c, "d": d, "p": p, "q": q})


# --- Toán 9 and Toán 6 --------------------------------------------------------------------------


def linear_system(rng, as_numeric: bool = False):
    x, y = rng.randint(-4, 5), rng.randint(-4, 5)
    a1, b1, a2, b2 = (rng.choice((1, 2, 3, -1, -2)) for _ in range(4))
    if a1 * b2 - a2 * b1 == 0:
        return None
    c1, c2 = a1 * x + b1 * y, a2 * x + b2 * y
    system = (
        f"\\(\\begin{{cases}} {linear([a1, b1], ('x', 'y'))} = {c1} \\\\ "
        f"{linear([a2, b2], ('x', 'y'))} = {c2} \\end{{cases}}\\)"
    )
    params = {"a1": a1, "b1": b1, "c1": c1, "a2": a2, "b2": b2, "c2": c2}
    source = TEACHER_SOURCES[rng.randrange(len(TEACHER_SOURCES))]
    if as_numeric:
        stem = f"Biết hệ phương trình {system} có nghiệm \\((x_0; y_0)\\). Tính \\(x_0 + y_0\\)."
        data = numeric(stem, x + y, tags("TOAN", 9, "HPT", VAN_DUNG_4, source))
        return Draft(data, "linear_system_sum", params, Fraction(x + y))
    candidates = [(y, x), (-x, y), (x, -y), (x + 1, y - 1)]
    wrong = [c for c in dict.fromkeys(candidates) if c != (x, y)][:3]
    if len(wrong) < 3:
        return None
    stem = f"Nghiệm của hệ phương trình {system} là"
    data = single(rng, stem, f"\\(({x}; {y})\\)", [f"\\(({a}; {b})\\)" for a, b in wrong],
                  tags("TOAN", 9, "HPT", THONG_HIEU, source))  # fmt: skip
    return Draft(data, "linear_system", params)


def _quadratic(rng):
    r1, r2 = rng.randint(-6, 6), rng.randint(-6, 6)
    return r1, r2, -(r1 + r2), r1 * r2


def vieta(rng, as_numeric: bool = False):
    r1, r2, b, c = _quadratic(rng)
    if r1 == r2:
        return None
    equation = f"\\({poly([1, b, c])} = 0\\)"
    source = TEACHER_SOURCES[rng.randrange(len(TEACHER_SOURCES))]
    if as_numeric:
        value = (r1 + r2) ** 2 - 2 * r1 * r2
        stem = (
            f"Gọi \\(x_1, x_2\\) là hai nghiệm của phương trình {equation}. Tính giá trị của "
            "biểu thức \\(x_1^2 + x_2^2\\)."
        )
        data = numeric(stem, value, tags("TOAN", 9, "PT2", VAN_DUNG_4, source))
        return Draft(data, "vieta_squares", {"b": b, "c": c}, Fraction(value))
    right = f"\\(x_1 + x_2 = {r1 + r2}, \\; x_1 x_2 = {r1 * r2}\\)"
    wrong = [
        f"\\(x_1 + x_2 = {-(r1 + r2) + (1 if r1 + r2 == 0 else 0)}, \\; x_1 x_2 = {r1 * r2}\\)",
        f"\\(x_1 + x_2 = {r1 + r2}, \\; x_1 x_2 = {-r1 * r2 + (1 if r1 * r2 == 0 else 0)}\\)",
        f"\\(x_1 + x_2 = {r1 * r2 + 1}, \\; x_1 x_2 = {r1 + r2}\\)",
    ]
    stem = f"Gọi \\(x_1, x_2\\) là hai nghiệm của phương trình {equation}. Khẳng định nào đúng?"
    data = single(rng, stem, right, wrong, tags("TOAN", 9, "PT2", NHAN_BIET, source))
    return Draft(data, "vieta", {"b": b, "c": c})


def tf4_quadratic(rng):
    r1, r2, b, c = _quadratic(rng)
    if r1 == r2:
        return None
    delta = b * b - 4 * c
    squares = r1 * r1 + r2 * r2
    pairs = [
        (f"Biệt thức \\(\\Delta = {delta}\\)",
         f"Biệt thức \\(\\Delta = {b * b + 4 * c if c != 0 else delta + 4}\\)"),
        (f"\\(x_1 + x_2 = {r1 + r2}\\)", f"\\(x_1 + x_2 = {r1 + r2 + 2}\\)"),
        (f"\\(x_1 x_2 = {r1 * r2}\\)", f"\\(x_1 x_2 = {r1 * r2 - 3}\\)"),
        (f"\\(x_1^2 + x_2^2 = {squares}\\)", f"\\(x_1^2 + x_2^2 = {squares + 4}\\)"),
    ]  # fmt: skip
    stem = f"Cho phương trình \\({poly([1, b, c])} = 0\\) có hai nghiệm \\(x_1, x_2\\)."
    data = tf4(rng, stem, pairs, tags("TOAN", 9, "PT2", THONG_HIEU, TEACHER_SOURCES[0]))
    return Draft(data, "tf4_quadratic", {"b": b, "c": c})


def quadratic_roots_tf(rng):
    r1, r2, b, c = _quadratic(rng)
    if r1 == r2:
        return None
    truth = rng.random() < 0.5
    shown = (r1, r2) if truth else (r1, r2 + rng.choice((1, -1)))
    if not truth and shown[1] == r1:
        return None
    stem = (
        f"Phương trình \\({poly([1, b, c])} = 0\\) có hai nghiệm là \\(x = {shown[0]}\\) và "
        f"\\(x = {shown[1]}\\)."
    )
    data = ItemData(type=ItemType.TRUE_FALSE, stem=stem, correct=truth,
                    tags=tags("TOAN", 9, "PT2", NHAN_BIET, TEACHER_SOURCES[1]))  # fmt: skip
    return Draft(data, "quadratic_roots_tf", {"b": b, "c": c, "shown": list(shown)})


def sqrt_product(rng):
    m, s, t = rng.choice((2, 3, 5, 6, 7)), rng.randint(1, 5), rng.randint(2, 6)
    right = m * s * t
    stem = f"Giá trị của biểu thức \\(\\sqrt{{{m * s * s}}} \\cdot \\sqrt{{{m * t * t}}}\\) bằng"
    wrong = wrong_values(right, [s * t, m * s * s + m * t * t, right * m])
    data = single(rng, stem, f"\\({right}\\)", [f"\\({w}\\)" for w in wrong],
                  tags("TOAN", 9, "CAN", NHAN_BIET, TEACHER_SOURCES[2]))  # fmt: skip
    return Draft(data, "sqrt_product", {"a": m * s * s, "b": m * t * t}, Fraction(right))


def sqrt_order(rng):
    """Order numbers written with square roots: compared by their squares."""
    squares = rng.sample(range(5, 50), 4)
    forms = []
    for n in squares:
        root = isqrt(n)
        if root * root == n:
            forms.append((n, f"\\({root}\\)"))
        elif n % 4 == 0:
            forms.append((n, f"\\(2\\sqrt{{{n // 4}}}\\)"))
        else:
            forms.append((n, f"\\(\\sqrt{{{n}}}\\)"))
    ordered = [text for _n, text in sorted(forms)]
    if len(set(ordered)) != 4:
        return None
    stem = "Sắp xếp các số sau theo thứ tự tăng dần."
    data = ItemData(type=ItemType.ORDERING, stem=stem, order=ordered,
                    tags=tags("TOAN", 9, "CAN", THONG_HIEU, TEACHER_SOURCES[3]))  # fmt: skip
    return Draft(data, "sqrt_order", {"squares": squares})


TRIPLES = ((3, 4, 5), (5, 12, 13), (8, 15, 17), (7, 24, 25), (6, 8, 10), (9, 12, 15), (20, 21, 29))


def hypotenuse(rng, altitude: bool = False):
    a, b, c = rng.choice(TRIPLES)
    k = rng.choice((1, 1, 2))
    a, b, c = a * k, b * k, c * k
    if altitude:
        value = Fraction(a * b, c)
        if not fits_short_answer(value):
            return None
        stem = (
            f"Cho tam giác \\(ABC\\) vuông tại \\(A\\) có \\(AB = {a}\\) cm, \\(AC = {b}\\) cm. "
            "Tính độ dài đường cao \\(AH\\) (đơn vị: cm)."
        )
        data = numeric(stem, value, tags("TOAN", 9, "HTL", VAN_DUNG_CAO, TEACHER_SOURCES[4]))
        return Draft(data, "altitude", {"a": a, "b": b}, value)
    stem = (
        f"Cho tam giác \\(ABC\\) vuông tại \\(A\\) có \\(AB = {a}\\) cm, \\(AC = {b}\\) cm. "
        "Tính độ dài cạnh \\(BC\\) (đơn vị: cm)."
    )
    data = numeric(stem, c, tags("TOAN", 9, "HTL", THONG_HIEU, TEACHER_SOURCES[4]))
    return Draft(data, "hypotenuse", {"a": a, "b": b}, Fraction(c))


def circumference(rng):
    r = rng.randint(2, 12)
    right = 2 * r
    wrong = wrong_values(right, [r * r, r, 4 * r])
    stem = f"Độ dài của đường tròn có bán kính \\(R = {r}\\) cm là"
    data = single(rng, stem, f"\\({right}\\pi\\) cm", [f"\\({w}\\pi\\) cm" for w in wrong],
                  tags("TOAN", 9, "DT", NHAN_BIET, TEACHER_SOURCES[0]))  # fmt: skip
    return Draft(data, "circumference", {"r": r}, Fraction(right))


def gcd_lcm(rng, which: str = "gcd"):
    base = rng.choice((2, 3, 4, 5, 6, 7, 8, 9, 12))
    x, y = base * rng.randint(2, 9), base * rng.randint(2, 9)
    if x == y:
        return None
    value = gcd(x, y) if which == "gcd" else x * y // gcd(x, y)
    if not fits_short_answer(value):
        return None
    label = "ƯCLN" if which == "gcd" else "BCNN"
    stem = f"Tìm \\(\\text{{{label}}}({x}, {y})\\)."
    data = numeric(stem, value, tags("TOAN", 6, "CH", THONG_HIEU, TEACHER_SOURCES[1]))
    return Draft(data, which, {"x": x, "y": y}, Fraction(value))


def integer_sum(rng):
    a, b, c = rng.randint(5, 60), rng.randint(5, 60), rng.randint(5, 60)
    value = -a + b - (-c)
    stem = f"Tính \\((-{a}) + {b} - (-{c})\\)."
    data = numeric(stem, value, tags("TOAN", 6, "SN", NHAN_BIET, TEACHER_SOURCES[2]))
    return Draft(data, "integer_sum", {"a": a, "b": b, "c": c}, Fraction(value))


def fraction_sum(rng):
    b, d = rng.choice((2, 3, 4, 5, 6, 8)), rng.choice((3, 4, 5, 6, 7, 9))
    a, c = rng.randint(1, b - 1) if b > 2 else 1, rng.randint(1, d - 1)
    right = Fraction(a, b) + Fraction(c, d)
    wrong = wrong_values(right, [Fraction(a + c, b + d), Fraction(a * c, b * d), right + 1])
    stem = f"Kết quả của phép tính \\(\\frac{{{a}}}{{{b}}} + \\frac{{{c}}}{{{d}}}\\) là"
    data = single(rng, stem, f"\\({tfrac(right)}\\)", [f"\\({tfrac(w)}\\)" for w in wrong],
                  tags("TOAN", 6, "PS", THONG_HIEU, TEACHER_SOURCES[3]))  # fmt: skip
    return Draft(data, "fraction_sum", {"a": a, "b": b, "c": c, "d": d}, right)


def divisible_by_9(rng):
    n = rng.randint(1000, 99999)
    truth = n % 9 == 0
    stem = f"Số \\({n}\\) chia hết cho \\(9\\)."
    data = ItemData(type=ItemType.TRUE_FALSE, stem=stem, correct=truth,
                    tags=tags("TOAN", 6, "CH", NHAN_BIET, TEACHER_SOURCES[4]))  # fmt: skip
    return Draft(data, "divisible_by_9", {"n": n})


def _factorization(n: int) -> str:
    parts, p = [], 2
    while n > 1:
        power = 0
        while n % p == 0:
            n //= p
            power += 1
        if power:
            parts.append(f"{p}^{power}" if power > 1 else str(p))
        p += 1
    return " \\cdot ".join(parts)


def factor_matching(rng):
    numbers = rng.sample((12, 18, 20, 24, 28, 30, 36, 40, 45, 48, 50, 54, 60, 72, 84, 90), 4)
    pairs = [Pair(left=f"\\({n}\\)", right=f"\\({_factorization(n)}\\)") for n in numbers]
    stem = "Ghép mỗi số với dạng phân tích ra thừa số nguyên tố của nó."
    data = ItemData(type=ItemType.MATCHING, stem=stem, pairs=pairs,
                    tags=tags("TOAN", 6, "CH", THONG_HIEU, TEACHER_SOURCES[0]))  # fmt: skip
    return Draft(data, "factor_matching", {"numbers": numbers})


# --- Vật lí --------------------------------------------------------------------------------------


def half_life(rng, as_numeric: bool = True):
    period = rng.choice((2, 3, 5, 8, 10, 12, 15))
    halvings = rng.randint(1, 4)
    unit = rng.choice(("ngày", "giờ", "năm"))
    params = {"period": period, "halvings": halvings}
    if as_numeric:
        m0 = rng.choice((16, 32, 64, 80, 96, 128, 160, 200, 240, 320, 400, 480, 800))
        value = Fraction(m0, 2**halvings)
        if value.denominator != 1:
            return None
        stem = (
            f"Một chất phóng xạ có chu kì bán rã {period} {unit}. Ban đầu có {m0} g chất này. "
            f"Tính khối lượng (theo gam) chất phóng xạ còn lại sau {period * halvings} {unit}."
        )
        data = numeric(stem, value, tags("VL", 12, "HN", HIEU))
        return Draft(
            data,
            "half_life_mass",
            params | {"m0": m0},
            value,
            f"\\(m = m_0 \\cdot 2^{{-t/T}} = {m0} \\cdot 2^{{-{halvings}}} = {value}\\) g.",
        )
    right = 100 - Fraction(100, 2**halvings)
    wrong = wrong_values(right, [Fraction(100, 2**halvings), Fraction(100 * halvings, 2 ** (halvings + 1)),
                                 Fraction(100, halvings + 1)])  # fmt: skip
    stem = (
        f"Một chất phóng xạ có chu kì bán rã {period} {unit}. Sau {period * halvings} {unit}, số "
        "phần trăm số hạt nhân ban đầu của chất đó đã bị phân rã là"
    )
    data = single(rng, stem, f"\\({tdec(right)}\\%\\)", [f"\\({tdec(w)}\\%\\)" for w in wrong],
                  tags("VL", 12, "HN", VAN_DUNG))  # fmt: skip
    return Draft(data, "half_life_decayed", params, right)


def tf4_half_life(rng):
    period, m0 = rng.choice((4, 5, 8, 10)), rng.choice((64, 80, 160, 320))
    unit = rng.choice(("ngày", "giờ"))
    pairs = [
        (f"Sau {period} {unit}, khối lượng chất phóng xạ còn lại là {m0 // 2} g",
         f"Sau {period} {unit}, khối lượng chất phóng xạ còn lại là {m0 // 4} g"),
        (f"Sau {2 * period} {unit}, khối lượng chất phóng xạ còn lại là {m0 // 4} g",
         f"Sau {2 * period} {unit}, khối lượng chất phóng xạ còn lại là 0 g"),
        (f"Sau {3 * period} {unit}, đã có {m0 - m0 // 8} g chất phóng xạ bị phân rã",
         f"Sau {3 * period} {unit}, đã có {m0 // 8} g chất phóng xạ bị phân rã"),
        ("Chu kì bán rã là thời gian để một nửa số hạt nhân của một lượng chất phóng xạ bị "
         "phân rã", "Chu kì bán rã là thời gian để toàn bộ số hạt nhân của một lượng chất phóng "
         "xạ bị phân rã"),
    ]  # fmt: skip
    stem = f"Một mẫu chất phóng xạ có khối lượng ban đầu {m0} g, chu kì bán rã {period} {unit}."
    data = tf4(rng, stem, pairs, tags("VL", 12, "HN", HIEU))
    return Draft(data, "tf4_half_life", {"period": period, "m0": m0})


def heat(rng):
    mass = rng.choice((Fraction(1, 2), 1, 2, 3, 4, 5))
    rise = rng.choice((5, 10, 15, 20, 25, 30, 40, 50))
    c = 4200
    joules = mass * c * rise
    value = joules / 1000
    if not fits_short_answer(value):
        return None
    stem = (
        f"Tính nhiệt lượng (theo kJ) cần cung cấp để làm nóng {dec(mass)} kg nước thêm {rise} °C. "
        f"Biết nhiệt dung riêng của nước là {c} J/(kg·K)."
    )
    data = numeric(stem, value, tags("VL", 12, "NHIET", HIEU))
    return Draft(
        data,
        "heat",
        {"m": mass, "c": c, "dt": rise},
        value,
        f"\\(Q = mc\\Delta t = {tdec(mass)} \\cdot {c} \\cdot {rise} = {joules}\\) J.",
    )


def kelvin(rng):
    t = rng.choice((-23, 0, 7, 17, 27, 37, 47, 57, 77, 100, 127, 227))
    right = t + 273
    wrong = wrong_values(right, [t - 273, 273 - t, t + 373])
    stem = f"Nhiệt độ \\({t}\\) °C ứng với nhiệt độ nào trong thang nhiệt độ Kelvin (lấy \\(T = t + 273\\))?"
    data = single(rng, stem, f"\\({right}\\) K", [f"\\({w}\\) K" for w in wrong],
                  tags("VL", 12, "NHIET", BIET))  # fmt: skip
    return Draft(data, "kelvin", {"t": t}, Fraction(right))


def boyle(rng):
    p1, v1 = rng.choice((1, 2, 3, 4, 5)), rng.choice((2, 4, 6, 8, 10, 12, 15, 20))
    v2 = rng.choice((1, 2, 3, 4, 5, 6, 8, 10))
    if v2 == v1:
        return None
    value = Fraction(p1 * v1, v2)
    if not fits_short_answer(value):
        return None
    stem = (
        f"Một lượng khí lí tưởng có thể tích {v1} lít ở áp suất {p1} atm. Nén đẳng nhiệt lượng "
        f"khí đó đến thể tích {v2} lít. Tính áp suất (theo atm) của khí sau khi nén."
        if v2 < v1 else
        f"Một lượng khí lí tưởng có thể tích {v1} lít ở áp suất {p1} atm. Cho lượng khí đó giãn "
        f"nở đẳng nhiệt đến thể tích {v2} lít. Tính áp suất (theo atm) của khí lúc đó."
    )  # fmt: skip
    data = numeric(stem, value, tags("VL", 12, "KHI", HIEU))
    return Draft(
        data,
        "boyle",
        {"p1": p1, "v1": v1, "v2": v2},
        value,
        f"\\(p_2 = \\frac{{p_1 V_1}}{{V_2}} = {tdec(value)}\\) atm.",
    )


def charles(rng):
    t1 = rng.choice((300, 200, 250, 400))
    v1 = rng.choice((2, 3, 4, 5, 6))
    t2 = rng.choice((600, 450, 500, 750, 900, 350))
    value = Fraction(v1 * t2, t1)
    if not fits_short_answer(value):
        return None
    stem = (
        f"Một lượng khí lí tưởng có thể tích {v1} lít ở nhiệt độ {t1} K. Nung nóng đẳng áp lượng "
        f"khí đó đến {t2} K. Tính thể tích (theo lít) của khí lúc đó."
    )
    if t2 <= t1:
        return None
    data = numeric(stem, value, tags("VL", 12, "KHI", VAN_DUNG))
    return Draft(data, "charles", {"v1": v1, "t1": t1, "t2": t2}, value)


def magnetic_force(rng, as_numeric: bool = False):
    b = rng.choice((Fraction(1, 10), Fraction(1, 5), Fraction(1, 2), Fraction(2, 5), 1))
    current = rng.choice((2, 4, 5, 10))
    length = rng.choice((Fraction(1, 10), Fraction(1, 5), Fraction(1, 2), 1))
    angle = rng.choice((30, 90))
    sine = Fraction(1, 2) if angle == 30 else 1
    value = b * current * length * sine
    stem = (
        f"Một đoạn dây dẫn thẳng dài {dec(length)} m mang dòng điện {current} A đặt trong từ trường "
        f"đều có cảm ứng từ {dec(b)} T, dây hợp với các đường sức từ góc {angle}°. "
    )
    params = {"b": b, "i": current, "l": length, "angle": angle}
    if as_numeric:
        if not fits_short_answer(value):
            return None
        stem += "Tính độ lớn lực từ (theo niutơn) tác dụng lên đoạn dây."
        return Draft(numeric(stem, value, tags("VL", 12, "TU", VAN_DUNG)), "magnetic_force",
                     params, value)  # fmt: skip
    try:
        wrong = wrong_values(value, [b * current * length * (1 if angle == 30 else Fraction(1, 2)),
                                     b * current / length, 2 * value])  # fmt: skip
        options = [f"\\({tdec(w)}\\) N" for w in wrong]
        right = f"\\({tdec(value)}\\) N"
    except ValueError:
        return None
    stem += "Độ lớn lực từ tác dụng lên đoạn dây là"
    data = single(rng, stem, right, options, tags("VL", 12, "TU", HIEU))
    return Draft(data, "magnetic_force", params, value)


def wave_speed(rng, as_numeric: bool = False):
    wavelength = rng.choice((Fraction(1, 5), Fraction(1, 2), 1, 2, Fraction(5, 2), 4))
    frequency = rng.choice((2, 5, 10, 20, 25, 50, 100))
    value = wavelength * frequency
    stem = (
        f"Một sóng cơ truyền trên mặt nước với tần số {frequency} Hz và bước sóng "
        f"{dec(wavelength)} m. "
    )
    params = {"wavelength": wavelength, "frequency": frequency}
    if as_numeric:
        if not fits_short_answer(value):
            return None
        stem += "Tính tốc độ truyền sóng (theo m/s)."
        return Draft(numeric(stem, value, tags("VL", 11, "SONG", HIEU)), "wave_speed", params,
                     value)  # fmt: skip
    wrong = wrong_values(value, [wavelength / frequency, Fraction(frequency) / wavelength,
                                 2 * value])  # fmt: skip
    try:
        options = [f"\\({tdec(w)}\\) m/s" for w in wrong]
    except ValueError:
        return None
    stem += "Tốc độ truyền sóng là"
    data = single(rng, stem, f"\\({tdec(value)}\\) m/s", options, tags("VL", 11, "SONG", BIET))
    return Draft(data, "wave_speed", params, value)


def ohm(rng):
    resistance = rng.choice((2, 4, 5, 6, 8, 10, 12, 20, 24, 30))
    current = rng.choice((Fraction(1, 2), 1, 2, 3, Fraction(5, 2)))
    voltage = resistance * current
    wrong = wrong_values(current, [Fraction(resistance) / voltage, voltage * resistance,
                                   current * 2])  # fmt: skip
    try:
        options = [f"\\({tdec(w)}\\) A" for w in wrong]
    except ValueError:
        return None
    stem = (
        f"Đặt hiệu điện thế {dec(voltage)} V vào hai đầu một điện trở {resistance} Ω. Cường độ dòng "
        "điện chạy qua điện trở là"
    )
    data = single(rng, stem, f"\\({tdec(current)}\\) A", options, tags("VL", 11, "DIEN", BIET))
    return Draft(data, "ohm", {"u": voltage, "r": resistance}, Fraction(current))


def parallel_resistors(rng):
    r1, r2 = rng.choice(((6, 3), (12, 6), (20, 5), (10, 10), (4, 12), (30, 15), (12, 4),
                         (60, 30), (18, 9), (40, 10)))  # fmt: skip
    value = Fraction(r1 * r2, r1 + r2)
    series = rng.random() < 0.3
    if series:
        value = Fraction(r1 + r2)
    how = "nối tiếp" if series else "song song"
    stem = f"Hai điện trở \\(R_1 = {r1}\\) Ω và \\(R_2 = {r2}\\) Ω mắc {how}. Tính điện trở tương đương (theo Ω) của đoạn mạch."
    data = numeric(stem, value, tags("VL", 11, "DIEN", HIEU))
    return Draft(data, "series" if series else "parallel", {"r1": r1, "r2": r2}, value)


def oscillation_period(rng):
    frequency = rng.choice((2, 4, 5, 10, 20, 25, Fraction(1, 2)))
    right = 1 / Fraction(frequency)
    wrong = wrong_values(right, [Fraction(frequency), 2 * right, Fraction(2 * frequency)])
    try:
        options = [f"\\({tdec(w)}\\) s" for w in wrong]
    except ValueError:
        return None
    stem = f"Một vật dao động điều hoà với tần số {dec(frequency)} Hz. Chu kì dao động của vật là"
    data = single(rng, stem, f"\\({tdec(right)}\\) s", options, tags("VL", 11, "DD", BIET))
    return Draft(data, "period", {"f": frequency}, right)


def kinematics(rng, as_numeric: bool = True):
    v0, a, t = rng.choice((0, 2, 4, 5, 10)), rng.choice((1, 2, 3, 4)), rng.choice((2, 4, 5, 6, 10))
    distance_ = v0 * t + Fraction(a * t * t, 2)
    speed = v0 + a * t
    params = {"v0": v0, "a": a, "t": t}
    start = (
        "Một xe bắt đầu chuyển động thẳng nhanh dần đều từ trạng thái nghỉ"
        if v0 == 0 else f"Một xe đang chuyển động thẳng với tốc độ {v0} m/s thì tăng tốc đều"
    )  # fmt: skip
    stem = f"{start} với gia tốc {a} m/s². "
    if as_numeric:
        if not fits_short_answer(distance_):
            return None
        stem += f"Tính quãng đường (theo mét) xe đi được trong {t} s đầu."
        return Draft(numeric(stem, distance_, tags("VL", 10, "DH", VAN_DUNG)), "distance_accel",
                     params, distance_)  # fmt: skip
    stem += f"Tốc độ của xe sau {t} s là"
    wrong = wrong_values(speed, [a * t, v0 + a * t * t, v0 * t + a])
    data = single(rng, stem, f"\\({speed}\\) m/s", [f"\\({w}\\) m/s" for w in wrong],
                  tags("VL", 10, "DH", HIEU))  # fmt: skip
    return Draft(data, "speed_accel", params, Fraction(speed))


def free_fall(rng):
    t = rng.choice((1, 2, 3, 4, 5, 6))
    value = Fraction(10 * t * t, 2)
    stem = (
        f"Thả rơi tự do một vật từ độ cao nhất định, vật chạm đất sau {t} s. Lấy \\(g = 10\\) m/s²."
        " Tính độ cao (theo mét) nơi thả vật."
    )
    data = numeric(stem, value, tags("VL", 10, "DH", HIEU))
    return Draft(data, "free_fall", {"t": t, "g": 10}, value)


def newton(rng):
    mass, accel = rng.choice((2, 4, 5, 10, 20, 50)), rng.choice((Fraction(1, 2), 1, 2, 3, 4))
    right = mass * accel
    wrong = wrong_values(right, [Fraction(mass) / accel, mass + accel, right * 10])
    try:
        options = [f"\\({tdec(w)}\\) N" for w in wrong]
    except ValueError:
        return None
    stem = (
        f"Một vật có khối lượng {mass} kg chuyển động với gia tốc {dec(accel)} m/s². Hợp lực tác "
        "dụng lên vật có độ lớn là"
    )
    data = single(rng, stem, f"\\({tdec(right)}\\) N", options, tags("VL", 10, "DLH", BIET))
    return Draft(data, "newton", {"m": mass, "a": accel}, Fraction(right))


# --- Hoá học 12, Sinh học 12, KHTN 8 ------------------------------------------------------------

# Formulas of common substances (GDPT 2018 names).
FORMULAS = {
    "glucose": "C₆H₁₂O₆",
    "saccharose": "C₁₂H₂₂O₁₁",
    "ethyl acetate": "CH₃COOC₂H₅",
    "glycerol": "C₃H₅(OH)₃",
    "ethanol": "C₂H₅OH",
    "acetic acid": "CH₃COOH",
}
CARBOHYDRATES = ("glucose", "fructose", "saccharose", "tinh bột", "cellulose")
NOT_CARBOHYDRATES = ("ethyl acetate", "glycerol", "ethanol", "acetic acid")
ATOMIC_MASS = {"H": 1, "C": 12, "O": 16, "N": 14, "Na": 23, "Mg": 24, "Al": 27, "Fe": 56,
               "Zn": 65, "Cl": Fraction(71, 2)}  # fmt: skip
# Metals that react with hydrochloric acid: moles of metal per mole of hydrogen released
# (Mg + 2HCl → MgCl₂ + H₂; Fe + 2HCl → FeCl₂ + H₂; Zn + 2HCl → ZnCl₂ + H₂;
# 2Al + 6HCl → 2AlCl₃ + 3H₂).
METAL_PER_H2 = {"Mg": Fraction(1), "Fe": Fraction(1), "Zn": Fraction(1), "Al": Fraction(2, 3)}
METAL_NAMES = {"Mg": "magnesium", "Fe": "sắt", "Zn": "kẽm", "Al": "nhôm"}

CHEMISTRY_FACTS = [
    # (topic, statement true, statement false)
    ("CARB", "Glucose và fructose là đồng phân của nhau.",
     "Glucose và saccharose là đồng phân của nhau."),
    ("CARB", "Thuỷ phân hoàn toàn tinh bột thu được glucose.",
     "Thuỷ phân hoàn toàn tinh bột thu được ethanol."),
    ("CARB", "Tinh bột và cellulose đều có công thức chung là (C₆H₁₀O₅)ₙ.",
     "Tinh bột và cellulose đều có công thức chung là (C₆H₁₂O₆)ₙ."),
    ("ESTER", "Chất béo là triester của glycerol với các acid béo.",
     "Chất béo là triester của ethanol với các acid béo."),
    ("ESTER", "Công thức của ethyl acetate là CH₃COOC₂H₅.",
     "Công thức của ethyl acetate là C₂H₅COOCH₃."),
    ("KL", "Ở điều kiện thường, thuỷ ngân (Hg) là kim loại ở thể lỏng.",
     "Ở điều kiện thường, sắt (Fe) là kim loại ở thể lỏng."),
    ("KL", "Bạc (Ag) là kim loại dẫn điện tốt nhất.",
     "Sắt (Fe) là kim loại dẫn điện tốt nhất."),
    ("KL", "Lithium (Li) là kim loại nhẹ nhất.", "Bạc (Ag) là kim loại nhẹ nhất."),
]  # fmt: skip


def formula_choice(rng):
    name = rng.choice(list(FORMULAS))
    wrong = rng.sample([f for n, f in FORMULAS.items() if n != name], 3)
    topic = "CARB" if name in ("glucose", "saccharose") else "ESTER"
    stem = f"Công thức của {name} là"
    data = single(rng, stem, FORMULAS[name], wrong, tags("HH", 12, topic, BIET, TEACHER_SOURCES[2]))
    return Draft(data, "formula", {"name": name})


def formula_matching(rng):
    names = rng.sample(list(FORMULAS), 4)
    pairs = [Pair(left=name, right=FORMULAS[name]) for name in names]
    data = ItemData(type=ItemType.MATCHING, stem="Ghép mỗi chất với công thức của nó.",
                    pairs=pairs, tags=tags("HH", 12, "ESTER", BIET))  # fmt: skip
    return Draft(data, "formula_matching", {"names": names})


def carbohydrate_multiple(rng):
    right = rng.sample(CARBOHYDRATES, 2)
    wrong = rng.sample(NOT_CARBOHYDRATES, 2)
    choices = [Choice(text=n, fraction=HALF) for n in right] + [Choice(text=n) for n in wrong]
    rng.shuffle(choices)
    data = ItemData(type=ItemType.MULTIPLE_RESPONSE,
                    stem="Chọn tất cả các chất thuộc loại carbohydrate.", choices=choices,
                    tags=tags("HH", 12, "CARB", BIET))  # fmt: skip
    return Draft(data, "carbohydrate_multiple", {"right": right})


def chemistry_fact_tf(rng, index: int):
    topic, true_text, false_text = CHEMISTRY_FACTS[index]
    truth = rng.random() < 0.5
    data = ItemData(type=ItemType.TRUE_FALSE, stem=true_text if truth else false_text,
                    correct=truth, tags=tags("HH", 12, topic, BIET))  # fmt: skip
    return Draft(data, "fact_tf", {"index": index})


def tf4_chemistry(rng):
    picks = rng.sample(range(len(CHEMISTRY_FACTS)), 4)
    pairs = [(CHEMISTRY_FACTS[i][1], CHEMISTRY_FACTS[i][2]) for i in picks]
    topic = CHEMISTRY_FACTS[picks[0]][0]
    data = tf4(rng, "Xét tính đúng, sai của các phát biểu sau.", pairs,
               tags("HH", 12, topic, HIEU))  # fmt: skip
    return Draft(data, "tf4_facts", {"picks": picks})


def metal_mass(rng):
    metal = rng.choice(list(METAL_PER_H2))
    hydrogen = rng.choice((Fraction(1, 10), Fraction(1, 5), Fraction(3, 10), Fraction(1, 2),
                           Fraction(3, 20), Fraction(1, 4), Fraction(3, 5)))  # fmt: skip
    value = METAL_PER_H2[metal] * hydrogen * ATOMIC_MASS[metal]
    if not fits_short_answer(value):
        return None
    stem = (
        f"Cho m gam {METAL_NAMES[metal]} ({metal}) tác dụng hết với dung dịch HCl dư, thu được "
        f"{dec(hydrogen)} mol khí H₂. Tính m (cho {metal} = {ATOMIC_MASS[metal]})."
    )
    data = numeric(stem, value, tags("HH", 12, "KL", VAN_DUNG))
    return Draft(data, "metal_mass", {"metal": metal, "h2": hydrogen}, value)


def molar_mass(rng):
    name = rng.choice(("glucose", "saccharose", "ethanol", "acetic acid", "glycerol"))
    atoms = {"glucose": (6, 12, 6), "saccharose": (12, 22, 11), "ethanol": (2, 6, 1),
             "acetic acid": (2, 4, 2), "glycerol": (3, 8, 3)}[name]  # fmt: skip
    moles = rng.choice((1, 2, Fraction(1, 2), Fraction(1, 10), Fraction(1, 5), 3))
    value = moles * (12 * atoms[0] + atoms[1] + 16 * atoms[2])
    if not fits_short_answer(value):
        return None
    stem = (
        f"Tính khối lượng (theo gam) của {dec(moles)} mol {name} ({FORMULAS[name]}). "
        "Cho H = 1, C = 12, O = 16."
    )
    topic = "CARB" if name in ("glucose", "saccharose") else "ESTER"
    data = numeric(stem, value, tags("HH", 12, topic, HIEU))
    return Draft(data, "molar_mass", {"atoms": atoms, "moles": moles}, value)


def gene_count(rng, what: str = "hydrogen"):
    adenine = rng.choice(range(150, 901, 50))
    guanine = rng.choice(range(150, 901, 50))
    if what == "hydrogen":
        value, asked = 2 * adenine + 3 * guanine, "Tính số liên kết hydrogen của gen."
    elif what == "total":
        value, asked = 2 * adenine + 2 * guanine, "Tính tổng số nucleotide của gen."
    else:
        value = Fraction(adenine + guanine) * Fraction(17, 5)
        asked = "Tính chiều dài của gen (theo Å), biết mỗi cặp nucleotide dài 3,4 Å."
    if not fits_short_answer(value):
        return None
    stem = f"Một gen (DNA mạch kép) có {adenine} nucleotide loại A và {guanine} nucleotide loại G. {asked}"
    data = numeric(stem, value, tags("SH", 12, "DT", HIEU))
    return Draft(data, f"gene_{what}", {"a": adenine, "g": guanine}, Fraction(value))


def _dominant_share(p1: str, p2: str) -> Fraction:
    """The share of offspring showing the dominant trait of one gene (parents "Aa", "bb"…):
    one minus the chance that both parents pass on the recessive allele."""
    recessive = p1[0].lower()
    return 1 - Fraction(p1.count(recessive), 2) * Fraction(p2.count(recessive), 2)


GENOTYPES = ("AA", "Aa", "aa")


def mendel(rng, as_numeric: bool = True):
    a1, a2 = rng.choice(GENOTYPES), rng.choice(GENOTYPES)
    b1, b2 = (rng.choice(GENOTYPES).replace("A", "B").replace("a", "b") for _ in range(2))
    share = _dominant_share(a1, a2) * _dominant_share(b1, b2)
    if share in (0, 1):
        return None
    percent = share * 100
    cross = f"{a1}{b1} × {a2}{b2}"
    stem = (
        f"Ở một loài thực vật, mỗi gen quy định một tính trạng, alen trội là trội hoàn toàn, các "
        f"gen phân li độc lập. Theo lí thuyết, phép lai P: {cross} cho đời con có tỉ lệ kiểu hình "
        "trội về cả hai tính trạng là bao nhiêu phần trăm?"
    )
    params = {"cross": [a1, b1, a2, b2]}
    if as_numeric:
        if not fits_short_answer(percent):
            return None
        return Draft(numeric(stem, percent, tags("SH", 12, "DT", VAN_DUNG)), "mendel", params,
                     percent)  # fmt: skip
    wrong = wrong_values(percent, [100 - percent, percent / 2, Fraction(75)])
    try:
        options = [f"\\({tdec(w)}\\%\\)" for w in wrong]
        right = f"\\({tdec(percent)}\\%\\)"
    except ValueError:
        return None
    data = single(rng, stem.replace(" là bao nhiêu phần trăm?", " là"), right, options,
                  tags("SH", 12, "DT", HIEU))  # fmt: skip
    return Draft(data, "mendel", params, percent)


def ecological_efficiency(rng):
    first = rng.choice((10_000, 20_000, 50_000, 100_000, 200_000, 500_000))
    percent = rng.choice((5, 8, 10, 12, 15, 20))
    second = first * percent // 100
    stem = (
        f"Trong một chuỗi thức ăn, sinh vật tiêu thụ bậc 1 tích luỹ được {first} kcal, sinh vật "
        f"tiêu thụ bậc 2 tích luỹ được {second} kcal. Tính hiệu suất sinh thái (theo %) giữa sinh "
        "vật tiêu thụ bậc 2 và bậc 1."
    )
    data = numeric(stem, percent, tags("SH", 12, "ST", HIEU))
    return Draft(data, "efficiency", {"e1": first, "e2": second}, Fraction(percent))


def tf4_gene(rng):
    adenine, guanine = rng.choice(range(200, 901, 100)), rng.choice(range(200, 901, 100))
    total, bonds = 2 * (adenine + guanine), 2 * adenine + 3 * guanine
    pairs = [
        (f"Gen có {adenine} nucleotide loại T", f"Gen có {guanine} nucleotide loại T"
         if guanine != adenine else f"Gen có {adenine + 100} nucleotide loại T"),
        (f"Tổng số nucleotide của gen là {total}", f"Tổng số nucleotide của gen là {total // 2}"),
        (f"Gen có {bonds} liên kết hydrogen", f"Gen có {3 * adenine + 2 * guanine} liên kết hydrogen"
         if adenine != guanine else f"Gen có {bonds + 100} liên kết hydrogen"),
        ("Trong gen, A liên kết với T bằng 2 liên kết hydrogen",
         "Trong gen, A liên kết với T bằng 3 liên kết hydrogen"),
    ]  # fmt: skip
    stem = f"Một gen (DNA mạch kép) có {adenine} nucleotide loại A và {guanine} nucleotide loại G."
    data = tf4(rng, stem, pairs, tags("SH", 12, "DT", HIEU))
    return Draft(data, "tf4_gene", {"a": adenine, "g": guanine})


def density(rng, as_numeric: bool = True):
    volume = rng.choice((Fraction(1, 10), Fraction(1, 5), Fraction(1, 2), 2, Fraction(1, 100)))
    rho = rng.choice((800, 1000, 2700, 7800, 8900, 1300, 2500))
    mass = rho * volume
    stem = f"Một vật có khối lượng {dec(mass)} kg và thể tích {dec(volume)} m³. "
    params = {"m": mass, "v": volume}
    source = TEACHER_SOURCES[3]
    if as_numeric:
        stem += "Tính khối lượng riêng của chất làm vật (theo kg/m³)."
        return Draft(numeric(stem, rho, tags("KHTN", 8, "KLR", THONG_HIEU, source)), "density",
                     params, Fraction(rho))  # fmt: skip
    wrong = wrong_values(Fraction(rho), [mass * volume, Fraction(rho, 10), Fraction(rho * 10)])
    try:
        options = [f"\\({tdec(w)}\\) kg/m³" for w in wrong]
    except ValueError:
        return None
    stem += "Khối lượng riêng của chất làm vật là"
    data = single(rng, stem, f"\\({rho}\\) kg/m³", options,
                  tags("KHTN", 8, "KLR", NHAN_BIET, source))  # fmt: skip
    return Draft(data, "density", params, Fraction(rho))


def pressure(rng, liquid: bool = False):
    source = TEACHER_SOURCES[4]
    if liquid:
        depth = rng.choice((Fraction(1, 2), 1, 2, 3, 5, Fraction(3, 2)))
        value = 10_000 * depth / 1000
        stem = (
            f"Tính áp suất (theo kPa) của nước tác dụng lên một điểm ở độ sâu {dec(depth)} m. Biết "
            "trọng lượng riêng của nước là 10 000 N/m³."
        )
        return Draft(numeric(stem, value, tags("KHTN", 8, "KLR", VAN_DUNG_4, source)),
                     "liquid_pressure", {"h": depth, "d": 10_000}, value)  # fmt: skip
    force = rng.choice((20, 50, 100, 200, 500, 600))
    area = rng.choice((Fraction(1, 10), Fraction(1, 5), Fraction(1, 2), 2, Fraction(1, 4)))
    value = force / area
    if not fits_short_answer(value):
        return None
    stem = (
        f"Một lực {force} N tác dụng vuông góc lên một mặt phẳng có diện tích {dec(area)} m². "
        "Tính áp suất (theo Pa) lực đó gây ra."
    )
    return Draft(numeric(stem, value, tags("KHTN", 8, "KLR", THONG_HIEU, source)), "pressure",
                 {"f": force, "s": area}, value)  # fmt: skip


def mass_conservation(rng):
    a, b = rng.randint(5, 60), rng.randint(5, 60)
    c = rng.randint(1, a + b - 1)
    value = a + b - c
    stem = (
        f"Cho {a} g chất A phản ứng vừa đủ với {b} g chất B, thu được {c} g chất C và m gam chất "
        "D (ngoài ra không có chất nào khác). Tính m."
    )
    data = numeric(stem, value, tags("KHTN", 8, "PU", THONG_HIEU, TEACHER_SOURCES[0]))
    return Draft(data, "mass_conservation", {"a": a, "b": b, "c": c}, Fraction(value))


SCIENCE_FACTS = [
    # (topic, question, right answer, wrong answers)
    ("HC", "Dung dịch acid làm quỳ tím chuyển sang màu", "đỏ", ("xanh", "vàng", "tím đậm")),
    ("HC", "Dung dịch base làm quỳ tím chuyển sang màu", "xanh", ("đỏ", "vàng", "trắng")),
    ("HC", "Dung dịch base làm dung dịch phenolphthalein không màu chuyển sang màu", "hồng",
     ("xanh", "vàng", "tím")),
    ("DIEN", "Đơn vị đo cường độ dòng điện là", "ampe (A)", ("vôn (V)", "ôm (Ω)", "oát (W)")),
    ("DIEN", "Đơn vị đo hiệu điện thế là", "vôn (V)", ("ampe (A)", "ôm (Ω)", "jun (J)")),
    ("DIEN", "Để đo cường độ dòng điện chạy qua một bóng đèn, ampe kế được mắc", "nối tiếp với bóng đèn",
     ("song song với bóng đèn", "song song với nguồn điện", "vào giữa hai cực của bóng đèn")),
    ("KLR", "Đơn vị của áp suất trong hệ SI là", "pascal (Pa)", ("niutơn (N)", "jun (J)", "kilôgam (kg)")),
    ("PU", "Trong phản ứng hoá học, tổng khối lượng các chất sản phẩm so với tổng khối lượng các "
     "chất tham gia phản ứng thì", "bằng nhau", ("lớn hơn", "nhỏ hơn", "có thể lớn hơn hoặc nhỏ hơn")),
]  # fmt: skip


def science_fact(rng, index: int):
    topic, question, right, wrong = SCIENCE_FACTS[index]
    data = single(rng, question, right, list(wrong),
                  tags("KHTN", 8, topic, NHAN_BIET, TEACHER_SOURCES[index % 5]))  # fmt: skip
    return Draft(data, "science_fact", {"index": index})


# --- Lịch sử và Địa lí 9, Ngữ văn 12 ------------------------------------------------------------

# (topic, what happened — a clause that reads "… vào năm N", year). Only events whose year no
# textbook disputes.
EVENTS = [
    ("VN1", "Nguyễn Ái Quốc đọc Sơ thảo lần thứ nhất những luận cương về vấn đề dân tộc và vấn "
            "đề thuộc địa của Lê-nin", 1920),
    ("VN1", "Đảng Cộng sản Việt Nam được thành lập", 1930),
    ("VN1", "Mặt trận Việt Minh được thành lập", 1941),
    ("VN1", "Cách mạng tháng Tám thành công", 1945),
    ("VN1", "Chủ tịch Hồ Chí Minh đọc Tuyên ngôn Độc lập, khai sinh nước Việt Nam Dân chủ Cộng hoà",
     1945),
    ("TG1", "Chiến tranh thế giới thứ hai bùng nổ", 1939),
    ("TG1", "Chiến tranh thế giới thứ hai kết thúc", 1945),
    ("TG2", "Tổ chức Liên hợp quốc được thành lập", 1945),
    ("TG2", "Hiệp hội các quốc gia Đông Nam Á (ASEAN) được thành lập", 1967),
    ("TG2", "Liên Xô tan rã", 1991),
    ("VN2", "Chiến dịch Việt Bắc thu – đông diễn ra", 1947),
    ("VN2", "Chiến dịch Biên giới thu – đông diễn ra", 1950),
    ("VN2", "Chiến dịch Điện Biên Phủ kết thúc thắng lợi", 1954),
    ("VN2", "Hiệp định Giơ-ne-vơ về Đông Dương được kí kết", 1954),
    ("VN2", "Hiệp định Pa-ri về chấm dứt chiến tranh, lập lại hoà bình ở Việt Nam được kí kết", 1973),
    ("VN2", "Chiến dịch Hồ Chí Minh toàn thắng, miền Nam hoàn toàn giải phóng", 1975),
    ("VN2", "Việt Nam trở thành thành viên của Liên hợp quốc", 1977),
    ("VN2", "Đại hội đại biểu toàn quốc lần thứ VI của Đảng đề ra đường lối Đổi mới", 1986),
    ("VN3", "Việt Nam gia nhập ASEAN", 1995),
    ("VN3", "Việt Nam và Hoa Kỳ bình thường hoá quan hệ ngoại giao", 1995),
    ("VN3", "Việt Nam trở thành thành viên của Tổ chức Thương mại thế giới (WTO)", 2007),
]  # fmt: skip
YEARS = sorted({year for _t, _e, year in EVENTS})


def _wrong_year(rng, year: int) -> int:
    return rng.choice([y for y in YEARS if y != year and abs(y - year) <= 30] or [year + 5])


def event_year(rng, index: int):
    topic, event, year = EVENTS[index]
    nearest = sorted((y for y in YEARS if y != year), key=lambda y: (abs(y - year), y))
    wrong = rng.sample(nearest[:5], 3)
    level = rng.choice((BIET, NHAN_BIET))
    data = single(rng, f"{event} vào năm nào?", f"Năm {year}", [f"Năm {y}" for y in wrong],
                  tags("LSDL", 9, topic, level, TEACHER_SOURCES[index % 5]))  # fmt: skip
    return Draft(data, "event_year", {"index": index}, Fraction(year))


def event_tf(rng, index: int):
    topic, event, year = EVENTS[index]
    truth = rng.random() < 0.5
    shown = year if truth else _wrong_year(rng, year)
    data = ItemData(type=ItemType.TRUE_FALSE, stem=f"{event} vào năm {shown}.", correct=truth,
                    tags=tags("LSDL", 9, topic, BIET, TEACHER_SOURCES[index % 5]))  # fmt: skip
    return Draft(data, "event_tf", {"index": index, "shown": shown})


def _distinct_year_events(rng, count: int):
    by_year: dict[int, int] = {}
    for index in rng.sample(range(len(EVENTS)), len(EVENTS)):
        by_year.setdefault(EVENTS[index][2], index)
    return sorted(rng.sample(list(by_year.values()), count), key=lambda i: EVENTS[i][2])


def event_order(rng):
    picks = _distinct_year_events(rng, 4)
    order = [EVENTS[i][1].removesuffix(" diễn ra") for i in picks]
    data = ItemData(type=ItemType.ORDERING, stem="Sắp xếp các sự kiện sau theo trình tự thời gian.",
                    order=order, tags=tags("LSDL", 9, EVENTS[picks[-1]][0], HIEU))  # fmt: skip
    return Draft(data, "event_order", {"picks": picks})


def event_matching(rng):
    picks = _distinct_year_events(rng, 4)
    pairs = [
        Pair(left=EVENTS[i][1].removesuffix(" diễn ra"), right=f"Năm {EVENTS[i][2]}") for i in picks
    ]
    rng.shuffle(pairs)
    data = ItemData(type=ItemType.MATCHING, stem="Ghép mỗi sự kiện với năm diễn ra sự kiện đó.",
                    pairs=pairs, tags=tags("LSDL", 9, EVENTS[picks[0]][0], THONG_HIEU))  # fmt: skip
    return Draft(data, "event_matching", {"picks": picks})


def tf4_events(rng):
    picks = rng.sample(range(len(EVENTS)), 4)
    pairs = [(f"{EVENTS[i][1]} vào năm {EVENTS[i][2]}.",
              f"{EVENTS[i][1]} vào năm {_wrong_year(rng, EVENTS[i][2])}.") for i in picks]  # fmt: skip
    data = tf4(rng, "Xét tính đúng, sai của các thông tin sau về lịch sử.", pairs,
               tags("LSDL", 9, EVENTS[picks[0]][0], HIEU))  # fmt: skip
    return Draft(data, "tf4_events", {"picks": picks})


# (subject, grade, topic, question, accepted answers, level)
SHORT_TEXTS = [
    ("LSDL", 9, "VN1", "Ngày 2/9/1945, tại Quảng trường Ba Đình (Hà Nội), ai đã đọc bản Tuyên ngôn "
     "Độc lập khai sinh nước Việt Nam Dân chủ Cộng hoà?",
     ("Hồ Chí Minh", "Chủ tịch Hồ Chí Minh", "Bác Hồ"), BIET),
    ("LSDL", 9, "VN1", "Ai là người chủ trì hội nghị thành lập Đảng Cộng sản Việt Nam đầu năm 1930?",
     ("Nguyễn Ái Quốc", "Hồ Chí Minh"), BIET),
    ("LSDL", 9, "VN2", "Chiến thắng quân sự nào năm 1954 đã góp phần quyết định buộc thực dân Pháp "
     "kí Hiệp định Giơ-ne-vơ về Đông Dương?",
     ("Điện Biên Phủ", "Chiến thắng Điện Biên Phủ", "Chiến dịch Điện Biên Phủ"), HIEU),
    ("NV", 12, "DOC", "Tác giả của «Truyện Kiều» là ai?", ("Nguyễn Du",), BIET),
    ("NV", 12, "DOC", "Tác giả của bài thơ «Tây Tiến» là ai?", ("Quang Dũng",), BIET),
    ("NV", 12, "DOC", "Tác giả của «Bình Ngô đại cáo» là ai?", ("Nguyễn Trãi",), BIET),
]  # fmt: skip


def short_text(rng, index: int):
    subject, grade, topic, question, answers, level = SHORT_TEXTS[index]
    data = ItemData(type=ItemType.SHORT_TEXT, stem=question,
                    text_answers=[TextAnswer(text=a) for a in answers],
                    tags=tags(subject, grade, topic, level, TEACHER_SOURCES[index % 5]))  # fmt: skip
    return Draft(data, "short_text", {"index": index})


WORKS = [
    ("Truyện Kiều", "Nguyễn Du"), ("Bình Ngô đại cáo", "Nguyễn Trãi"),
    ("Tuyên ngôn Độc lập", "Hồ Chí Minh"), ("Chí Phèo", "Nam Cao"),
    ("Vợ chồng A Phủ", "Tô Hoài"), ("Tây Tiến", "Quang Dũng"), ("Việt Bắc", "Tố Hữu"),
    ("Truyện Lục Vân Tiên", "Nguyễn Đình Chiểu"), ("Hai đứa trẻ", "Thạch Lam"),
    ("Sóng", "Xuân Quỳnh"), ("Vội vàng", "Xuân Diệu"), ("Tràng giang", "Huy Cận"),
    ("Vợ nhặt", "Kim Lân"), ("Người lái đò Sông Đà", "Nguyễn Tuân"),
    ("Ai đã đặt tên cho dòng sông?", "Hoàng Phủ Ngọc Tường"),
]  # fmt: skip


def work_author(rng, index: int):
    work, author = WORKS[index]
    wrong = rng.sample([a for _w, a in WORKS if a != author], 3)
    data = single(rng, f"Tác phẩm «{work}» là của tác giả nào?", author, wrong,
                  tags("NV", 12, "DOC", BIET, TEACHER_SOURCES[index % 5]))  # fmt: skip
    return Draft(data, "work_author", {"index": index})


def work_matching(rng):
    picks = rng.sample(range(len(WORKS)), 4)
    pairs = [Pair(left=f"«{WORKS[i][0]}»", right=WORKS[i][1]) for i in picks]
    data = ItemData(type=ItemType.MATCHING, stem="Ghép mỗi tác phẩm với tác giả của nó.",
                    pairs=pairs, tags=tags("NV", 12, "DOC", BIET))  # fmt: skip
    return Draft(data, "work_matching", {"picks": picks})


ESSAYS = [
    ("LSDL", 9, "VN1", "Trình bày ý nghĩa lịch sử của Cách mạng tháng Tám năm 1945.",
     "<ul><li>Đối với dân tộc: đập tan xiềng xích nô lệ của thực dân Pháp và ách thống trị của "
     "phát xít Nhật, lật nhào chế độ quân chủ; lập nên nước Việt Nam Dân chủ Cộng hoà (1,5 điểm)."
     "</li><li>Mở ra kỉ nguyên mới của dân tộc: kỉ nguyên độc lập, tự do; nhân dân lao động nắm "
     "chính quyền, làm chủ đất nước (1 điểm).</li><li>Đối với thế giới: cổ vũ phong trào giải "
     "phóng dân tộc của các dân tộc thuộc địa (0,5 điểm).</li></ul>", VAN_DUNG),
    ("LSDL", 9, "VN2", "Nêu ý nghĩa lịch sử của chiến thắng Điện Biên Phủ năm 1954.",
     "<ul><li>Đập tan kế hoạch Na-va, giáng đòn quyết định vào ý chí xâm lược của thực dân Pháp "
     "(1 điểm).</li><li>Làm xoay chuyển cục diện chiến tranh, tạo điều kiện thuận lợi cho cuộc "
     "đấu tranh ngoại giao, dẫn tới việc kí Hiệp định Giơ-ne-vơ về Đông Dương (1 điểm).</li>"
     "<li>Cổ vũ phong trào giải phóng dân tộc trên thế giới (1 điểm).</li></ul>", HIEU),
    ("NV", 12, "VIET", "Viết bài văn nghị luận (khoảng 600 chữ) trình bày suy nghĩ của anh/chị về "
     "ý thức bảo vệ môi trường của người trẻ hôm nay.",
     "<ul><li>Bố cục đủ mở bài, thân bài, kết bài; nêu đúng vấn đề nghị luận (0,5 điểm).</li>"
     "<li>Giải thích ý thức bảo vệ môi trường; phân tích biểu hiện, ý nghĩa, có dẫn chứng thực "
     "tế (2 điểm).</li><li>Phê phán những biểu hiện thiếu ý thức; đề xuất việc làm cụ thể của bản "
     "thân (1 điểm).</li><li>Diễn đạt mạch lạc, đúng chính tả, ngữ pháp; có sáng tạo (0,5 điểm)."
     "</li></ul>", VAN_DUNG),
]  # fmt: skip


def essay(rng, index: int):
    subject, grade, topic, question, rubric, level = ESSAYS[index]
    data = ItemData(type=ItemType.ESSAY, stem=question, rubric=rubric, points=Decimal(3),
                    tags=tags(subject, grade, topic, level, TEACHER_SOURCES[index % 5]))  # fmt: skip
    return Draft(data, "essay", {"index": index})


# --- the bank -----------------------------------------------------------------------------------

REQUEST_CHANGES_COMMENTS = (
    "Phương án nhiễu chưa hợp lí, đề nghị thay bằng phương án gần với đáp án hơn.",
    "Đề nghị ghi rõ đơn vị của đáp án trong đề bài.",
)
REJECT_COMMENT = "Câu hỏi trùng ý với câu đã có trong ngân hàng của tổ, không đưa vào sử dụng."
SCHOOL_SUBJECTS = {("TOAN", 6), ("TOAN", 9), ("KHTN", 8), ("LSDL", 9)}
SCHOOL_ITEMS = 40
SCHOOL_SOURCE = "Tổ chuyên môn Trường THCS Lý Tự Trọng (demo)"
# The school bank, in the order the teacher wrote them: approved for the school, sent back
# with comments, rejected, waiting for review; the rest are drafts.
SCHOOL_STATUSES = (
    [ItemStatus.APPROVED] * 2 + [ItemStatus.REVIEWED] * 2 + [ItemStatus.RETIRED]
    + [ItemStatus.SUBMITTED] * 12
)  # fmt: skip
PROVINCE_SUBMITTED, PROVINCE_DRAFTS, PROVINCE_REVISED = 8, 5, 3


def question_drafts(seed: int) -> list[Draft]:
    """Every item of the demo banks, with its bank and status: the same for the same seed."""
    g = Generator(seed)
    run = g.run
    # Toán 12: the 2025 mathematics blueprint draws 12 + 4 + 6 of these.
    run(derivative_at, 7)
    run(antiderivative, 5)
    run(integral, 6)
    run(vector_length, 5)
    run(dot_product, 5)
    run(midpoint, 4)
    run(two_red, 4)
    run(grouped_range, 3)
    run(extremum_value, 4, which="max")
    run(extremum_value, 3, which="min")
    run(max_on_interval, 3)
    run(integral, 5, as_numeric=True)
    run(distance, 4)
    run(plane_distance, 3)
    run(two_red, 3, as_numeric=True)
    run(conditional, 3)
    run(tf4_cubic, 4)
    run(tf4_integral, 3)
    run(tf4_coordinates, 3)
    run(tf4_probability, 3)
    run(vectors_multiple, 4)
    run(cubic_essay, 2)
    # Toán 9 and 6.
    run(linear_system, 6)
    run(linear_system, 4, as_numeric=True)
    run(vieta, 4)
    run(vieta, 4, as_numeric=True)
    run(tf4_quadratic, 3)
    run(quadratic_roots_tf, 4)
    run(sqrt_product, 4)
    run(sqrt_order, 3)
    run(hypotenuse, 4)
    run(hypotenuse, 3, altitude=True)
    run(circumference, 4)
    run(gcd_lcm, 4, which="gcd")
    run(gcd_lcm, 4, which="lcm")
    run(integer_sum, 4)
    run(fraction_sum, 4)
    run(divisible_by_9, 4)
    run(factor_matching, 3)
    # Vật lí 12, 11, 10.
    run(half_life, 5)
    run(half_life, 3, as_numeric=False)
    run(tf4_half_life, 4)
    run(heat, 4)
    run(kelvin, 4)
    run(boyle, 4)
    run(charles, 3)
    run(magnetic_force, 4)
    run(magnetic_force, 3, as_numeric=True)
    run(wave_speed, 3)
    run(wave_speed, 3, as_numeric=True)
    run(ohm, 4)
    run(parallel_resistors, 4)
    run(oscillation_period, 4)
    run(kinematics, 4)
    run(kinematics, 3, as_numeric=False)
    run(free_fall, 3)
    run(newton, 4)
    # Hoá học 12, Sinh học 12, KHTN 8.
    run(formula_choice, 5)
    run(formula_matching, 3)
    run(carbohydrate_multiple, 3)
    for index in range(len(CHEMISTRY_FACTS)):
        run(chemistry_fact_tf, 1, index=index)
    run(tf4_chemistry, 3)
    run(metal_mass, 5)
    run(molar_mass, 4)
    for what, count in (("hydrogen", 3), ("total", 3), ("length", 3)):
        run(gene_count, count, what=what)
    run(mendel, 4)
    run(mendel, 4, as_numeric=False)
    run(ecological_efficiency, 3)
    run(tf4_gene, 3)
    run(density, 4)
    run(density, 3, as_numeric=False)
    run(pressure, 3)
    run(pressure, 3, liquid=True)
    run(mass_conservation, 4)
    for index in range(len(SCIENCE_FACTS)):
        run(science_fact, 1, index=index)
    # Lịch sử và Địa lí 9, Ngữ văn 12.
    for index in range(len(EVENTS)):
        run(event_year, 1, index=index)
        if index % 2 == 0:
            run(event_tf, 1, index=index)
    run(event_order, 4)
    run(event_matching, 4)
    run(tf4_events, 4)
    for index in range(len(SHORT_TEXTS)):
        run(short_text, 1, index=index)
    for index in range(len(WORKS)):
        if index % 3 != 2:
            run(work_author, 1, index=index)
    run(work_matching, 3)
    for index in range(len(ESSAYS)):
        run(essay, 1, index=index)
    drafts = g.drafts
    _plan(drafts, g.rng)
    return drafts


def _subject_grade(draft: Draft) -> tuple[str, int]:
    return draft.data.tags["subject"], int(draft.data.tags["grade"])


def _plan(drafts: list[Draft], rng: random.Random) -> None:
    """Give each draft its bank, status and identifier."""
    lower_secondary = [d for d in drafts if _subject_grade(d) in SCHOOL_SUBJECTS]
    for draft, status in zip(
        rng.sample(lower_secondary, SCHOOL_ITEMS),
        SCHOOL_STATUSES + [ItemStatus.DRAFT] * (SCHOOL_ITEMS - len(SCHOOL_STATUSES)),
        strict=True,
    ):
        draft.bank, draft.status = SCHOOL_BANK, status
        draft.data.tags["source"] = SCHOOL_SOURCE
    reviewed = 0
    for draft in drafts:
        if draft.bank == SCHOOL_BANK and draft.status == ItemStatus.REVIEWED:
            draft.comment = REQUEST_CHANGES_COMMENTS[reviewed]
            reviewed += 1
        elif draft.bank == SCHOOL_BANK and draft.status == ItemStatus.RETIRED:
            draft.comment = REJECT_COMMENT
    # The province's unfinished work stays out of Toán 12, whose items the blueprint uses.
    province = [d for d in drafts if d.bank == PROVINCE_BANK and _subject_grade(d) != ("TOAN", 12)]
    waiting = rng.sample(province, PROVINCE_SUBMITTED + PROVINCE_DRAFTS)
    for draft in waiting[:PROVINCE_SUBMITTED]:
        draft.status = ItemStatus.SUBMITTED
    for draft in waiting[PROVINCE_SUBMITTED:]:
        draft.status = ItemStatus.DRAFT
    with_solution = [
        d for d in drafts
        if d.bank == PROVINCE_BANK and d.status == ItemStatus.APPROVED and d.solution
    ]  # fmt: skip
    for draft in rng.sample(with_solution, PROVINCE_REVISED):
        draft.revised = True
    counters: dict[tuple[str, int], int] = {}
    for draft in drafts:
        key = _subject_grade(draft)
        counters[key] = counters.get(key, 0) + 1
        draft.data.identifier = f"demo-{key[0].lower()}{key[1]}-{counters[key]:03d}"
        # A name as teachers give them in Moodle (which requires one): exports round-trip.
        draft.data.name = f"{key[0]} {key[1]} — câu {counters[key]:03d}"


@dataclass
class QuestionsSummary:
    topics: int = 0
    items: int = 0
    subjects: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_bank: dict[str, int] = field(default_factory=dict)
    two_versions: int = 0
    blueprint: str = ""  # the code of the ready 2025 blueprint
    seconds: float = 0.0


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def create_topics() -> int:
    """The curriculum topics the demo items are tagged with (none exist before)."""
    grade_subjects = {
        (gs.subject.code, gs.grade): gs
        for gs in GradeSubject.objects.select_related("subject").filter(
            subject__code__in={code for code, _grade in TOPICS}
        )
    }
    rows = [
        Topic(grade_subject=grade_subjects[key], code=topic_code(*key, suffix), name=name,
              order=order)
        for key, topics in TOPICS.items()
        for order, (suffix, name) in enumerate(topics, start=1)
    ]  # fmt: skip
    Topic.objects.bulk_create(rows)
    return len(rows)


def _import(actor, bank: Bank, drafts: list[Draft]) -> dict[str, Item]:
    result = items_import(
        actor=actor, bank_code=bank.code, result=ReadResult(items=[d.data for d in drafts])
    )
    if result.rejected:  # the drafts are valid by construction: a rejection is a bug here
        raise RuntimeError(f"demo questions rejected: {result.problems[:3]}")
    return {item.identifier: item for item in Item.objects.filter(bank=bank)}


def load_questions(*, seed: int, progress=_no_progress) -> QuestionsSummary:
    """Write the demo's topics, banks, items and 2025 mathematics blueprint (the demo accounts
    must exist: the teacher writes the school's items, the officer and the school admin review)."""
    started = time.monotonic()
    summary = QuestionsSummary()
    summary.topics = create_topics()
    drafts = question_drafts(seed)
    progress("questions", 0, len(drafts))
    province = OrgUnit.objects.get(code=SUCCESSOR_CODE)
    school = OrgUnit.objects.get(name=PEOPLE_SCHOOL)
    users = {u.username: u for u in User.objects.filter(
        username__in=(PROVINCE_OFFICER, TEACHER, *SCHOOL_ADMINS))}  # fmt: skip
    officer, teacher = users[PROVINCE_OFFICER], users[TEACHER]
    school_admin = next(
        users[name] for name, unit in SCHOOL_ADMINS.items() if unit == PEOPLE_SCHOOL
    )

    shared = bank_create(actor=None, code=PROVINCE_BANK, org_unit=province,
                         name="Ngân hàng câu hỏi dùng chung toàn tỉnh")  # fmt: skip
    own = bank_create(actor=None, code=SCHOOL_BANK, org_unit=school,
                      name="Ngân hàng câu hỏi Trường THCS Lý Tự Trọng")  # fmt: skip
    province_drafts = [d for d in drafts if d.bank == PROVINCE_BANK]
    items = _import(None, shared, province_drafts)
    _province_reviews(officer, province_drafts, items)
    progress("questions", len(province_drafts), len(drafts))

    school_drafts = [d for d in drafts if d.bank == SCHOOL_BANK]
    items = _import(teacher, own, school_drafts)
    for draft in school_drafts:
        if draft.status == ItemStatus.DRAFT:
            continue
        item = item_submit(actor=teacher, item=items[draft.data.identifier])
        decision = {
            ItemStatus.APPROVED: ReviewDecision.APPROVE,
            ItemStatus.REVIEWED: ReviewDecision.REQUEST_CHANGES,
            ItemStatus.RETIRED: ReviewDecision.REJECT,
        }.get(draft.status)
        if decision is not None:
            item_review(actor=school_admin, item=item, decision=decision, comment=draft.comment)
    progress("questions", len(drafts), len(drafts))

    blueprint = blueprint_2025_create(
        actor=officer, org_unit=province, subject=Subject.objects.get(code="TOAN"), grade=12
    )
    short = blueprint_check(actor=officer, blueprint=blueprint)
    if short:  # the bank is built to fill it: a shortage is a bug here
        raise RuntimeError(f"demo blueprint cannot be filled: {short}")
    summary.blueprint = blueprint.code
    _count(summary)
    summary.seconds = time.monotonic() - started
    return summary


def _province_reviews(officer, drafts: list[Draft], items: dict[str, Item]) -> None:
    """The officer approved most items for the whole province (in bulk: hundreds of reviews),
    some wait for review, some are still drafts; a few were edited after approval (a worked
    solution added) and approved again, through the services."""
    approved = [items[d.data.identifier] for d in drafts if d.status == ItemStatus.APPROVED]
    submitted = [items[d.data.identifier].pk for d in drafts if d.status == ItemStatus.SUBMITTED]
    Item.objects.filter(pk__in=[i.pk for i in approved]).update(
        status=ItemStatus.APPROVED, sharing=SharingScope.PROVINCE
    )
    Item.objects.filter(pk__in=submitted).update(status=ItemStatus.SUBMITTED)
    ReviewComment.objects.bulk_create(
        ReviewComment(item=item, version_id=item.current_version_id, author=officer,
                      decision=ReviewDecision.APPROVE)
        for item in approved
    )  # fmt: skip
    for draft in drafts:
        if not draft.revised:
            continue
        item = items[draft.data.identifier]
        edited = replace(item_data(item, with_files=False), general_feedback=draft.solution)
        item = item_update(actor=officer, item=item, data=edited)
        item = item_submit(actor=officer, item=item)
        item_review(actor=officer, item=item, decision=ReviewDecision.APPROVE,
                    comment="Đã bổ sung lời giải.", share_province=True)  # fmt: skip


def _count(summary: QuestionsSummary) -> None:
    items = Item.objects.filter(bank__code__in=(PROVINCE_BANK, SCHOOL_BANK))
    summary.items = items.count()
    summary.subjects = items.values("subject").distinct().count()
    summary.by_status = dict(items.values_list("status").annotate(n=Count("pk")).order_by())
    summary.by_bank = dict(items.values_list("bank__code").annotate(n=Count("pk")).order_by())
    summary.two_versions = items.filter(current_version__number__gte=2).count()
