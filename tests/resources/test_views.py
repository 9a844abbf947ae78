"""The library's contribution and review pages (resources/views.py), as the roles see them:
upload (plain and with upload.js's XMLHttpRequest), a resource's page per type, edit, new
version, files, the review and report queues."""

import json

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocso.resources import services
from hocso.resources.models import (
    FileRole,
    Licence,
    Rating,
    Report,
    ReportStatus,
    Resource,
    ResourceStatus,
    ResourceType,
    Sharing,
    UsageCount,
    UsageKind,
)

from . import samples

UPLOAD = reverse("resources:upload")
QUEUE = reverse("resources:review-queue")
REPORTS = reverse("resources:reports")
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def _url(name, resource):
    return reverse(f"resources:{name}", args=[resource.pk])


def _form(tree, **overrides):
    data = {
        "org_unit": tree.school_a.pk,
        "type": ResourceType.DOCUMENT,
        "title": "Luyện tập phân số",
        "description": "Phiếu bài tập\ncó đáp án",
        "language": "vi",
        "licence": Licence.CC_BY_SA,
        "authors": "Tổ Toán",
        "submit_for_review": "on",
        "upload": SimpleUploadedFile("luyen-tap.pdf", samples.pdf_bytes("Luyện tập")),
    }
    data.update(overrides)
    return data


def _main(resource):
    return resource.current_version.files.get(role=FileRole.MAIN)


# --- upload ---------------------------------------------------------------------------------


