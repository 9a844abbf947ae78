"""Every write to the resource library. Each function checks the actor's permission first
(resources/access.py), validates (ValidationError with Vietnamese messages keyed by the form
field they concern), runs in one transaction and writes an audit entry. `actor=None` is the
system (command line, demo) and may do everything.

Workflow, as in the question bank: draft → submitted → published (approve, shared within the
owning unit or — a province officer's decision — with the whole province), or → changes
(changes requested; the contributor edits and submits again), or → rejected. Reviewers retire
a resource to take it out of use. Nobody reviews their own resource (the system excepted).

Changed content is reviewed again: a new version, or a change of what the resource says it is
(title, description, …), made by someone who is not one of its reviewers puts a published
resource back to "submitted" and to school sharing until a reviewer approves it again. Simple
on purpose: the resource is not visible to others meanwhile.

Content per type: documents, e-books, images, audio and video are stored as blobs
(files.blob_store: streamed, hashed, type sniffed from the bytes) with a thumbnail and, for
documents, their text for search; SCORM and HTML5 zips are checked and unpacked
(packages.package_unpack) and the zip kept as a PACKAGE blob for download; a link is a URL.
Blobs go to storage before the transaction commits; they are content-addressed and
idempotent, so a rolled-back upload leaves at most an unreferenced blob, never a wrong one.
"""

import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hocso.accounts.services import audit_log
from hocso.core.text import clean_text
from hocso.curriculum.models import Subject, Topic
from hocso.orgs.models import OrgUnit

from . import access
from .indexing import index_resource
from .models import (
    PACKAGE_TYPES,
    FileRole,
    Language,
    Licence,
    Rating,
    Report,
    ReportReason,
    ReportStatus,
    Resource,
    ResourceFile,
    ResourceStatus,
    ResourceType,
    ResourceVersion,
    ReviewComment,
    ReviewDecision,
    Sharing,
)

# Metadata that resource_update changes (content changes go through version_add).
UPDATABLE_FIELDS = (
    "title", "description", "subject", "grade_from", "grade_to", "topics", "language",
    "licence", "authors", "external_id",
)  # fmt: skip
# What a contributor may still change; a rejected or retired resource is closed.
EDITABLE_STATUSES = (
    ResourceStatus.DRAFT, ResourceStatus.SUBMITTED, ResourceStatus.CHANGES_REQUESTED,
    ResourceStatus.PUBLISHED,
)  # fmt: skip
SUBMITTABLE_STATUSES = (ResourceStatus.DRAFT, ResourceStatus.CHANGES_REQUESTED)
# Types whose first page or frame makes a useful thumbnail.
THUMBNAIL_TYPES = frozenset({ResourceType.DOCUMENT, ResourceType.EBOOK, ResourceType.IMAGE})
# The files a contributor gives (the rest are made from them).
GIVEN_ROLES = (FileRole.MAIN, FileRole.PACKAGE, FileRole.POSTER)
TEXT_TYPES = frozenset({ResourceType.DOCUMENT, ResourceType.EBOOK})
_http_url = URLValidator(schemes=["http", "https"])


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _own(actor, resource: Resource) -> bool:
    return actor is not None and actor.is_authenticated and resource.created_by_id == actor.pk


def _locked(resource: Resource) -> Resource:
    return (
        Resource.objects.select_for_update(of=("self",))
        .select_related("org_unit", "current_version")
        .get(pk=resource.pk)
    )


# --- validation -------------------------------------------------------------------------------


def _choice(field: str, value, choices, label: str) -> str:
    if value not in choices.values:
        raise ValidationError(
            {field: _("%(label)s không hợp lệ: “%(value)s”.") % {"label": label, "value": value}}
        )
    return value


