"""Library search (resources/search.py + selectors.py): the same answers on SQLite and PostgreSQL.

Run on both: `pytest tests/resources/test_search.py` and with
HOCSO_DATABASE_URL=postgres://… — every test here is backend-neutral.
"""

import importlib
import unicodedata
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hocso.core.text import fold
from hocso.resources import search, selectors
from hocso.resources.models import Licence, Resource, ResourceStatus, ResourceType, Sharing

from .conftest import make_resource

migration = importlib.import_module("hocso.resources.migrations.0002_search_indexes")


def _titles(actor, q="", **filters):
    return [r.title for r in selectors.resources_search(actor=actor, q=q, **filters)]


def _published(title, unit, *, description="", sharing=Sharing.PROVINCE, **kwargs):
    return make_resource(
        title=title,
        org_unit=unit,
        description=description,
        status=ResourceStatus.PUBLISHED,
        sharing=sharing,
        **kwargs,
    )


# --- folding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "phan so",
        "PHÂN SỐ",
        "Phân Số",
        unicodedata.normalize("NFD", "phân số"),
        "  phân\tsố  ",
    ],
)
def test_a_query_finds_its_resource_whatever_the_case_diacritics_or_normalisation(
    library, users, q
):
    assert _titles(users.student_a, q) == ["Phân số và số thập phân"]


@pytest.mark.parametrize("q", ["điện trở", "ĐIỆN TRỞ", "dien tro", "Ðien tro"])
def test_d_with_stroke_folds_to_d(library, users, q):
    assert _titles(users.admin_c, q) == ["Thí nghiệm đo điện trở"]


def test_a_stored_nfd_title_is_found_by_an_nfc_query(library, users, tree):
    _published(unicodedata.normalize("NFD", "Địa lí Việt Nam"), tree.province)
    assert _titles(users.student_a, "địa lí việt nam") == [
        unicodedata.normalize("NFD", "Địa lí Việt Nam")
    ]


# --- words, prefix ---------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["phan s", "phân số thập p", "thap phan so", "so thap"])
def test_the_last_word_may_be_unfinished(library, users, q):
    assert _titles(users.student_a, q) == ["Phân số và số thập phân"]


def test_only_the_last_word_is_a_prefix(library, users):
    assert _titles(users.student_a, "pha so") == []


def test_every_word_is_required(library, users):
    assert _titles(users.student_a, "phan so hinh") == []
    assert _titles(users.province, "phan tro") == []


def test_words_are_found_in_the_description_and_the_extracted_text(library, users, tree):
    _published(
        "Tài liệu tham khảo",
        tree.province,
        description="Dành cho giáo viên",
        extracted_text="Chương 3: Quang hợp ở thực vật",
    )
    assert _titles(users.student_a, "quang hop") == ["Tài liệu tham khảo"]
    assert _titles(users.student_a, "giao vien") == ["Tài liệu tham khảo"]


@pytest.mark.parametrize("q", ['"', "*", "'); --", ":*&|!()", "---", "^", "(", '"*"', "«»…", "_"])
def test_punctuation_only_filters_nothing_and_never_fails(library, users, q):
    assert len(_titles(users.student_a, q)) == 1  # every published resource they may see


@pytest.mark.parametrize(
    "q",
    [
        'phan" OR "dien',
        "phan AND so",
        "phan:* | so",
        "title:phan",
        "phan-so",
        "phan NOT so",
        "NEAR(phan so)",
        "'); DROP TABLE resources_resource; --",
        "search_title : phan",
    ],
)
def test_query_syntax_in_the_input_is_plain_words(library, users, q):
    # Operators are words like any other ("or", "and", "not" are not in the title).
    titles = _titles(users.student_a, q)
    assert titles in ([], ["Phân số và số thập phân"])
    assert _titles(users.student_a, "phan-so") == ["Phân số và số thập phân"]


def test_the_index_follows_updates_and_deletes(library, users):
    resource = library.province_pdf
    resource.title = "Số nguyên tố"
    resource.search_title = fold(resource.title)
    resource.save(update_fields=["title", "search_title"])
    assert _titles(users.student_a, "nguyen to") == ["Số nguyên tố"]
    assert _titles(users.student_a, "thap phan") == ["Số nguyên tố"]  # the body is unchanged
    Resource.objects.filter(pk=resource.pk).update(search_body="")
    assert _titles(users.student_a, "thap phan") == []
    resource.refresh_from_db()
    assert _titles(users.student_a, "nguyen") == ["Số nguyên tố"]