def test_the_upload_page_states_the_size_limit_and_explains_the_licences(client, tree, users):
    client.force_login(users.teacher_a)
    response = client.get(UPLOAD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "500 MB" in page
    assert "NC: không dùng vào mục đích thương mại" in page
    assert 'id="upload-progress"' in page
    assert "resources/upload.js" in page


def test_learners_and_outsiders_cannot_open_the_upload_page(client, tree, users):
    for user in (users.student_a, users.outsider):
        client.force_login(user)
        assert client.get(UPLOAD).status_code == 403


def test_a_plain_post_creates_a_submitted_resource_and_opens_its_page(client, library, tree, users):
    client.force_login(users.teacher_a)
    data = _form(tree, subject=library.math.pk, grade_from="6", topics=[library.math_topics[1].pk])
    response = client.post(UPLOAD, data)
    resource = Resource.objects.get(title="Luyện tập phân số")
    assert response.status_code == 302
    assert response["Location"] == _url("detail", resource)
    assert resource.status == ResourceStatus.SUBMITTED
    assert resource.description == "Phiếu bài tập\ncó đáp án"
    assert list(resource.topics.all()) == [library.math_topics[1]]


def test_an_xhr_post_gets_json_with_the_page_to_open(client, tree, users):
    client.force_login(users.teacher_a)
    response = client.post(UPLOAD, _form(tree), **XHR)
    assert response.status_code == 200
    resource = Resource.objects.get(title="Luyện tập phân số")
    assert response.json() == {"redirect": _url("detail", resource)}


def test_a_refused_file_keeps_what_was_typed_and_names_the_problem(client, tree, users):
    client.force_login(users.teacher_a)
    response = client.post(
        UPLOAD, _form(tree, upload=SimpleUploadedFile("bai.pdf", samples.png_bytes()))
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Luyện tập phân số"' in page
    assert "Tổ Toán" in page
    assert "bai.pdf" in response.context["form"].errors["upload"][0]
    assert not Resource.objects.filter(title="Luyện tập phân số").exists()


def test_a_refused_file_over_xhr_answers_400_with_the_field_errors(client, tree, users):
    client.force_login(users.teacher_a)
    response = client.post(
        UPLOAD, _form(tree, upload=SimpleUploadedFile("bai.pdf", samples.png_bytes())), **XHR
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "bai.pdf" in errors["upload"][0]


def test_missing_fields_are_reported_on_their_fields(client, tree, users):
    client.force_login(users.teacher_a)
    response = client.post(UPLOAD, _form(tree, title="", licence=""), **XHR)
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"title", "licence"}


def test_show_topics_re_renders_the_form_with_the_subject_s_topics_and_no_errors(
    client, library, tree, users
):
    client.force_login(users.teacher_a)
    data = _form(tree, title="", subject=library.math.pk, grade_from="6", refresh_topics="1")
    response = client.post(UPLOAD, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound
    assert set(form.fields["topics"].queryset) == set(library.math_topics)
    assert not Resource.objects.filter(title="Luyện tập phân số").exists()


def test_topic_options_follow_the_subject_and_grades(client, library, users):
    client.force_login(users.teacher_a)
    response = client.get(
        reverse("resources:topic-options"),
        {"subject": library.literature.pk, "grade_from": "6", "topics": [library.literature_topics[0].pk]},
    )  # fmt: skip
    page = response.content.decode()
    assert "Truyện đồng thoại" in page and "Thơ lục bát" in page
    assert "Phân số" not in page
    assert f'value="{library.literature_topics[0].pk}" selected' in page


def test_a_link_is_created_without_a_file(client, tree, users):
    client.force_login(users.teacher_a)
    data = _form(tree, type=ResourceType.LINK, url="https://vi.wikipedia.org/wiki/Phân_số")
    del data["upload"]
    response = client.post(UPLOAD, data)
    assert response.status_code == 302
    resource = Resource.objects.get(title="Luyện tập phân số")
    assert resource.current_version.url.startswith("https://vi.wikipedia.org/")


# --- a resource's page ------------------------------------------------------------------------


def test_a_learner_sees_a_province_pdf_in_the_page(client, library, users):
    client.force_login(users.student_a)
    response = client.get(_url("detail", library.province_pdf))
    assert response.status_code == 200
    page = response.content.decode()
    file_url = reverse("resources:file", args=[_main(library.province_pdf).pk])
    assert f'<object data="{file_url}" type="application/pdf"' in page
    assert "Duyệt học liệu" not in page
    assert "Báo lỗi học liệu" in page


def test_a_video_plays_in_a_video_element(client, library, users):
    client.force_login(users.admin_c)
    page = client.get(_url("detail", library.school_c_video)).content.decode()
    assert '<video controls preload="metadata"' in page


def test_an_image_is_shown_as_an_image(client, library, users):
    client.force_login(users.teacher_a)
    page = client.get(_url("detail", library.submitted_a)).content.decode()
    file_url = reverse("resources:file", args=[_main(library.submitted_a).pk])
    assert f'<img src="{file_url}"' in page


def test_a_package_has_an_open_button_to_the_player(client, tree, users):
    resource = services.resource_create(
        actor=users.teacher_a, org_unit=tree.school_a, type=ResourceType.HTML5,
        title="Con lắc đơn", licence=Licence.CC_BY,
        upload=SimpleUploadedFile("con-lac.zip", samples.html5_zip()),
    )  # fmt: skip
    client.force_login(users.teacher_a)
    page = client.get(_url("detail", resource)).content.decode()
    assert f'href="{reverse("resources:play", args=[resource.pk])}"' in page


def test_a_resource_outside_the_actor_s_reach_is_a_404(client, library, users):
    client.force_login(users.outsider)
    assert client.get(_url("detail", library.province_pdf)).status_code == 404
    client.force_login(users.student_a)
    assert client.get(_url("detail", library.draft_a)).status_code == 404
    assert client.get(_url("detail", library.school_c_video)).status_code == 404


def test_the_contributor_is_told_which_resource_already_has_the_file(client, library, users):
    with default_storage.open(_main(library.province_pdf).storage_name) as stored:
        data = stored.read()
    copy = services.resource_create(
        actor=users.teacher_a, org_unit=library.province_pdf.org_unit,
        type=ResourceType.DOCUMENT, title="Bản sao", licence=Licence.CC_BY,
        upload=SimpleUploadedFile("copy.pdf", data),
    )  # fmt: skip
    client.force_login(users.teacher_a)
    page = client.get(_url("detail", copy)).content.decode()
    assert "Tệp này cũng có trong" in page
    assert _url("detail", library.province_pdf) in page


def test_a_reviewer_sees_the_review_form_and_a_province_officer_the_province_choice(
    client, library, users
):
    client.force_login(users.admin_a)
    page = client.get(_url("detail", library.submitted_a)).content.decode()
    assert "Duyệt học liệu" in page
    assert 'value="province"' not in page
    client.force_login(users.province)
    page = client.get(_url("detail", library.submitted_a)).content.decode()
    assert 'id="review-province"' in page


# --- actions --------------------------------------------------------------------------------


def test_an_admin_approves_from_the_queue_and_returns_to_it(client, library, users):
    client.force_login(users.admin_a)
    response = client.post(
        _url("review", library.submitted_a),
        {"decision": "approve", "sharing": "school", "next": "queue"},
    )
    assert response["Location"] == QUEUE
    library.submitted_a.refresh_from_db()
    assert library.submitted_a.status == ResourceStatus.PUBLISHED


def test_a_teacher_posting_a_review_is_refused(client, library, users):
    client.force_login(users.teacher_a)
    response = client.post(_url("review", library.submitted_a), {"decision": "approve"})
    assert response.status_code == 403
    library.submitted_a.refresh_from_db()
    assert library.submitted_a.status == ResourceStatus.SUBMITTED


def test_asking_for_changes_without_a_comment_shows_the_message(client, library, users):
    client.force_login(users.admin_a)
    response = client.post(
        _url("review", library.submitted_a), {"decision": "request_changes"}, follow=True
    )
    assert "Hãy ghi nhận xét cho người đóng góp." in response.content.decode()


def test_submit_share_and_retire(client, library, users):
    client.force_login(users.teacher_a)
    client.post(_url("submit", library.draft_a))
    library.draft_a.refresh_from_db()
    assert library.draft_a.status == ResourceStatus.SUBMITTED
    client.force_login(users.province)
    client.post(_url("share", library.school_c_video), {"sharing": Sharing.PROVINCE})
    library.school_c_video.refresh_from_db()
    assert library.school_c_video.sharing == Sharing.PROVINCE
    client.force_login(users.admin_a)
    page = client.get(_url("detail", library.province_pdf)).content.decode()
    assert "data-confirm=" in page and "Ngừng sử dụng" in page
    client.post(_url("retire", library.province_pdf), {"comment": "Đã cũ"})
    library.province_pdf.refresh_from_db()
    assert library.province_pdf.status == ResourceStatus.RETIRED


def test_a_learner_rates_and_reports(client, library, users):
    client.force_login(users.student_a)
    client.post(_url("rate", library.province_pdf), {"stars": "4", "comment": "Dễ hiểu"})
    assert Rating.objects.get(user=users.student_a).stars == 4
    client.post(_url("report", library.province_pdf), {"reason": "broken", "text": "Lỗi trang"})
    assert Report.objects.get(reporter=users.student_a).status == ReportStatus.OPEN


def test_edit_keeps_the_values_and_saves_changes(client, library, users):
    client.force_login(users.teacher_a)
    response = client.get(_url("edit", library.draft_a))
    assert 'value="Phiếu học tập Ngữ văn"' in response.content.decode()
    response = client.post(
        _url("edit", library.draft_a),
        {"title": "Phiếu học tập lớp 6", "subject": library.literature.pk, "grade_from": "6",
         "language": "vi", "licence": Licence.CC_BY, "topics": [library.literature_topics[1].pk]},
    )  # fmt: skip
    assert response.status_code == 302
    library.draft_a.refresh_from_db()
    assert library.draft_a.title == "Phiếu học tập lớp 6"
    assert list(library.draft_a.topics.all()) == [library.literature_topics[1]]


def test_the_edit_page_warns_a_contributor_that_a_published_resource_returns_to_review(
    client, library, users
):
    client.force_login(users.teacher_a)
    page = client.get(_url("edit", library.province_pdf)).content.decode()
    assert "quay về trạng thái chờ duyệt" in page


def test_others_cannot_edit(client, library, users):
    client.force_login(users.admin_c)
    assert client.get(_url("edit", library.school_c_video)).status_code == 200
    client.force_login(users.student_a)
    assert client.get(_url("edit", library.province_pdf)).status_code == 403


def test_a_new_version_over_xhr(client, library, users):
    client.force_login(users.teacher_a)
    response = client.post(
        _url("new-version", library.draft_a),
        {"upload": SimpleUploadedFile("v2.docx", samples.docx_bytes("Bản 2")), "note": "Sửa"},
        **XHR,
    )
    assert response.json() == {"redirect": _url("detail", library.draft_a)}
    library.draft_a.refresh_from_db()
    assert library.draft_a.current_version.number == 2
    assert library.draft_a.current_version.note == "Sửa"


# --- files ----------------------------------------------------------------------------------


def test_a_file_is_served_and_counted_as_a_view_or_a_download(client, library, users):
    client.force_login(users.student_a)
    url = reverse("resources:file", args=[_main(library.province_pdf).pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    download = client.get(url, {"download": "1"})
    assert "attachment" in download["Content-Disposition"]
    counts = dict(
        UsageCount.objects.filter(resource=library.province_pdf).values_list("kind", "count")
    )
    assert counts == {UsageKind.VIEW: 1, UsageKind.DOWNLOAD: 1}


def test_files_of_unseen_resources_are_404(client, library, users):
    client.force_login(users.student_a)
    url = reverse("resources:file", args=[_main(library.draft_a).pk])
    assert client.get(url).status_code == 404


def test_the_thumbnail_is_served_when_there_is_one(client, tree, users, library):
    client.force_login(users.teacher_a)
    assert client.get(_url("thumbnail", library.province_pdf)).status_code == 404
    resource = services.resource_create(
        actor=users.teacher_a, org_unit=tree.school_a, type=ResourceType.IMAGE,
        title="Ảnh", licence=Licence.CC0,
        upload=SimpleUploadedFile("anh.png", samples.png_bytes()),
    )  # fmt: skip
    response = client.get(_url("thumbnail", resource))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


# --- queues ---------------------------------------------------------------------------------


def test_the_review_queue_lists_what_the_actor_may_review(client, library, users):
    client.force_login(users.admin_a)
    response = client.get(QUEUE)
    assert [r.pk for r in response.context["page_obj"].object_list] == [library.submitted_a.pk]
    client.force_login(users.admin_c)
    assert list(client.get(QUEUE).context["page_obj"].object_list) == []
    client.force_login(users.teacher_a)
    assert "Bạn không có quyền duyệt học liệu" in client.get(QUEUE).content.decode()


def test_the_review_queue_is_oldest_first_and_paginated(client, tree, users):
    made = [
        services.resource_create(
            actor=users.teacher_a,
            org_unit=tree.school_a,
            type=ResourceType.LINK,
            title=f"Liên kết {i}",
            licence=Licence.CC_BY,
            url=f"https://example.org/{i}",
            submit=True,
        )  # fmt: skip
        for i in range(22)
    ]
    client.force_login(users.admin_a)
    first = client.get(QUEUE).context["page_obj"]
    assert first.paginator.count == 22
    assert [r.pk for r in first.object_list] == [r.pk for r in made[:20]]
    assert len(client.get(QUEUE, {"page": 2}).context["page_obj"].object_list) == 2


def test_the_reports_page_lists_open_reports_first_and_handles_them(client, library, users):
    first = services.report_create(
        actor=users.student_a, resource=library.province_pdf, reason="broken"
    )
    services.report_handle(actor=users.admin_a, report=first, status="resolved")
    second = services.report_create(
        actor=users.student_a, resource=library.province_pdf, reason="wrong"
    )
    client.force_login(users.admin_a)
    rows = list(client.get(REPORTS).context["page_obj"].object_list)
    assert [r.pk for r in rows] == [second.pk, first.pk]
    response = client.post(
        reverse("resources:report-handle", args=[second.pk]),
        {"status": "dismissed", "response": "Nội dung đúng"},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == ReportStatus.DISMISSED
    client.force_login(users.admin_c)
    assert list(client.get(REPORTS).context["page_obj"].object_list) == []


def test_xhr_errors_are_json_even_for_the_version_page(client, library, users):
    client.force_login(users.teacher_a)
    response = client.post(_url("new-version", library.draft_a), {"note": "x"}, **XHR)
    assert response.status_code == 400
    assert "upload" in json.loads(response.content)["errors"]
