"""The library's JSON API: GET /api/v1/resources (search) and /api/v1/resources/{id}."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hocso.accounts.services import token_create
from hocso.resources.models import FileRole, Rating, ResourceFile, ResourceStatus, Sharing

from . import samples
from .conftest import make_resource


def _get(client, user, url, **query):
    headers = {"Authorization": f"Bearer {token_create(user=user)}"}
    return client.get(url, query, headers=headers)


def test_search_answers_items_and_count_with_q_subject_and_grade(client, library, users):
    response = _get(
        client, users.student_a, "/api/v1/resources", q="phan so", subject="TOAN", grade=6
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and set(body) == {"items", "count"}
    item = body["items"][0]
    assert item["id"] == library.province_pdf.pk
    assert item["title"] == "Phân số và số thập phân"
    assert item["type"] == "document"
    assert item["subject"] == "TOAN"
    assert item["grades"] == [6]
    assert item["licence"] == "CC-BY-4.0"
    assert item["language"] == "vi"
    assert item["org"] == library.province_pdf.org_unit.code
    assert item["snippet"] == (
        "Bài giảng điện tử về <mark>phân</mark> <mark>số</mark> cho học sinh lớp 6."
    )
    assert item["url"] == f"/library/{library.province_pdf.pk}/"
    assert item["thumbnail_url"] is None


@pytest.mark.parametrize(
    "query",
    [{"subject": "NV"}, {"grade": 7}, {"q": "khong co"}, {"type": "video"}, {"licence": "CC0-1.0"}],
)
def test_filters_that_match_nothing_give_an_empty_list(client, library, users, query):
    assert _get(client, users.student_a, "/api/v1/resources", **query).json() == {
        "items": [],
        "count": 0,
    }


def test_search_without_diacritics_and_punctuation_only(client, library, users):
    body = _get(client, users.admin_c, "/api/v1/resources", q="DIEN TRO").json()
    assert [i["title"] for i in body["items"]] == ["Thí nghiệm đo điện trở"]
    body = _get(client, users.admin_c, "/api/v1/resources", q='"*:()').json()
    assert body["count"] == 2


def test_a_school_only_resource_of_another_school_is_absent_and_404(client, library, users):
    video = library.school_c_video
    body = _get(client, users.teacher_a, "/api/v1/resources", q="dien tro").json()
    assert body == {"items": [], "count": 0}
    assert _get(client, users.teacher_a, f"/api/v1/resources/{video.pk}").status_code == 404
    assert _get(client, users.admin_c, f"/api/v1/resources/{video.pk}").status_code == 200


def test_anonymous_callers_are_refused(client, library):
    assert client.get("/api/v1/resources").status_code == 401
    assert client.get(f"/api/v1/resources/{library.province_pdf.pk}").status_code == 401


def test_detail_has_files_topics_versions_and_rating(client, library, users):
    pdf = library.province_pdf
    Rating.objects.create(resource=pdf, user=users.admin_a, stars=4)
    Rating.objects.create(resource=pdf, user=users.teacher_a, stars=5)
    body = _get(client, users.student_a, f"/api/v1/resources/{pdf.pk}").json()
    assert body["title"] == "Phân số và số thập phân"
    assert body["status"] == "published" and body["sharing"] == "province"
    assert body["subject_name"] == "Toán"
    assert body["version"] == 1 and body["versions"] == 1
    assert body["topics"] == [
        {
            "id": library.math_topics[0].pk,
            "code": "T1",
            "name": "Số tự nhiên",
            "grade": 6,
        }
    ]
    [file] = body["files"]
    assert file["role"] == "main" and file["content_type"] == "application/pdf"
    assert file["name"] == "tai-lieu.pdf" and file["size"] > 0
    assert file["url"] == f"/library/file/{file['id']}/"
    assert body["rating"] == {"average": 4.5, "count": 2}
    assert body["description"].startswith("Bài giảng")


def test_a_draft_is_seen_by_its_contributor_only(client, library, users):
    url = f"/api/v1/resources/{library.draft_a.pk}"
    assert _get(client, users.teacher_a, url).status_code == 200
    assert _get(client, users.student_a, url).status_code == 404
    # …and never listed: the list is the published library.
    body = _get(client, users.teacher_a, "/api/v1/resources", q="phieu").json()
    assert body["count"] == 0


def test_a_thumbnail_is_offered_when_the_version_has_one(client, library, users, tree):
    image = make_resource(
        title="Bản đồ Việt Nam",
        org_unit=tree.province,
        data=samples.png_bytes(),
        content_type="image/png",
        original_name="ban-do.png",
        status=ResourceStatus.PUBLISHED,
        sharing=Sharing.PROVINCE,
        type="image",
    )
    body = _get(client, users.student_a, "/api/v1/resources", q="ban do").json()
    assert body["items"][0]["thumbnail_url"] == f"/library/{image.pk}/thumbnail/"
    file = ResourceFile.objects.get(version__resource=image)
    assert file.role == FileRole.MAIN


def test_the_list_takes_the_same_number_of_queries_for_2_or_20_resources(
    client, library, users, tree
):
    def count_queries():
        # A fresh token each time: a token's first use is recorded (one more query).
        headers = {"Authorization": f"Bearer {token_create(user=users.student_a)}"}
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/resources", {"q": "bai"}, headers=headers)
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    for i in range(2):
        make_resource(
            title=f"Bài {i}", org_unit=tree.school_a, data=samples.png_bytes(),
            content_type="image/png", type="image", status=ResourceStatus.PUBLISHED,
            subject=library.math, grades=(6, 7), topics=library.math_topics[:2],
            description=f"Bài số {i}",
        )  # fmt: skip
    few, n_few = count_queries()
    for i in range(2, 20):
        make_resource(
            title=f"Bài {i}", org_unit=tree.school_b, data=samples.png_bytes(),
            content_type="image/png", type="image", status=ResourceStatus.PUBLISHED,
            sharing=Sharing.PROVINCE, subject=library.literature, grades=(8, 9),
            description=f"Bài số {i}",
        )  # fmt: skip
    many, n_many = count_queries()
    assert (n_few, n_many) == (3, 21)  # with the fixture's "Bài giảng…" PDF
    assert many == few
