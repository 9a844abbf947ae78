"""Writes to the library (resources/services.py): content per type, checks by content,
duplicates, versions, the review flow and who may decide, reports and ratings."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from hocso.accounts.models import AuditEntry
from hocso.resources import selectors, services
from hocso.resources.models import (
    FileRole,
    Licence,
    Rating,
    ReportReason,
    ReportStatus,
    ResourceStatus,
    ResourceType,
    ReviewComment,
    ReviewDecision,
    Sharing,
)

from . import samples

PDF = "application/pdf"


def upload(name, data):
    return SimpleUploadedFile(name, data)


def create(actor, unit, **kwargs):
    fields = {
        "type": ResourceType.DOCUMENT,
        "title": "Bài giảng Phân số",
        "licence": Licence.CC_BY,
        "upload": upload("phan-so.pdf", samples.pdf_bytes("Phân số bằng nhau")),
    }
    fields.update(kwargs)
    return services.resource_create(actor=actor, org_unit=unit, **fields)


def stored_bytes(resource) -> bytes:
    """The bytes of the resource's main file as stored (PDFs made twice differ in their date)."""
    with default_storage.open(roles(resource)[FileRole.MAIN].storage_name) as stored:
        return stored.read()


def roles(resource):
    return {f.role: f for f in resource.current_version.files.all()}


# --- create, per type ---------------------------------------------------------------------


def test_a_teacher_creates_a_pdf_draft_with_thumbnail_text_and_search_keys(library, tree, users):
    resource = create(
        users.teacher_a, tree.school_a, subject=library.math, grade_from=6,
        topics=[library.math_topics[1]], authors="Nguyễn Thị Lan",
    )  # fmt: skip
    assert resource.status == ResourceStatus.DRAFT
    assert resource.created_by == users.teacher_a
    assert (resource.grade_from, resource.grade_to) == (6, 6)
    version = resource.current_version
    assert version.number == 1
    files = roles(resource)
    assert files[FileRole.MAIN].content_type == PDF
    assert files[FileRole.MAIN].original_name == "phan-so.pdf"
    assert files[FileRole.THUMBNAIL].content_type == "image/png"
    assert "Phân số bằng nhau" in version.extracted_text
    assert resource.search_title == "bai giang phan so"
    assert "nguyen thi lan" in resource.search_body
    assert "phan so bang nhau" in resource.search_body
    assert "toan" in resource.search_body  # the subject's name
    assert AuditEntry.objects.filter(action="resource.create", object_id=str(resource.pk)).exists()


def test_submit_true_sends_the_new_resource_for_review(tree, users):
    resource = create(users.teacher_a, tree.school_a, submit=True)
    assert resource.status == ResourceStatus.SUBMITTED


def test_a_video_keeps_its_poster_which_also_makes_the_thumbnail(tree, users):
    resource = create(
        users.teacher_a, tree.school_a, type=ResourceType.VIDEO,
        upload=upload("bai-hoc.mp4", samples.mp4_bytes()),
        poster=upload("poster.jpg", samples.jpeg_bytes()),
    )  # fmt: skip
    files = roles(resource)
    assert files[FileRole.MAIN].content_type == "video/mp4"
    assert files[FileRole.POSTER].content_type == "image/jpeg"
    assert FileRole.THUMBNAIL in files


def test_an_image_is_stored_with_a_thumbnail(tree, users):
    resource = create(
        users.teacher_a, tree.school_a, type=ResourceType.IMAGE,
        upload=upload("so-do.png", samples.png_bytes(size=(800, 600))),
    )  # fmt: skip
    assert roles(resource)[FileRole.MAIN].content_type == "image/png"
    assert FileRole.THUMBNAIL in roles(resource)


def test_a_link_needs_an_http_address(tree, users):
    resource = create(
        users.teacher_a, tree.school_a, type=ResourceType.LINK, upload=None,
        url="https://hanhtrangso.nxbgd.vn/",
    )  # fmt: skip
    assert resource.current_version.url == "https://hanhtrangso.nxbgd.vn/"
    assert not resource.current_version.files.exists()
    with pytest.raises(ValidationError) as missing:
        create(users.teacher_a, tree.school_a, type=ResourceType.LINK, upload=None)
    assert "url" in missing.value.message_dict
    with pytest.raises(ValidationError) as script:
        create(
            users.teacher_a, tree.school_a, type=ResourceType.LINK, upload=None,
            url="javascript:alert(1)",
        )  # fmt: skip
    assert "http" in script.value.message_dict["url"][0]