# --- ranking ---------------------------------------------------------------------------------


def test_a_title_hit_ranks_above_a_body_hit_even_when_older(library, users, tree):
    body = _published(
        "Ôn tập chương 2", tree.province, description="Luyện tập quang hợp, quang hợp, quang hợp"
    )
    title = _published("Quang hợp", tree.province)
    Resource.objects.filter(pk=title.pk).update(published_at=timezone.now() - timedelta(days=30))
    assert body.published_at > Resource.objects.get(pk=title.pk).published_at
    assert _titles(users.student_a, "quang hop") == ["Quang hợp", "Ôn tập chương 2"]


def test_all_words_must_be_in_the_title_to_count_as_a_title_hit(library, users, tree):
    split = _published("Quang học", tree.province, description="hợp kim")
    whole = _published("Bài quang hợp", tree.province, description="sinh học")
    Resource.objects.filter(pk=whole.pk).update(published_at=timezone.now() - timedelta(days=9))
    assert split.pk and _titles(users.student_a, "quang hop") == ["Bài quang hợp", "Quang học"]


def test_a_title_with_every_word_as_typed_ranks_above_one_that_only_starts_a_word(
    library, users, tree
):
    prefix_only = _published("Thế giới sống: phân loại sinh vật", tree.province)
    exact = _published("Phiếu bài tập: Phân số", tree.province)
    Resource.objects.filter(pk=exact.pk).update(published_at=timezone.now() - timedelta(days=9))
    assert prefix_only.pk
    titles = _titles(users.student_a, "phan so")
    assert titles.index("Phiếu bài tập: Phân số") < titles.index(
        "Thế giới sống: phân loại sinh vật"
    )


def test_among_equal_matches_the_newest_comes_first(library, users, tree):
    now = timezone.now()
    for days, title in ((3, "Hóa học 10 (cũ)"), (1, "Hóa học 10 (mới)"), (2, "Hóa học 10 (giữa)")):
        resource = _published(title, tree.province)
        Resource.objects.filter(pk=resource.pk).update(published_at=now - timedelta(days=days))
    assert _titles(users.student_a, "hoa hoc 10") == [
        "Hóa học 10 (mới)",
        "Hóa học 10 (giữa)",
        "Hóa học 10 (cũ)",
    ]


def test_without_a_query_the_newest_come_first(library, users, tree):
    older = _published("Bài cũ", tree.province)
    Resource.objects.filter(pk=older.pk).update(published_at=timezone.now() - timedelta(days=5))
    _published("Bài mới", tree.province)
    assert _titles(users.student_a)[:1] == ["Bài mới"]
    assert _titles(users.student_a)[-1] == "Bài cũ"


# --- filters and scope -----------------------------------------------------------------------


def test_filters_subject_grade_type_licence_topic_and_org(library, users, tree):
    stage = _published("Hình học 6–9", tree.school_a, subject=library.math, grades=(6, 9))
    assert _titles(users.student_a, subject="toan") == ["Hình học 6–9", "Phân số và số thập phân"]
    assert _titles(users.student_a, grade=8) == ["Hình học 6–9"]
    assert _titles(users.student_a, grade=6, q="hinh") == ["Hình học 6–9"]
    assert _titles(users.student_a, type=ResourceType.VIDEO) == []
    assert _titles(users.student_a, licence=Licence.CC0) == []
    assert _titles(users.student_a, topic=library.math_topics[0].pk) == ["Phân số và số thập phân"]
    assert _titles(users.province, org=tree.school_c.code) == ["Thí nghiệm đo điện trở"]
    assert _titles(users.province, org="NO-SUCH-UNIT") == []
    assert stage.grades_label == "6–9"


def test_a_school_only_resource_of_another_school_is_never_found(library, users):
    for actor in (users.teacher_a, users.admin_a, users.student_a, users.guardian_a):
        assert _titles(actor, "dien tro") == []
        assert "Thí nghiệm đo điện trở" not in _titles(actor, include_unpublished=True)
    assert _titles(users.admin_c, "dien tro") == ["Thí nghiệm đo điện trở"]
    assert _titles(users.outsider, "phan so") == []


