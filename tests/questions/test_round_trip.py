"""Done means: GIFT → bank → Moodle XML → bank → GIFT keeps every supported item's meaning,
and the same for QTI and xlsx — here through the real format modules and the services, so what
the bank stores and gives back is checked, not only each format on its own."""

from importlib import import_module

import pytest

from hocso.questions import services
from hocso.questions.content import plain_text
from hocso.questions.formats import gift

pytestmark = pytest.mark.django_db

GIFT = """$CATEGORY: Toán/Lớp 6

// hocso: grade=6 level=biet
::Cộng::2 + 2 = ?{=4 ~3 ~5 ~22}

::Nhiều::Chọn các số chẵn{~%50%2 ~%50%4 ~%-100%3}

::Đúng sai::Trái Đất quay quanh Mặt Trời.{T}

::Số::Tính 7 : 2{#3.5:0.1}

::Ngắn::Thủ đô của Việt Nam?{=Hà Nội =Ha Noi}

::Ghép::Ghép tên với vai trò{=Hà Nội -> Thủ đô =Huế -> Cố đô}

::Tự luận::Viết đoạn văn về quê hương.{}

// hocso: type=true_false_4
::Đúng sai 4 ý::Xét hàm số y = x².{=a) Hàm số chẵn -> Đúng =b) Đồng biến trên R -> Sai =c) Đồ thị qua gốc -> Đúng =d) Có cực đại -> Sai}
"""  # noqa: E501


def _meaning(items):
    """What must survive: everything but markup details of the stem (a format may wrap plain
    text in HTML) — compared as the bank stores it."""
    return [
        (i.type, plain_text(i.stem), i.points, [(c.text, c.fraction) for c in i.choices],
         [(s.text, s.is_true) for s in i.statements], [(a.text, a.fraction) for a in i.text_answers],
         [(a.value, a.tolerance, a.fraction) for a in i.numeric_answers],
         [(p.left, p.right) for p in i.pairs], i.correct, i.category, i.name)
        for i in items
    ]  # fmt: skip


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("via", ["moodle_xml", "qti", "xlsx"])
def test_gift_through_the_bank_and_another_format_and_back_keeps_the_meaning(tree, via):
    other = import_module(f"hocso.questions.formats.{via}")
    read = gift.read(GIFT)
    assert read.problems == []
    first = services.items_import(actor=None, bank_code="G", result=read)
    assert (first.created, first.rejected) == (8, 0)
    stored = services.items_export(actor=None, bank_code="G")

    through = other.read(other.write(stored))
    assert through.problems == []
    again = services.items_import(actor=None, bank_code="G", result=through)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 8)

    services.items_import(actor=None, bank_code="COPY", result=through)
    back = gift.read(gift.write(services.items_export(actor=None, bank_code="COPY")))
    assert back.problems == []
    assert _meaning(back.items) == _meaning(stored)
    final = services.items_import(actor=None, bank_code="COPY", result=back)
    assert (final.created, final.updated, final.unchanged) == (0, 0, 8)