def test_a_file_of_the_wrong_kind_is_refused_by_its_content_not_its_name(tree, users):
    with pytest.raises(ValidationError) as refused:
        create(
            users.teacher_a, tree.school_a,
            upload=upload("bai-giang.pdf", samples.png_bytes()),
        )  # fmt: skip
    message = refused.value.message_dict["upload"][0]
    assert "bai-giang.pdf" in message


def test_a_document_without_a_file_is_refused(tree, users):
    with pytest.raises(ValidationError) as refused:
        create(users.teacher_a, tree.school_a, upload=None)
    assert "upload" in refused.value.message_dict


def test_nothing_is_written_when_the_content_is_refused(tree, users):
    from hocso.resources.models import Resource

    before = Resource.objects.count()
    with pytest.raises(ValidationError):
        create(users.teacher_a, tree.school_a, upload=upload("x.pdf", b"not a pdf at all"))
    assert Resource.objects.count() == before


def test_contributing_needs_staff_scope_over_the_unit(tree, users):
    with pytest.raises(PermissionDenied):
        create(users.teacher_a, tree.school_c)
    with pytest.raises(PermissionDenied):
        create(users.student_a, tree.school_a)
    with pytest.raises(PermissionDenied):
        create(users.outsider, tree.school_a)


def test_topics_must_belong_to_the_subject_and_grades(library, tree, users):
    with pytest.raises(ValidationError) as wrong_subject:
        create(
            users.teacher_a, tree.school_a, subject=library.math, grade_from=6,
            topics=[library.literature_topics[0]],
        )  # fmt: skip
    assert "Truyện đồng thoại" in wrong_subject.value.message_dict["topics"][0]
    with pytest.raises(ValidationError) as wrong_grade:
        create(
            users.teacher_a, tree.school_a, subject=library.math, grade_from=7,
            topics=[library.math_topics[0]],
        )  # fmt: skip
    assert "topics" in wrong_grade.value.message_dict


def test_grades_must_be_in_order_and_within_1_to_12(tree, users):
    with pytest.raises(ValidationError) as reversed_range:
        create(users.teacher_a, tree.school_a, grade_from=8, grade_to=6)
    assert "grade_to" in reversed_range.value.message_dict
    with pytest.raises(ValidationError) as out_of_range:
        create(users.teacher_a, tree.school_a, grade_from=13)
    assert "grade_from" in out_of_range.value.message_dict


def test_a_scorm_package_is_unpacked_and_its_zip_kept(tree, users):
    pytest.importorskip("hocso.resources.packages")
    resource = create(
        users.teacher_a, tree.school_a, type=ResourceType.SCORM,
        upload=upload("phan-so.zip", samples.scorm_zip()),
    )  # fmt: skip
    version = resource.current_version
    assert version.package_root.startswith("resources/packages/")
    assert version.launch_path == "index.html"
    assert roles(resource)[FileRole.PACKAGE].content_type == "application/zip"


class _Stream(io.RawIOBase):
    """A file that can be read once, front to back (a pipe, a member read from a zip)."""

    def __init__(self, name, data):
        self.name, self._data = name, io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_package_read_from_a_one_way_stream_is_unpacked_from_the_stored_copy(tree, users):
    pytest.importorskip("hocso.resources.packages")
    resource = create(
        users.teacher_a, tree.school_a, type=ResourceType.HTML5,
        upload=_Stream("mo-phong.zip", samples.html5_zip()),
    )  # fmt: skip
    assert resource.current_version.launch_path == "index.html"
    assert roles(resource)[FileRole.PACKAGE].original_name == "mo-phong.zip"


def test_a_hostile_package_is_refused_on_the_upload_field(tree, users):
    pytest.importorskip("hocso.resources.packages")
    with pytest.raises(ValidationError) as refused:
        create(
            users.teacher_a, tree.school_a, type=ResourceType.SCORM,
            upload=upload("evil.zip", samples.zip_slip_zip()),
        )  # fmt: skip
    assert "upload" in refused.value.message_dict