def test_drafts_only_with_include_unpublished_and_only_for_those_who_may_see_them(library, users):
    assert _titles(users.teacher_a, "phieu hoc tap") == []
    assert _titles(users.teacher_a, "phieu hoc tap", include_unpublished=True) == [
        "Phiếu học tập Ngữ văn"
    ]
    assert _titles(users.student_a, "phieu", include_unpublished=True) == []


def test_resource_get_is_a_404_outside_scope(library, users):
    from django.http import Http404

    assert selectors.resource_get(actor=users.admin_c, pk=library.school_c_video.pk)
    with pytest.raises(Http404):
        selectors.resource_get(actor=users.teacher_a, pk=library.school_c_video.pk)


# --- facets ----------------------------------------------------------------------------------


def test_facets_count_the_filtered_set_and_a_grade_range_counts_in_each_grade(library, users, tree):
    _published(
        "Hình học 6–8",
        tree.school_a,
        subject=library.math,
        grades=(6, 8),
        type=ResourceType.VIDEO,
        topics=[library.math_topics[2]],
    )
    _published("Văn học 7", tree.school_a, subject=library.literature, grades=(7, 7))
    facets = selectors.resource_facets(selectors.resources_search(actor=users.student_a))
    assert {f["value"]: f["count"] for f in facets["subject"]} == {"TOAN": 2, "NV": 1}
    assert {f["value"]: f["count"] for f in facets["grade"]} == {6: 2, 7: 2, 8: 1}
    assert {f["value"]: f["count"] for f in facets["type"]} == {"document": 2, "video": 1}
    assert facets["type"][0] == {"value": "document", "label": str(
        ResourceType.DOCUMENT.label
    ), "count": 2}  # fmt: skip
    assert {f["value"]: f["count"] for f in facets["licence"]} == {"CC-BY-4.0": 3}
    assert {f["value"]: f["count"] for f in facets["topic"]} == {
        library.math_topics[0].pk: 1,
        library.math_topics[2].pk: 1,
    }
    # With a query, only the matches count.
    facets = selectors.resource_facets(selectors.resources_search(actor=users.student_a, q="hinh"))
    assert {f["value"]: f["count"] for f in facets["grade"]} == {6: 1, 7: 1, 8: 1}
    assert {f["value"]: f["count"] for f in facets["subject"]} == {"TOAN": 1}


def test_facets_take_a_fixed_number_of_queries(library, users, tree):
    for i in range(5):
        _published(f"Bài {i}", tree.school_a, subject=library.math, grades=(6, 7))
    results = selectors.resources_search(actor=users.student_a, q="bai")
    with CaptureQueriesContext(connection) as few:
        selectors.resource_facets(results)
    for i in range(5, 15):
        _published(f"Bài {i}", tree.school_a, subject=library.literature, grades=(8, 8))
    with CaptureQueriesContext(connection) as many:
        selectors.resource_facets(selectors.resources_search(actor=users.student_a, q="bai"))
    assert len(many) == len(few) <= 6


# --- snippets --------------------------------------------------------------------------------


def test_a_snippet_marks_the_matched_words_in_the_original_text(library):
    html = selectors.snippet(library.province_pdf, "phan so")
    assert "<mark>phân số</mark>" not in html  # each word is marked on its own
    assert "về <mark>phân</mark> <mark>số</mark> cho học sinh" in html


def test_a_snippet_marks_a_prefix_and_keeps_case_and_nfd(library, tree):
    text = unicodedata.normalize("NFD", "Bài toán PHÂN SỐ nâng cao")
    resource = _published("Ôn tập", tree.province, description=text)
    html = selectors.snippet(resource, "phan so na")
    nfd = unicodedata.normalize("NFD", "PHÂN")
    assert f"<mark>{nfd}</mark>" in html
    assert f"<mark>{unicodedata.normalize('NFD', 'SỐ')}</mark>" in html
    # Only the typed part of an unfinished last word.
    assert f"<mark>{unicodedata.normalize('NFD', 'nâ')}</mark>ng" in html


def test_a_snippet_marks_d_with_stroke_and_escapes_html(library, tree):
    resource = _published(
        "Thí nghiệm",
        tree.province,
        description='<script>alert("x")</script> Đo điện trở & cường độ dòng điện',
    )
    html = selectors.snippet(resource, "do dien")
    assert "<script>" not in html and "&lt;script&gt;" in html
    # "độ" folds to "do" as well: it is a match too.
    assert (
        "<mark>Đo</mark> <mark>điện</mark> trở &amp; cường <mark>độ</mark> dòng <mark>điện</mark>"
        in html
    )