def _grade(field: str, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        grade = int(value)
    except (TypeError, ValueError):
        grade = 0
    if not 1 <= grade <= 12:
        raise ValidationError(
            {field: _("Khối phải từ 1 đến 12, không phải “%(value)s”.") % {"value": value}}
        )
    return grade


def _grades(grade_from, grade_to) -> tuple[int | None, int | None]:
    """One grade given means that grade alone; both must be in order."""
    grade_from, grade_to = _grade("grade_from", grade_from), _grade("grade_to", grade_to)
    if grade_from is None:
        grade_from = grade_to
    if grade_to is None:
        grade_to = grade_from
    if grade_from is not None and grade_from > grade_to:
        raise ValidationError(
            {
                "grade_to": _("“Đến khối” (%(to)s) phải không nhỏ hơn “Từ khối” (%(from)s).")
                % {"to": grade_to, "from": grade_from}
            }
        )
    return grade_from, grade_to


def _subject(value) -> Subject | None:
    if value in (None, ""):
        return None
    if isinstance(value, Subject):
        return value
    subject = Subject.objects.filter(pk=value).first() if str(value).isdigit() else None
    subject = subject or Subject.objects.filter(code=str(value)).first()
    if subject is None:
        raise ValidationError({"subject": _("Không có môn học “%(value)s”.") % {"value": value}})
    return subject


def _topics(topics, subject: Subject | None, grade_from, grade_to) -> list[Topic]:
    """The topics, each of the resource's subject and within its grades."""
    topics = [
        topic if isinstance(topic, Topic) else Topic.objects.filter(pk=topic).first()
        for topic in topics or ()
    ]
    if any(topic is None for topic in topics):
        raise ValidationError({"topics": _("Có chủ đề không tồn tại.")})
    for topic in Topic.objects.filter(pk__in=[t.pk for t in topics]).select_related(
        "grade_subject__subject"
    ):
        grade_subject = topic.grade_subject
        if subject is None or grade_subject.subject_id != subject.pk:
            raise ValidationError(
                {
                    "topics": _("Chủ đề “%(topic)s” không thuộc môn học đã chọn.")
                    % {"topic": topic.name}
                }
            )
        if grade_from is None or not grade_from <= grade_subject.grade <= grade_to:
            raise ValidationError(
                {
                    "topics": _("Chủ đề “%(topic)s” thuộc khối %(grade)s, ngoài các khối đã chọn.")
                    % {"topic": topic.name, "grade": grade_subject.grade}
                }
            )
    return topics


def _title(value) -> str:
    title = clean_text(value)
    if not title:
        raise ValidationError({"title": _("Hãy nhập tiêu đề của học liệu.")})
    return title


# --- content ----------------------------------------------------------------------------------


def _name_of(upload) -> str:
    return os.path.basename(str(getattr(upload, "name", "") or "")) or "tep"


def _seekable(upload) -> bool:
    try:
        return bool(upload.seekable())
    except (AttributeError, OSError, ValueError):
        return hasattr(upload, "chunks")  # Django's UploadedFile


def _rewind(upload) -> None:
    if _seekable(upload):
        upload.seek(0)


def _store(upload, *, field: str, accept):
    """Store an upload as a blob; the files module's refusal becomes an error on `field`."""
    from . import files

    _rewind(upload)
    try:
        return files.blob_store(upload, original_name=_name_of(upload), accept=accept)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _thumbnail(blob):
    """A thumbnail blob made from `blob`, or None (making one never fails an upload)."""
    from . import files

    try:
        data = files.make_thumbnail(blob)
    except Exception:  # a broken file has no thumbnail; the upload itself was accepted
        return None
    if not data:
        return None
    return files.blob_store_bytes(data, original_name="thumbnail.png", content_type="image/png")


class _Content:
    """What a new version holds, worked out (and stored) before the version row is written."""

    def __init__(self):
        self.url = ""
        self.package_root = ""
        self.launch_path = ""
        self.manifest: dict = {}
        self.extracted_text = ""
        self.files: list[tuple[str, object]] = []  # (role, StoredBlob)

    @property
    def key(self) -> tuple:
        """What identifies the content (to tell a repeated upload from a new one); thumbnails
        are derived from it, so they do not count."""
        return (
            self.url,
            tuple(sorted((role, blob.sha256) for role, blob in self.files if role in GIVEN_ROLES)),
        )


def _content(type: str, *, upload, url: str, poster) -> _Content:
    from . import files

    content = _Content()
    if type == ResourceType.LINK:
        url = (url or "").strip()
        if not url:
            raise ValidationError({"url": _("Học liệu loại liên kết cần địa chỉ web (URL).")})
        try:
            _http_url(url)
        except ValidationError:
            raise ValidationError(
                {
                    "url": _(
                        "Địa chỉ “%(value)s” không hợp lệ: cần bắt đầu bằng http:// hoặc https://."
                    )
                    % {"value": url[:200]}
                }
            ) from None
        content.url = url
        return content
    if upload is None:
        raise ValidationError({"upload": _("Hãy chọn tệp học liệu để tải lên.")})
    accept = files.ACCEPTED_TYPES.get(type)
    blob = _store(upload, field="upload", accept=accept)
    if type in PACKAGE_TYPES:
        from . import packages

        try:
            if _seekable(upload):
                _rewind(upload)
                unpacked = packages.package_unpack(upload, kind=str(type))
            else:  # a stream read once by blob_store: unpack the stored copy
                with default_storage.open(blob.storage_name, "rb") as stored:
                    unpacked = packages.package_unpack(stored, kind=str(type))
        except ValidationError as exc:
            raise ValidationError({"upload": exc.messages}) from None
        content.package_root = unpacked.root
        content.launch_path = unpacked.launch_path
        content.manifest = unpacked.manifest or {}
        content.files.append((FileRole.PACKAGE, blob))
        return content
    content.files.append((FileRole.MAIN, blob))
    if type in TEXT_TYPES:
        try:
            content.extracted_text = files.extract_text(blob) or ""
        except Exception:  # extraction is best effort: search simply knows less
            content.extracted_text = ""
    thumbnail_source = blob if type in THUMBNAIL_TYPES else None
    if poster is not None and type == ResourceType.VIDEO:
        poster_blob = _store(poster, field="poster", accept=files.ACCEPTED_TYPES["image"])
        content.files.append((FileRole.POSTER, poster_blob))
        thumbnail_source = poster_blob
    if thumbnail_source is not None:
        thumbnail = _thumbnail(thumbnail_source)
        if thumbnail is not None:
            content.files.append((FileRole.THUMBNAIL, thumbnail))
    return content


def _version_write(resource: Resource, content: _Content, *, actor, number: int, note: str):
    version = ResourceVersion(
        resource=resource,
        number=number,
        note=clean_text(note)[:300],
        url=content.url,
        package_root=content.package_root,
        launch_path=content.launch_path,
        manifest=content.manifest,
        extracted_text=content.extracted_text,
        created_by=_user(actor),
    )
    version.full_clean()
    version.save()
    for role, blob in content.files:
        ResourceFile.objects.create(
            version=version,
            role=role,
            sha256=blob.sha256,
            storage_name=blob.storage_name,
            size=blob.size,
            content_type=blob.content_type or "application/octet-stream",
            original_name=(blob.original_name or "")[:255],
        )
    return version


def _current_key(resource: Resource) -> tuple | None:
    version = resource.current_version
    if version is None:
        return None
    return (
        version.url,
        tuple(sorted(version.files.filter(role__in=GIVEN_ROLES).values_list("role", "sha256"))),
    )


def _reopen_if_needed(actor, resource: Resource) -> bool:
    """A published resource changed by someone who could not have published it as it stands
    goes back to review (see the module): a non-reviewer; its own contributor (nobody reviews
    their own work); or, for a province-wide one, anyone but a province officer."""
    if resource.status != ResourceStatus.PUBLISHED or access.is_system(actor):
        return False
    may_publish = access.can_review(actor, resource) and resource.created_by_id != actor.pk
    if resource.sharing == Sharing.PROVINCE:
        may_publish = may_publish and access.can_share_province(actor, resource.org_unit)
    if may_publish:
        return False
    resource.status = ResourceStatus.SUBMITTED
    resource.sharing = Sharing.SCHOOL
    return True


# --- resources --------------------------------------------------------------------------------


@transaction.atomic
def resource_create(
    *,
    actor,
    org_unit: OrgUnit,
    type: str,
    title: str,
    licence: str,
    description: str = "",
    subject=None,
    grade_from=None,
    grade_to=None,
    topics=(),
    language: str = Language.VIETNAMESE,
    authors: str = "",
    upload=None,
    url: str = "",
    poster=None,
    external_id: str | None = None,
    submit: bool = False,
) -> Resource:
    """A new resource owned by `org_unit` with version 1 of its content: a draft, or submitted
    for review when `submit`. `upload` is a Django UploadedFile or a binary file with `.name`."""
    if not access.can_contribute_in(actor, org_unit):
        raise PermissionDenied
    _choice("type", type, ResourceType, _("Loại học liệu"))
    _choice("licence", licence, Licence, _("Giấy phép"))
    _choice("language", language, Language, _("Ngôn ngữ"))
    subject = _subject(subject)
    grade_from, grade_to = _grades(grade_from, grade_to)
    topics = _topics(topics, subject, grade_from, grade_to)
    resource = Resource(
        title=_title(title),
        description=_description(description),
        type=type,
        subject=subject,
        grade_from=grade_from,
        grade_to=grade_to,
        language=language,
        licence=licence,
        authors=clean_text(authors),
        org_unit=org_unit,
        created_by=_user(actor),
        status=ResourceStatus.SUBMITTED if submit else ResourceStatus.DRAFT,
        external_id=clean_text(external_id) or None,
    )
    resource.full_clean(exclude=["current_version"])
    content = _content(type, upload=upload, url=url, poster=poster)
    resource.save()
    resource.current_version = _version_write(resource, content, actor=actor, number=1, note="")
    resource.save(update_fields=["current_version"])
    resource.topics.set(topics)
    index_resource(resource)
    audit_log(
        actor=actor, action="resource.create", obj=resource, org_unit=org_unit,
        type=type, status=resource.status,
    )  # fmt: skip
    return resource


def _description(value) -> str:
    """NFC and trimmed, keeping the paragraphs the contributor typed."""
    lines = [clean_text(line) for line in str(value or "").replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


@transaction.atomic
def resource_update(*, actor, resource: Resource, **fields) -> Resource:
    """Change what the resource says it is (title, description, subject, grades, topics,
    language, licence, authors, external_id). The content stays (see version_add)."""
    unknown = sorted(set(fields) - set(UPDATABLE_FIELDS))
    if unknown:
        raise TypeError(f"resource_update() got unexpected fields: {', '.join(unknown)}")
    resource = _locked(resource)
    if not access.can_edit(actor, resource):
        raise PermissionDenied
    if resource.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("Học liệu ở trạng thái “%(status)s” không sửa được.")
            % {"status": resource.get_status_display()}
        )
    before = {name: getattr(resource, name) for name in UPDATABLE_FIELDS if name != "topics"}
    before_topics = set(resource.topics.values_list("pk", flat=True))
    if "title" in fields:
        resource.title = _title(fields["title"])
    if "description" in fields:
        resource.description = _description(fields["description"])
    if "authors" in fields:
        resource.authors = clean_text(fields["authors"])
    if "licence" in fields:
        resource.licence = _choice("licence", fields["licence"], Licence, _("Giấy phép"))
    if "language" in fields:
        resource.language = _choice("language", fields["language"], Language, _("Ngôn ngữ"))
    if "external_id" in fields:
        resource.external_id = clean_text(fields["external_id"]) or None
    if "subject" in fields:
        resource.subject = _subject(fields["subject"])
    if "grade_from" in fields or "grade_to" in fields:
        resource.grade_from, resource.grade_to = _grades(
            fields.get("grade_from", resource.grade_from), fields.get("grade_to", resource.grade_to)
        )
    topics = fields.get("topics")
    if topics is None:
        topics = list(resource.topics.all())
    topics = _topics(topics, resource.subject, resource.grade_from, resource.grade_to)
    changed = [name for name, value in before.items() if getattr(resource, name) != value] + (
        ["topics"] if {t.pk for t in topics} != before_topics else []
    )
    if not changed:
        return resource
    reopened = _reopen_if_needed(actor, resource)
    resource.full_clean(exclude=["current_version"])
    resource.save()
    resource.topics.set(topics)
    index_resource(resource)
    audit_log(
        actor=actor, action="resource.update", obj=resource, org_unit=resource.org_unit,
        changed=changed, reopened=reopened,
    )  # fmt: skip
    return resource


@transaction.atomic
def version_add(
    *, actor, resource: Resource, upload=None, url: str = "", poster=None, note: str = ""
) -> ResourceVersion:
    """Replace the content: a new version becomes the current one (earlier versions stay, so
    learners' SCORM progress and reports keep pointing at what they saw). The same content as
    the current version writes nothing and returns the current version."""
    resource = _locked(resource)
    if not access.can_edit(actor, resource):
        raise PermissionDenied
    if resource.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("Học liệu ở trạng thái “%(status)s” không thêm phiên bản được.")
            % {"status": resource.get_status_display()}
        )
    content = _content(resource.type, upload=upload, url=url, poster=poster)
    if content.key == _current_key(resource):
        return resource.current_version
    number = (resource.versions.order_by("-number").values_list("number", flat=True).first()) or 0
    version = _version_write(resource, content, actor=actor, number=number + 1, note=note)
    resource.current_version = version
    reopened = _reopen_if_needed(actor, resource)
    resource.save(update_fields=["current_version", "status", "sharing", "updated_at"])
    index_resource(resource)
    audit_log(
        actor=actor, action="resource.version_add", obj=resource, org_unit=resource.org_unit,
        version=version.number, reopened=reopened,
    )  # fmt: skip
    return version