# --- duplicates -----------------------------------------------------------------------------


def test_the_same_file_again_is_allowed_and_its_first_resource_is_found(library, tree, users):
    again = create(
        users.teacher_a, tree.school_a,
        upload=upload("copy.pdf", stored_bytes(library.province_pdf)),
    )  # fmt: skip
    sha = roles(again)[FileRole.MAIN].sha256
    assert roles(library.province_pdf)[FileRole.MAIN].sha256 == sha
    found = selectors.duplicates_of(actor=users.teacher_a, sha256=sha, exclude=again)
    assert list(found) == [library.province_pdf]
    assert list(selectors.duplicates_of(actor=users.outsider, sha256=sha)) == []


# --- versions and edits ---------------------------------------------------------------------


def test_a_new_file_makes_version_2_and_keeps_version_1(library, users):
    resource = library.draft_a
    first = resource.current_version
    version = services.version_add(
        actor=users.teacher_a, resource=resource,
        upload=upload("phieu-2.docx", samples.docx_bytes("Ca dao Việt Nam")), note="Thêm bài",
    )  # fmt: skip
    resource.refresh_from_db()
    assert version.number == 2
    assert resource.current_version == version
    assert first.files.exists()
    assert "ca dao viet nam" in resource.search_body


def test_the_same_content_again_writes_no_version(library, users):
    resource = library.province_pdf
    same = services.version_add(
        actor=users.province, resource=resource,
        upload=upload("again.pdf", stored_bytes(resource)),
    )  # fmt: skip
    assert same == resource.current_version
    assert resource.versions.count() == 1


def test_a_new_version_of_a_published_resource_by_its_contributor_goes_back_to_review(
    library, users
):
    resource = library.province_pdf
    services.version_add(
        actor=users.teacher_a, resource=resource,
        upload=upload("v2.pdf", samples.pdf_bytes("Phân số, bản sửa")),
    )  # fmt: skip
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.SUBMITTED
    assert resource.sharing == Sharing.SCHOOL


def test_a_reviewer_s_new_version_keeps_the_resource_published(library, users):
    resource = library.province_pdf
    services.version_add(
        actor=users.province, resource=resource,
        upload=upload("v2.pdf", samples.pdf_bytes("Phân số, bản sửa")),
    )  # fmt: skip
    resource.refresh_from_db()
    assert (resource.status, resource.sharing) == (ResourceStatus.PUBLISHED, Sharing.PROVINCE)


def test_a_school_admin_s_new_version_of_a_province_wide_resource_goes_back_to_review(
    library, users
):
    # The school admin reviews school A's resources but may not publish to the whole province.
    resource = library.province_pdf
    services.version_add(
        actor=users.admin_a, resource=resource,
        upload=upload("v2.pdf", samples.pdf_bytes("Phân số, bản của trường")),
    )  # fmt: skip
    resource.refresh_from_db()
    assert (resource.status, resource.sharing) == (ResourceStatus.SUBMITTED, Sharing.SCHOOL)


def test_a_reviewer_s_change_to_their_own_published_resource_goes_back_to_review(library, users):
    resource = library.school_c_video  # contributed and published by admin_c, within school C
    services.resource_update(actor=users.admin_c, resource=resource, title="Đo điện trở (sửa)")
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.SUBMITTED


def test_editing_the_title_refreshes_the_search_keys(library, users):
    resource = services.resource_update(
        actor=users.teacher_a, resource=library.draft_a, title="Phiếu học tập: Đồng dao"
    )
    assert resource.title == "Phiếu học tập: Đồng dao"
    resource.refresh_from_db()
    assert resource.search_title == "phieu hoc tap: dong dao"


def test_editing_topics_checks_them_against_the_subject(library, users):
    services.resource_update(
        actor=users.teacher_a, resource=library.draft_a, topics=[library.literature_topics[1]]
    )
    assert list(library.draft_a.topics.all()) == [library.literature_topics[1]]
    library.draft_a.refresh_from_db()
    assert "tho luc bat" in library.draft_a.search_body
    with pytest.raises(ValidationError):
        services.resource_update(
            actor=users.teacher_a, resource=library.draft_a, topics=[library.math_topics[0]]
        )