def test_a_snippet_comes_from_the_extracted_text_when_the_description_has_no_match(library, tree):
    words = " ".join(f"từ{i}" for i in range(200))
    resource = _published(
        "Tài liệu",
        tree.province,
        description="Giới thiệu chung.",
        extracted_text=f"{words} Định lí Py-ta-go trong tam giác vuông. {words}",
    )
    html = selectors.snippet(resource, "tam giac")
    assert "<mark>tam</mark> <mark>giác</mark> vuông" in html
    assert html.startswith("… ") and html.endswith(" …")
    assert len(html) < 400


def test_without_a_match_the_snippet_is_the_description_start(library, tree):
    html = selectors.snippet(library.province_pdf, "")
    assert html == "Bài giảng điện tử về phân số cho học sinh lớp 6."
    resource = _published("Quang hợp", tree.province, description="Sinh học <6>")
    assert selectors.snippet(resource, "quang") == "Sinh học &lt;6&gt;"


def test_highlight_marks_a_title(library):
    assert (
        selectors.highlight("Phân số & số thập phân", "so thap")
        == "Phân <mark>số</mark> &amp; <mark>số</mark> <mark>thập</mark> phân"
    )


# --- the index itself ------------------------------------------------------------------------


def test_the_query_repeats_the_migrations_indexed_expression():
    assert search.PG_VECTOR == migration.PG_VECTOR
    assert search.SQLITE_CREATE == migration.SQLITE_CREATE
    assert search.SQLITE_REBUILD == migration.SQLITE_REBUILD


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5 only")
def test_install_sqlite_restores_lost_triggers_and_rebuilds(library, users):
    from django.db import connection as conn

    with conn.cursor() as cursor:
        for suffix in ("ai", "ad", "au"):
            cursor.execute(f"DROP TRIGGER resources_resource_fts_{suffix}")
        cursor.execute(
            "INSERT INTO resources_resource_fts(resources_resource_fts) VALUES ('delete-all')"
        )
        assert _titles(users.student_a, "phan so") == []
        # What a migration's schema editor offers: the connection and execute().
        search.install_sqlite(SimpleNamespace(connection=conn, execute=cursor.execute))
    assert _titles(users.student_a, "phan so") == ["Phân số và số thập phân"]


def test_a_ranked_queryset_can_be_nested_as_a_subquery(library, users):
    ranked = selectors.resources_search(actor=users.student_a, q="phan so")
    outer = Resource.objects.filter(pk__in=ranked.values("pk"))
    assert [r.title for r in outer] == ["Phân số và số thập phân"]
    assert ranked.count() == 1 and ranked.order_by().values("pk").count() == 1


def test_query_words_and_quoting():
    assert search.query_words('Phân "số" -- ĐỀ*') == ["phan", "so", "de"]
    assert search.fts5_query(["phan", "so"]) == '"phan" "so"*'
    assert search.fts5_query(["so"], column="search_title") == 'search_title : ("so"*)'
    assert search.tsquery(["phan", "so"]) == "phan & so:*"
    assert search.tsquery(["phan", "so"], weight="A") == "phan:A & so:*A"


# --- pages -----------------------------------------------------------------------------------


def test_the_home_page_counts_by_subject_and_grade_and_lists_the_newest(client, library, users):
    client.force_login(users.student_a)
    response = client.get("/library/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Phân số và số thập phân" in page
    assert "/library/search/?subject=TOAN&amp;grade=6" in page
    assert "Thí nghiệm đo điện trở" not in page  # school C's, shared within C only


def test_the_search_page_shows_marked_results_and_facets(client, library, users):
    client.force_login(users.province)
    response = client.get("/library/search/", {"q": "phan so"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<mark>Phân</mark> <mark>số</mark> và <mark>số</mark> thập <mark>phân</mark>" in page
    assert "?q=phan+so&amp;subject=TOAN" in page
    assert "Thí nghiệm đo điện trở" not in page


def test_the_search_page_has_an_empty_state_and_survives_bad_filters(client, library, users):
    client.force_login(users.student_a)
    response = client.get("/library/search/", {"q": "khong co gi", "grade": "99", "topic": "x"})
    assert response.status_code == 200
    assert "Không có học liệu nào khớp" in response.content.decode()


def test_the_library_pages_need_a_login(client, library):
    assert client.get("/library/").status_code == 302
    assert client.get("/library/search/").status_code == 302