@transaction.atomic
def resource_submit(*, actor, resource: Resource) -> Resource:
    """Send a draft (or a resource whose changes were requested) for review."""
    resource = _locked(resource)
    if not access.can_edit(actor, resource):
        raise PermissionDenied
    if resource.status not in SUBMITTABLE_STATUSES:
        raise ValidationError(
            _("Chỉ gửi duyệt được bản nháp hoặc học liệu đã được yêu cầu chỉnh sửa.")
        )
    resource.status = ResourceStatus.SUBMITTED
    resource.save(update_fields=["status", "updated_at"])
    audit_log(actor=actor, action="resource.submit", obj=resource, org_unit=resource.org_unit)
    return resource


@transaction.atomic
def resource_review(
    *, actor, resource: Resource, decision: str, comment: str = "", sharing: str = Sharing.SCHOOL
) -> ReviewComment:
    """A reviewer's decision on a submitted resource: approve (published, shared within the
    owning unit or, by a province officer, with the whole province), request changes or
    reject. Asking for changes and rejecting need a comment for the contributor."""
    resource = _locked(resource)
    if not access.can_review(actor, resource):
        raise PermissionDenied
    if _own(actor, resource) and not access.is_system(actor):
        raise PermissionDenied(_("Không tự duyệt học liệu của mình."))
    _choice("decision", decision, ReviewDecision, _("Quyết định"))
    if resource.status != ResourceStatus.SUBMITTED:
        raise ValidationError(_("Học liệu không ở trạng thái chờ duyệt."))
    comment = (comment or "").strip()
    if decision != ReviewDecision.APPROVE and not comment:
        raise ValidationError({"comment": _("Hãy ghi nhận xét cho người đóng góp.")})
    if decision == ReviewDecision.APPROVE:
        _choice("sharing", sharing, Sharing, _("Phạm vi chia sẻ"))
        if sharing == Sharing.PROVINCE and not access.can_share_province(actor, resource.org_unit):
            raise PermissionDenied(_("Chỉ cán bộ Sở mới duyệt học liệu dùng chung toàn tỉnh."))
        resource.status = ResourceStatus.PUBLISHED
        resource.sharing = sharing
        resource.published_at = timezone.now()
    elif decision == ReviewDecision.REQUEST_CHANGES:
        resource.status = ResourceStatus.CHANGES_REQUESTED
        resource.sharing = Sharing.SCHOOL
    else:
        resource.status = ResourceStatus.REJECTED
        resource.sharing = Sharing.SCHOOL
    resource.save(update_fields=["status", "sharing", "published_at", "updated_at"])
    review = ReviewComment.objects.create(
        resource=resource, version_id=resource.current_version_id, author=_user(actor),
        decision=decision, text=comment,
    )  # fmt: skip
    audit_log(
        actor=actor, action="resource.review", obj=resource, org_unit=resource.org_unit,
        decision=decision, sharing=resource.sharing, version_id=resource.current_version_id,
    )  # fmt: skip
    return review