def test_others_cannot_edit_and_a_retired_resource_is_closed(library, users):
    with pytest.raises(PermissionDenied):
        services.resource_update(actor=users.admin_c, resource=library.draft_a, title="X")
    services.resource_retire(actor=users.admin_a, resource=library.draft_a)
    with pytest.raises(ValidationError):
        services.resource_update(actor=users.teacher_a, resource=library.draft_a, title="X")


# --- review ---------------------------------------------------------------------------------


def test_a_teacher_cannot_review(library, users):
    with pytest.raises(PermissionDenied):
        services.resource_review(
            actor=users.teacher_a, resource=library.submitted_a, decision=ReviewDecision.APPROVE
        )


def test_a_school_admin_approves_for_the_school_with_a_comment_on_the_version(library, users):
    review = services.resource_review(
        actor=users.admin_a, resource=library.submitted_a, decision=ReviewDecision.APPROVE,
        comment="Tốt",
    )  # fmt: skip
    resource = library.submitted_a
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.PUBLISHED
    assert resource.sharing == Sharing.SCHOOL
    assert resource.published_at is not None
    assert review.version == resource.current_version
    assert review.decision == ReviewDecision.APPROVE


def test_only_a_province_officer_shares_with_the_province(library, users):
    with pytest.raises(PermissionDenied):
        services.resource_review(
            actor=users.admin_a, resource=library.submitted_a,
            decision=ReviewDecision.APPROVE, sharing=Sharing.PROVINCE,
        )  # fmt: skip
    services.resource_review(
        actor=users.province, resource=library.submitted_a,
        decision=ReviewDecision.APPROVE, sharing=Sharing.PROVINCE,
    )  # fmt: skip
    library.submitted_a.refresh_from_db()
    assert library.submitted_a.sharing == Sharing.PROVINCE


def test_another_school_s_admin_cannot_review(library, users):
    with pytest.raises(PermissionDenied):
        services.resource_review(
            actor=users.admin_c, resource=library.submitted_a, decision=ReviewDecision.APPROVE
        )


def test_nobody_reviews_their_own_resource(tree, users):
    mine = create(users.admin_a, tree.school_a, submit=True)
    with pytest.raises(PermissionDenied):
        services.resource_review(actor=users.admin_a, resource=mine, decision="approve")


def test_changes_requested_then_resubmitted_then_approved(library, users):
    resource = library.submitted_a
    with pytest.raises(ValidationError) as no_comment:
        services.resource_review(
            actor=users.admin_a, resource=resource, decision=ReviewDecision.REQUEST_CHANGES
        )
    assert "comment" in no_comment.value.message_dict
    services.resource_review(
        actor=users.admin_a, resource=resource, decision=ReviewDecision.REQUEST_CHANGES,
        comment="Ghi nguồn hình",
    )  # fmt: skip
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.CHANGES_REQUESTED
    services.resource_update(actor=users.teacher_a, resource=resource, authors="Tổ Toán")
    services.resource_submit(actor=users.teacher_a, resource=resource)
    services.resource_review(actor=users.admin_a, resource=resource, decision="approve")
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.PUBLISHED
    assert ReviewComment.objects.filter(resource=resource).count() == 2


def test_a_rejected_resource_cannot_be_resubmitted(library, users):
    resource = library.submitted_a
    services.resource_review(
        actor=users.admin_a, resource=resource, decision=ReviewDecision.REJECT,
        comment="Trùng nội dung",
    )  # fmt: skip
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.REJECTED
    with pytest.raises(ValidationError):
        services.resource_submit(actor=users.teacher_a, resource=resource)


def test_only_submitted_resources_are_reviewed_and_decisions_are_checked(library, users):
    with pytest.raises(ValidationError):
        services.resource_review(actor=users.admin_a, resource=library.draft_a, decision="approve")
    with pytest.raises(ValidationError) as bad:
        services.resource_review(actor=users.admin_a, resource=library.submitted_a, decision="x")
    assert "decision" in bad.value.message_dict