@transaction.atomic
def resource_share(*, actor, resource: Resource, sharing: str) -> Resource:
    """Widen a published resource to the whole province (a province officer) or narrow it back
    to its unit (its reviewers)."""
    resource = _locked(resource)
    _choice("sharing", sharing, Sharing, _("Phạm vi chia sẻ"))
    allowed = (
        access.can_share_province(actor, resource.org_unit)
        if sharing == Sharing.PROVINCE
        else access.can_review(actor, resource)
    )
    if not allowed:
        raise PermissionDenied
    if resource.status != ResourceStatus.PUBLISHED:
        raise ValidationError(_("Chỉ học liệu đã xuất bản mới dùng chung được."))
    if resource.sharing != sharing:
        resource.sharing = sharing
        resource.save(update_fields=["sharing", "updated_at"])
        audit_log(
            actor=actor, action="resource.share", obj=resource, org_unit=resource.org_unit,
            sharing=sharing,
        )  # fmt: skip
    return resource


@transaction.atomic
def resource_retire(*, actor, resource: Resource, comment: str = "") -> Resource:
    """Take a resource out of use (its reviewers). Versions, tracks and usage stay."""
    resource = _locked(resource)
    if not access.can_review(actor, resource):
        raise PermissionDenied
    if resource.status == ResourceStatus.RETIRED:
        return resource
    resource.status = ResourceStatus.RETIRED
    resource.sharing = Sharing.SCHOOL
    resource.save(update_fields=["status", "sharing", "updated_at"])
    if (comment or "").strip():
        ReviewComment.objects.create(
            resource=resource, version_id=resource.current_version_id, author=_user(actor),
            text=comment.strip(),
        )  # fmt: skip
    audit_log(actor=actor, action="resource.retire", obj=resource, org_unit=resource.org_unit)
    return resource


# --- reports and ratings ----------------------------------------------------------------------


def _visible(actor, resource: Resource) -> bool:
    return access.resources_visible(actor).filter(pk=resource.pk).exists()


@transaction.atomic
def report_create(*, actor, resource: Resource, reason: str, text: str = "") -> Report:
    """Anyone who sees a resource may report it as broken or wrong; its reviewers handle it."""
    if not _visible(actor, resource):
        raise PermissionDenied
    _choice("reason", reason, ReportReason, _("Lý do"))
    text = (text or "").strip()
    if reason == ReportReason.OTHER and not text:
        raise ValidationError({"text": _("Hãy mô tả vấn đề khi chọn “Lý do khác”.")})
    report = Report(
        resource=resource, version_id=resource.current_version_id, reporter=_user(actor),
        reason=reason, text=text,
    )  # fmt: skip
    report.full_clean()
    report.save()
    audit_log(
        actor=actor, action="resource.report", obj=report, org_unit=resource.org_unit,
        resource_id=resource.pk, reason=reason,
    )  # fmt: skip
    return report


@transaction.atomic
def report_handle(*, actor, report: Report, status: str, response: str = "") -> Report:
    """A reviewer closes a report: resolved, or dismissed (with a response saying why)."""
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("resource__org_unit")
        .get(pk=report.pk)
    )
    if not access.can_review(actor, report.resource):
        raise PermissionDenied
    if status not in (ReportStatus.RESOLVED, ReportStatus.DISMISSED):
        raise ValidationError(
            {"status": _("Kết quả xử lý không hợp lệ: “%(value)s”.") % {"value": status}}
        )
    if report.status != ReportStatus.OPEN:
        raise ValidationError(_("Báo lỗi này đã được xử lý."))
    response = (response or "").strip()
    if status == ReportStatus.DISMISSED and not response:
        raise ValidationError({"response": _("Hãy ghi phản hồi cho người báo lỗi.")})
    report.status = status
    report.response = response
    report.handled_by = _user(actor)
    report.handled_at = timezone.now()
    report.save(update_fields=["status", "response", "handled_by", "handled_at"])
    audit_log(
        actor=actor, action="resource.report_handle", obj=report,
        org_unit=report.resource.org_unit, status=status,
    )  # fmt: skip
    return report


@transaction.atomic
def rating_set(*, actor, resource: Resource, stars, comment: str = "") -> Rating:
    """A user's 1–5 stars for a published resource they see; rating again replaces it."""
    if actor is None or not actor.is_authenticated or not _visible(actor, resource):
        raise PermissionDenied
    if resource.status != ResourceStatus.PUBLISHED:
        raise ValidationError(_("Chỉ đánh giá được học liệu đã xuất bản."))
    if _own(actor, resource):
        raise PermissionDenied(_("Không tự đánh giá học liệu của mình."))
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ValidationError({"stars": _("Số sao phải từ 1 đến 5.")})
    comment = clean_text(comment)
    if len(comment) > 500:
        raise ValidationError({"comment": _("Nhận xét tối đa 500 ký tự.")})
    rating, _created = Rating.objects.update_or_create(
        resource=resource, user=actor, defaults={"stars": stars, "comment": comment}
    )
    return rating