def test_sharing_later_and_retiring_are_for_reviewers(library, users):
    resource = library.school_c_video
    with pytest.raises(PermissionDenied):
        services.resource_share(actor=users.admin_c, resource=resource, sharing=Sharing.PROVINCE)
    services.resource_share(actor=users.province, resource=resource, sharing=Sharing.PROVINCE)
    resource.refresh_from_db()
    assert resource.sharing == Sharing.PROVINCE
    with pytest.raises(PermissionDenied):
        services.resource_retire(actor=users.teacher_a, resource=library.province_pdf)
    services.resource_retire(actor=users.admin_a, resource=library.province_pdf, comment="Cũ")
    library.province_pdf.refresh_from_db()
    assert library.province_pdf.status == ResourceStatus.RETIRED
    assert library.province_pdf.sharing == Sharing.SCHOOL


def test_the_system_creates_and_publishes_province_wide(tree):
    resource = create(None, tree.school_a, submit=True)
    services.resource_review(
        actor=None, resource=resource, decision="approve", sharing=Sharing.PROVINCE
    )
    resource.refresh_from_db()
    assert (resource.status, resource.sharing) == (ResourceStatus.PUBLISHED, Sharing.PROVINCE)


# --- reports --------------------------------------------------------------------------------


def test_a_learner_reports_a_resource_they_see_and_an_admin_resolves_it(library, users):
    report = services.report_create(
        actor=users.student_a, resource=library.province_pdf, reason=ReportReason.BROKEN,
        text="Trang 2 bị trắng",
    )  # fmt: skip
    assert report.version == library.province_pdf.current_version
    assert report.status == ReportStatus.OPEN
    with pytest.raises(PermissionDenied):
        services.report_handle(actor=users.teacher_a, report=report, status="resolved")
    handled = services.report_handle(actor=users.admin_a, report=report, status="resolved")
    assert handled.status == ReportStatus.RESOLVED
    assert handled.handled_by == users.admin_a
    with pytest.raises(ValidationError):
        services.report_handle(actor=users.admin_a, report=report, status="dismissed")


def test_dismissing_a_report_needs_a_response(library, users):
    report = services.report_create(
        actor=users.student_a, resource=library.province_pdf, reason=ReportReason.WRONG
    )
    with pytest.raises(ValidationError) as refused:
        services.report_handle(actor=users.admin_a, report=report, status="dismissed")
    assert "response" in refused.value.message_dict
    services.report_handle(
        actor=users.admin_a, report=report, status="dismissed", response="Nội dung đúng"
    )


def test_nobody_reports_what_they_cannot_see_and_other_needs_a_text(library, users):
    with pytest.raises(PermissionDenied):
        services.report_create(
            actor=users.outsider, resource=library.province_pdf, reason=ReportReason.BROKEN
        )
    with pytest.raises(ValidationError) as refused:
        services.report_create(
            actor=users.student_a, resource=library.province_pdf, reason=ReportReason.OTHER
        )
    assert "text" in refused.value.message_dict


# --- ratings --------------------------------------------------------------------------------


def test_rating_again_replaces_the_previous_stars(library, users):
    services.rating_set(actor=users.student_a, resource=library.province_pdf, stars=4)
    services.rating_set(
        actor=users.student_a, resource=library.province_pdf, stars=5, comment="Hay"
    )
    rating = Rating.objects.get(resource=library.province_pdf, user=users.student_a)
    assert (rating.stars, rating.comment) == (5, "Hay")


def test_ratings_are_1_to_5_on_published_resources_seen_by_others(library, users):
    with pytest.raises(ValidationError) as too_many:
        services.rating_set(actor=users.student_a, resource=library.province_pdf, stars=6)
    assert "stars" in too_many.value.message_dict
    with pytest.raises(ValidationError):
        services.rating_set(actor=users.admin_a, resource=library.submitted_a, stars=3)
    with pytest.raises(PermissionDenied):
        services.rating_set(actor=users.outsider, resource=library.province_pdf, stars=3)
    with pytest.raises(PermissionDenied):
        services.rating_set(actor=users.teacher_a, resource=library.province_pdf, stars=5)
