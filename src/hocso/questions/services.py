"""Every write to the question bank. Each function checks the actor's permission first, validates,
runs in one transaction and writes an audit entry. `actor=None` means the system (command line,
demo generator).

Who may do what. There is no "subject specialist" role in accounts.Role, so review follows the
write scope of the existing roles:
- authors: any staff member (teacher, school admin, officer) writes items in the banks of the
  units they read — a teacher in their school's banks;
- reviewers: whoever may write the item's owning unit — the school admin for a school's items,
  district and province officers above them — approves, requests changes or rejects; nobody
  reviews their own item;
- province-wide sharing: only a province officer of the item's province (or a superuser) may
  approve an item for the whole province (`share_province=True`, or `item_share` later).

Workflow: draft → submitted → approved, or → reviewed (changes requested; the author edits and
submits again), or rejected → retired. Editing content never changes a stored version: it writes
version n+1; editing an item that was submitted, reviewed or approved puts it back to draft (and
to school sharing), so changed content is always reviewed before anyone else uses it. Exams
keep the ItemVersion they used.
"""

import hashlib
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from hocso.accounts.models import Role, RoleAssignment
from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log
from hocso.core import bulk
from hocso.core.text import clean_text, fold
from hocso.curriculum.models import Subject, Topic
from hocso.orgs.models import OrgKind, OrgUnit

from .content import (
    content_from_data,
    data_from_content,
    decimal_text,
    nfc,
    sanitized,
    search_text,
)
from .content import stem_hash as compute_stem_hash
from .interchange import CognitiveLevel, ItemData, Problem, ProblemKind, ReadResult
from .models import (
    Bank,
    Item,
    ItemStatus,
    ItemVersion,
    MediaFile,
    ReviewComment,
    ReviewDecision,
    SharingScope,
)
from .validation import Message, item_problems

# Images in questions are figures, not photographs to archive: a few hundred KB is typical.
IMAGE_MAX_BYTES = 2 * 1024 * 1024
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# What a cognitive-level tag may say: the stored value, or the level's name typed in
# Vietnamese with or without diacritics ("Thông hiểu", "thong hieu").
_LEVEL_ALIASES = {
    **{level.value: level.value for level in CognitiveLevel},
    "biet": CognitiveLevel.BIET.value,
    "hieu": CognitiveLevel.HIEU.value,
    "van dung": CognitiveLevel.VAN_DUNG.value,
    "nhan biet": CognitiveLevel.NHAN_BIET.value,
    "thong hieu": CognitiveLevel.THONG_HIEU.value,
    "van dung cao": CognitiveLevel.VAN_DUNG_CAO.value,
}
KNOWN_TAGS = ("subject", "grade", "topic", "level", "source")
EDITABLE_STATUSES = (
    ItemStatus.DRAFT, ItemStatus.SUBMITTED, ItemStatus.REVIEWED, ItemStatus.APPROVED,
)  # fmt: skip


# --- permissions ------------------------------------------------------------------------------


def can_author_in(actor, bank: Bank) -> bool:
    """Staff who read the bank's unit write items in it (a teacher: their school's banks)."""
    return actor is None or scope_for(actor).covers(bank.org_unit.path)


def can_review(actor, item: Item) -> bool:
    return actor is None or scope_for(actor).covers(item.org_unit.path, write=True)


def can_share_province(actor, unit: OrgUnit) -> bool:
    """A province officer assigned at the province that holds `unit` (or a superuser)."""
    if actor is None or (actor.is_authenticated and actor.is_superuser):
        return True
    if not actor.is_authenticated:
        return False
    paths = RoleAssignment.objects.filter(
        user=actor, role=Role.PROVINCE_OFFICER, org_unit__kind=OrgKind.PROVINCE
    ).values_list("org_unit__path", flat=True)
    return any(unit.path.startswith(path) for path in paths)


def can_edit(actor, item: Item) -> bool:
    """The author (while the item is still in their scope) and the item's reviewers."""
    if actor is None or can_review(actor, item):
        return True
    return (
        actor.is_authenticated
        and item.author_id == actor.pk
        and scope_for(actor).covers(item.org_unit.path)
    )


# --- messages ---------------------------------------------------------------------------------


def message_text(message: Message) -> str:
    text, params = message
    return _(text) % params


def _raise_problems(messages: list[Message], field_name: str = "__all__") -> None:
    if messages:
        raise ValidationError({field_name: [message_text(m) for m in messages]})


# --- images -----------------------------------------------------------------------------------


def image_type(data: bytes) -> str | None:
    """The image's MIME type judged by its content (PNG, JPEG, GIF, WebP), or None.

    SVG is refused on purpose: it is a document that can carry scripts."""
    for signature, content_type in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_problems(name: str, data: bytes) -> list[Message]:
    limit = min(IMAGE_MAX_BYTES, settings.HOCSO_MAX_UPLOAD_BYTES)
    if len(data) > limit:
        return [
            (
                N_("Ảnh %(name)s quá lớn (%(size)s KB; tối đa %(limit)s KB)"),
                {"name": name, "size": len(data) // 1024, "limit": limit // 1024},
            )
        ]
    if image_type(data) is None:
        return [(N_("Tệp %(name)s không phải ảnh PNG, JPEG, GIF hay WebP"), {"name": name})]
    from PIL import Image, UnidentifiedImageError  # fpdf2's dependency; loaded only when needed

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return [(N_("Ảnh %(name)s bị hỏng, không đọc được"), {"name": name})]
    return []


def media_store(*, name: str, data: bytes) -> MediaFile:
    """Store an image (once per content) and return its row; ValidationError when it is not a
    usable image."""
    _raise_problems(image_problems(name, data), "files")
    digest = hashlib.sha256(data).hexdigest()
    existing = MediaFile.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing
    media = MediaFile(
        sha256=digest, content_type=image_type(data), size=len(data), original_name=name[:255]
    )
    media.file.save(f"{digest}{media.extension}", ContentFile(data), save=False)
    media.save()
    return media


def _store_files(data: ItemData) -> dict[str, str]:
    """The item's images by name → SHA-256, stored."""
    return {name: media_store(name=name, data=blob).sha256 for name, blob in data.files.items()}


def _file_digests(data: ItemData) -> dict[str, str]:
    return {name: hashlib.sha256(blob).hexdigest() for name, blob in data.files.items()}


# --- tags -------------------------------------------------------------------------------------


@dataclass
class Tags:
    """An item's tags as the database holds them."""

    subject: Subject | None = None
    grade: int | None = None
    topic: Topic | None = None
    level: str = ""
    source: str = ""
    other: dict[str, str] = field(default_factory=dict)

    def differs_from(self, item: Item) -> bool:
        return (
            item.subject_id != (self.subject.pk if self.subject else None)
            or item.grade != self.grade
            or item.topic_id != (self.topic.pk if self.topic else None)
            or item.level != self.level
            or item.source != self.source
            or item.other_tags != self.other
        )

    def apply(self, item: Item) -> None:
        item.subject, item.grade, item.topic = self.subject, self.grade, self.topic
        item.level, item.source, item.other_tags = self.level, self.source, dict(self.other)


class TagResolver:
    """Turns the text tags of ItemData into Tags, caching the curriculum lookups (an import of
    thousands of items names the same few subjects and topics)."""

    def __init__(self, default_subject: Subject | None = None) -> None:
        self.default_subject = default_subject
        self._subjects: dict[str, Subject | None] = {}
        self._topics: dict[tuple, Topic | None] = {}

    def _subject(self, code: str) -> Subject | None:
        code = code.strip().upper()
        if code not in self._subjects:
            self._subjects[code] = Subject.objects.filter(code=code).first()
        return self._subjects[code]

    def _topic(self, subject: Subject, grade: int, text: str) -> Topic | None:
        """The topic whose code is `text`, else whose name is `text` (diacritics optional)."""
        key = (subject.pk, grade, text)
        if key not in self._topics:
            topics = Topic.objects.filter(
                grade_subject__subject=subject, grade_subject__grade=grade
            )
            by_code = topics.filter(code=text).first()
            by_name = [t for t in topics if fold(t.name) == fold(text)] if by_code is None else []
            self._topics[key] = by_code or (by_name[0] if len(by_name) == 1 else None)
        return self._topics[key]

    def resolve(self, raw: dict[str, str]) -> tuple[Tags, list[Message]]:
        problems: list[Message] = []
        tags = Tags(subject=self.default_subject)
        if clean_text(raw.get("subject")):
            tags.subject = self._subject(raw["subject"])
            if tags.subject is None:
                problems.append((N_("Không có môn học mã %(code)s"), {"code": raw["subject"]}))
        grade_text = clean_text(raw.get("grade"))
        if grade_text:
            if grade_text.isdigit() and 1 <= int(grade_text) <= 12:
                tags.grade = int(grade_text)
            else:
                problems.append((N_("Khối lớp phải từ 1 đến 12: %(value)s"), {"value": grade_text}))
        topic_code = clean_text(raw.get("topic"))
        if topic_code:
            if tags.subject is None or tags.grade is None:
                problems.append(
                    (N_("Chủ đề %(code)s cần kèm môn học và khối lớp"), {"code": topic_code})
                )
            else:
                tags.topic = self._topic(tags.subject, tags.grade, topic_code)
                if tags.topic is None:
                    problems.append(
                        (
                            N_("Môn %(subject)s khối %(grade)s không có chủ đề %(code)s"),
                            {"subject": tags.subject.code, "grade": tags.grade, "code": topic_code},
                        )
                    )
        level_text = clean_text(raw.get("level"))
        if level_text:
            tags.level = _LEVEL_ALIASES.get(fold(level_text).replace("_", " "), "")
            tags.level = tags.level or _LEVEL_ALIASES.get(level_text, "")
            if not tags.level:
                problems.append(
                    (N_("Mức độ nhận thức không hợp lệ: %(value)s"), {"value": level_text})
                )
        tags.source = clean_text(raw.get("source"))[:300]
        tags.other = {k: v for k, v in raw.items() if k not in KNOWN_TAGS}
        return tags, problems


def tags_of(item: Item) -> dict[str, str]:
    """The item's tags as text, the way ItemData carries them."""
    tags = dict(item.other_tags)
    if item.subject_id:
        tags["subject"] = item.subject.code
    if item.grade is not None:
        tags["grade"] = str(item.grade)
    if item.topic_id:
        tags["topic"] = item.topic.code
    if item.level:
        tags["level"] = item.level
    if item.source:
        tags["source"] = item.source
    return tags


def _check_tags(tags: Tags) -> None:
    if tags.topic is not None and (
        tags.topic.grade_subject.subject_id != (tags.subject.pk if tags.subject else None)
        or tags.topic.grade_subject.grade != tags.grade
    ):
        raise ValidationError(
            {"topic": _("Chủ đề phải thuộc đúng môn học và khối lớp của câu hỏi.")}
        )


# --- versions ---------------------------------------------------------------------------------


def item_data(
    item: Item, version: ItemVersion | None = None, *, with_files: bool = True
) -> ItemData:
    """The neutral form of one version of `item` (default: its current version), with the
    item's identity and tags, and its images' bytes unless `with_files=False`."""
    version = version or item.current_version
    data = data_from_content(
        type=item.type, stem=version.stem, points=version.points, content=version.content
    )
    data.name, data.identifier, data.category = item.name, item.identifier, tuple(item.category)
    data.tags = tags_of(item)
    if with_files:
        digests = version.content.get("files", {})
        media = {m.sha256: m for m in MediaFile.objects.filter(sha256__in=digests.values())}
        for name, digest in digests.items():
            with media[digest].file.open("rb") as handle:
                data.files[name] = handle.read()
    return data


def _content(data: ItemData, files: dict[str, str]) -> dict:
    return content_from_data(data) | {"files": files}


def _same_content(version: ItemVersion, data: ItemData, files: dict[str, str]) -> bool:
    return (
        version.stem == data.stem
        and decimal_text(version.points) == decimal_text(data.points)
        and version.content == _content(data, files)
    )


def _same_identity(item: Item, data: ItemData) -> bool:
    return (
        item.name == data.name
        and item.identifier == data.identifier
        and list(item.category) == list(data.category)
    )


def _new_version(
    item: Item, data: ItemData, files: dict[str, str], actor, number: int
) -> ItemVersion:
    return ItemVersion(
        item=item,
        number=number,
        stem=data.stem,
        points=data.points,
        content=_content(data, files),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )


def _set_derived(item: Item, data: ItemData, digest: str | None = None) -> None:
    item.type = data.type
    item.name = clean_text(data.name)[:255]
    item.identifier = clean_text(data.identifier)[:200]
    item.category = list(data.category)
    item.stem_hash = digest or compute_stem_hash(data)
    item.search_text = search_text(data)


def _prepared(data: ItemData) -> ItemData:
    data = sanitized(nfc(data))
    data.name = clean_text(data.name)
    data.identifier = clean_text(data.identifier)
    data.category = tuple(clean_text(c) for c in data.category)
    return data


def _validated(data: ItemData) -> ItemData:
    data = _prepared(data)
    _raise_problems(item_problems(data))
    for name, blob in data.files.items():
        _raise_problems(image_problems(name, blob), "files")
    return data


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


# --- banks ------------------------------------------------------------------------------------


@transaction.atomic
def bank_create(
    *, actor, code: str, name: str, org_unit: OrgUnit, subject: Subject | None = None
) -> Bank:
    """A bank owned by `org_unit`; created by those who administer that unit."""
    if actor is not None and not scope_for(actor).covers(org_unit.path, write=True):
        raise PermissionDenied
    bank = Bank(code=clean_text(code), name=clean_text(name), org_unit=org_unit, subject=subject)
    bank.full_clean()
    bank.save()
    audit_log(actor=actor, action="question_bank.create", obj=bank, org_unit=org_unit)
    return bank


# --- items ------------------------------------------------------------------------------------


@transaction.atomic
def item_create(*, actor, bank: Bank, data: ItemData, tags: Tags | None = None) -> Item:
    """A new draft item in `bank`, owned by the bank's unit, with version 1 of `data`.

    `tags` default to those `data.tags` names (resolved against the curriculum)."""
    if not can_author_in(actor, bank):
        raise PermissionDenied
    data = _validated(data)
    if tags is None:
        tags, problems = TagResolver(bank.subject).resolve(data.tags)
        _raise_problems(problems, "tags")
    _check_tags(tags)
    item = Item(bank=bank, org_unit=bank.org_unit, author=_user(actor))
    _set_derived(item, data)
    tags.apply(item)
    item.full_clean(exclude=["current_version"])
    item.save()
    version = _new_version(item, data, _store_files(data), actor, 1)
    version.full_clean()
    version.save()
    item.current_version = version
    item.save(update_fields=["current_version"])
    audit_log(actor=actor, action="question.create", obj=item, org_unit=item.org_unit, version=1)
    return item


def _reopen(item: Item) -> None:
    """Changed content goes back to review: draft again, shared within the unit only."""
    item.status = ItemStatus.DRAFT
    item.sharing = SharingScope.SCHOOL


@transaction.atomic
def item_update(
    *, actor, item: Item, data: ItemData | None = None, tags: Tags | None = None
) -> Item:
    """Change an item's content (`data`) and/or tags. Content that differs from the current
    version becomes a new version; tags alone change no version and no status. Without `tags`,
    the tags `data.tags` names are applied, and if it names none the item keeps its tags."""
    item = (
        Item.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=item.pk)
    )
    if not can_edit(actor, item):
        raise PermissionDenied
    if item.status not in EDITABLE_STATUSES:
        raise ValidationError(_("Câu hỏi đã ngừng sử dụng, không sửa được."))
    changed: list[str] = []
    new_number = None
    if data is not None:
        data = _validated(data)
        if data.type != item.type:
            raise ValidationError({"type": _("Không đổi được dạng của câu hỏi đã có.")})
        if tags is None and data.tags:
            tags, problems = TagResolver(item.bank.subject).resolve(data.tags)
            _raise_problems(problems, "tags")
        files = _file_digests(data)
        if not _same_content(item.current_version, data, files):
            new_number = item.current_version.number + 1
            version = _new_version(item, data, _store_files(data), actor, new_number)
            version.full_clean()
            version.save()
            item.current_version = version
            if item.status != ItemStatus.DRAFT:
                _reopen(item)
            changed.append("content")
        if not _same_identity(item, data) or new_number is not None:
            _set_derived(item, data)
            changed.append("identity")
    if tags is not None and tags.differs_from(item):
        _check_tags(tags)
        tags.apply(item)
        changed.append("tags")
    if changed:
        item.full_clean(exclude=["current_version"])
        item.save()
        audit_log(
            actor=actor, action="question.update", obj=item, org_unit=item.org_unit,
            changed=changed, version=item.current_version.number,
        )  # fmt: skip
    return item


@transaction.atomic
def item_submit(*, actor, item: Item) -> Item:
    """Send a draft (or an item whose changes were requested) for review."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    if not can_edit(actor, item):
        raise PermissionDenied
    if item.status not in (ItemStatus.DRAFT, ItemStatus.REVIEWED):
        raise ValidationError(_("Chỉ gửi duyệt được bản nháp hoặc câu hỏi đã được yêu cầu sửa."))
    item.status = ItemStatus.SUBMITTED
    item.save(update_fields=["status", "updated_at"])
    audit_log(actor=actor, action="question.submit", obj=item, org_unit=item.org_unit)
    return item


@transaction.atomic
def item_review(
    *, actor, item: Item, decision: str, comment: str = "", share_province: bool = False
) -> ReviewComment:
    """A reviewer's decision on a submitted item: approve (shared within the unit, or with
    the whole province when a province officer says so), request changes (back to the author,
    status "reviewed") or reject (retired). Requesting changes and rejecting need a comment."""
    item = Item.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=item.pk)
    if not can_review(actor, item):
        raise PermissionDenied
    if actor is not None and item.author_id == actor.pk:
        raise PermissionDenied(_("Không tự duyệt câu hỏi của mình."))
    if decision not in ReviewDecision.values:
        raise ValidationError(
            {"decision": _("Quyết định không hợp lệ: %(value)s") % {"value": decision}}
        )
    if item.status != ItemStatus.SUBMITTED:
        raise ValidationError(_("Câu hỏi không ở trạng thái chờ duyệt."))
    comment = (comment or "").strip()
    if decision != ReviewDecision.APPROVE and not comment:
        raise ValidationError({"comment": _("Hãy ghi nhận xét cho tác giả.")})
    if decision == ReviewDecision.APPROVE:
        if share_province and not can_share_province(actor, item.org_unit):
            raise PermissionDenied(_("Chỉ cán bộ Sở mới duyệt câu hỏi dùng chung toàn tỉnh."))
        item.status = ItemStatus.APPROVED
        item.sharing = SharingScope.PROVINCE if share_province else SharingScope.SCHOOL
    elif decision == ReviewDecision.REQUEST_CHANGES:
        item.status = ItemStatus.REVIEWED
    else:
        item.status = ItemStatus.RETIRED
        item.sharing = SharingScope.SCHOOL
    item.save(update_fields=["status", "sharing", "updated_at"])
    review = ReviewComment.objects.create(
        item=item, version_id=item.current_version_id, author=_user(actor), decision=decision,
        text=comment,
    )  # fmt: skip
    audit_log(
        actor=actor, action="question.review", obj=item, org_unit=item.org_unit,
        decision=decision, sharing=item.sharing, version_id=item.current_version_id,
    )  # fmt: skip
    return review


@transaction.atomic
def item_share(*, actor, item: Item, sharing: str) -> Item:
    """Widen an approved item to the whole province (a province officer) or narrow it back to
    its unit (its reviewers)."""
    item = Item.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=item.pk)
    if sharing not in SharingScope.values:
        raise ValidationError(
            {"sharing": _("Phạm vi không hợp lệ: %(value)s") % {"value": sharing}}
        )
    allowed = (
        can_share_province(actor, item.org_unit)
        if sharing == SharingScope.PROVINCE
        else can_review(actor, item)
    )
    if not allowed:
        raise PermissionDenied
    if item.status != ItemStatus.APPROVED:
        raise ValidationError(_("Chỉ câu hỏi đã duyệt mới dùng chung được."))
    if item.sharing != sharing:
        item.sharing = sharing
        item.save(update_fields=["sharing", "updated_at"])
        audit_log(
            actor=actor, action="question.share", obj=item, org_unit=item.org_unit, sharing=sharing
        )
    return item


@transaction.atomic
def item_retire(*, actor, item: Item, comment: str = "") -> Item:
    """Take an item out of use. Its versions stay, so exams that used it still show it. The
    author may retire their own item until it is approved; after that, its reviewers."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    own_unapproved = (
        actor is not None
        and item.author_id == actor.pk
        and item.status != ItemStatus.APPROVED
        and can_edit(actor, item)
    )
    if not (can_review(actor, item) or own_unapproved):
        raise PermissionDenied
    if item.status == ItemStatus.RETIRED:
        return item
    item.status = ItemStatus.RETIRED
    item.sharing = SharingScope.SCHOOL
    item.save(update_fields=["status", "sharing", "updated_at"])
    if comment.strip():
        ReviewComment.objects.create(
            item=item, version_id=item.current_version_id, author=_user(actor), text=comment.strip()
        )
    audit_log(actor=actor, action="question.retire", obj=item, org_unit=item.org_unit)
    return item


# --- import and export ------------------------------------------------------------------------


@dataclass
class ImportSummary:
    """What an import did (or, with problems or a dry run, would have done)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    bank_created: bool = False
    planned: dict[str, int] = field(default_factory=dict)  # counts of the valid items

    @property
    def summary_line(self) -> str:
        return (
            f"created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} rejected={self.rejected}"
        )


@dataclass
class _Planned:
    data: ItemData
    tags: Tags
    where: str
    digest: str
    action: str  # "create", "update", "unchanged"
    item: Item | None = None
    content_changed: bool = False


def _where(data: ItemData, index: int) -> str:
    return data.source or _("câu %(number)s") % {"number": index + 1}


def _import_owner(actor) -> OrgUnit:
    """The province that owns a bank an import creates: the actor's province, else (command
    line) the one province in operation today."""
    if actor is not None and actor.is_authenticated and not actor.is_superuser:
        units = OrgUnit.objects.filter(
            kind=OrgKind.PROVINCE,
            pk__in=RoleAssignment.objects.filter(user=actor, role=Role.PROVINCE_OFFICER).values(
                "org_unit"
            ),
        )
    else:
        today = timezone.localdate()
        units = OrgUnit.objects.filter(kind=OrgKind.PROVINCE).exclude(valid_to__lt=today)
    units = list(units[:2])
    if len(units) != 1:
        raise PermissionDenied(
            _("Không xác định được tỉnh sở hữu ngân hàng mới; hãy tạo ngân hàng trước.")
        )
    return units[0]


class _Index:
    """The bank's items by identifier, by (category, name) and by stem hash."""

    def __init__(self, items) -> None:
        self.by_identifier: dict[str, Item] = {}
        self.by_name: dict[tuple, Item] = {}
        self.by_hash: dict[str, Item] = {}
        for item in items:
            if item.identifier:
                self.by_identifier.setdefault(item.identifier, item)
            if item.name:
                self.by_name.setdefault((tuple(item.category), item.name), item)
            self.by_hash.setdefault(item.stem_hash, item)

    def match(self, data: ItemData, digest: str) -> tuple[Item | None, Item | None]:
        """(the item this one is, the other item it duplicates)."""
        if data.identifier:
            found = self.by_identifier.get(data.identifier)
        elif data.name:
            found = self.by_name.get((tuple(data.category), data.name))
        else:
            found = None
        same_text = self.by_hash.get(digest)
        if found is not None:
            return found, same_text if same_text not in (None, found) else None
        if same_text is None:
            return None, None
        # Same text: the same item unless both carry identities that say otherwise.
        conflicting = (data.identifier and same_text.identifier) or (
            not data.identifier and data.name and same_text.name
        )
        return (None, same_text) if conflicting else (same_text, None)


def _problem(where: str, message: Message, kind=ProblemKind.INVALID) -> Problem:
    text, params = message
    return Problem(kind=kind, where=where, message=text, params=params)


def _plan_import(
    bank: Bank | None, result: ReadResult, resolver: TagResolver
) -> tuple[list[_Planned], list[Problem]]:
    existing = []
    if bank is not None:
        existing = (
            Item.objects.filter(bank=bank)
            .exclude(status=ItemStatus.RETIRED)
            .select_related("current_version")
        )
    index = _Index(existing)
    plans: list[_Planned] = []
    problems: list[Problem] = []
    seen_keys: dict[tuple, str] = {}
    seen_hashes: dict[str, str] = {}
    claimed: dict[int, str] = {}
    for position, raw in enumerate(result.items):
        data = _prepared(raw)
        where = _where(data, position)
        messages = list(item_problems(data))
        for name, blob in data.files.items():
            messages += image_problems(name, blob)
        tags, tag_messages = resolver.resolve(data.tags)
        messages += tag_messages
        digest = compute_stem_hash(data)
        if data.identifier:
            key = ("identifier", data.identifier)
        elif data.name:
            key = ("name", tuple(data.category), data.name)
        else:
            key = ("text", digest)
        earlier = seen_keys.get(key) or seen_hashes.get(digest)
        if earlier is not None:
            messages.append(
                (N_("Câu hỏi trùng với câu hỏi ở %(where)s trong cùng tệp"), {"where": earlier})
            )
        seen_keys.setdefault(key, where)
        seen_hashes.setdefault(digest, where)
        item, duplicate = index.match(data, digest)
        if duplicate is not None:
            messages.append(
                (
                    N_(
                        "Câu hỏi trùng nội dung với câu hỏi #%(id)s «%(name)s» đã có trong ngân hàng"
                    ),
                    {"id": duplicate.pk, "name": duplicate.name or duplicate.stem_hash[:8]},
                )
            )
        if item is not None:
            if item.pk in claimed:
                messages.append(
                    (
                        N_("Câu hỏi trùng với câu hỏi ở %(where)s trong cùng tệp"),
                        {"where": claimed[item.pk]},
                    )
                )
            claimed.setdefault(item.pk, where)
            if item.type != data.type:
                messages.append(
                    (
                        N_("Câu hỏi #%(id)s đã có với dạng khác; không đổi được dạng câu hỏi"),
                        {"id": item.pk},
                    )
                )
        if messages:
            problems += [_problem(where, m) for m in messages]
            continue
        if item is None:
            plans.append(
                _Planned(data=data, tags=tags, where=where, digest=digest, action="create")
            )
            continue
        content_changed = not _same_content(item.current_version, data, _file_digests(data))
        changed = content_changed or not _same_identity(item, data) or tags.differs_from(item)
        plans.append(
            _Planned(
                data=data, tags=tags, where=where, digest=digest, item=item,
                action="update" if changed else "unchanged",
                content_changed=content_changed,
            )
        )  # fmt: skip
    return plans, problems


def _write_import(actor, bank: Bank, plans: list[_Planned]) -> None:
    """Creations in bulk (a 10,000-item file is three statements, not 30,000); updates one by
    one, as item_update does them."""
    author = _user(actor)
    creations = [p for p in plans if p.action == "create"]
    new_items = []
    for plan in creations:
        item = Item(bank=bank, org_unit=bank.org_unit, author=author)
        _set_derived(item, plan.data, plan.digest)
        plan.tags.apply(item)
        new_items.append(item)
    Item.objects.bulk_create(new_items, batch_size=500)
    versions = [
        _new_version(item, plan.data, _store_files(plan.data), actor, 1)
        for item, plan in zip(new_items, creations, strict=True)
    ]
    ItemVersion.objects.bulk_create(versions, batch_size=500)
    # Point the new items at their first versions in one statement (bulk_update would send a
    # CASE of 10,000 branches).
    Item.objects.filter(bank=bank, current_version__isnull=True).update(
        current_version=Subquery(
            ItemVersion.objects.filter(item=OuterRef("pk"), number=1).values("pk")[:1]
        )
    )
    for plan in plans:
        if plan.action != "update":
            continue
        item = plan.item
        if plan.content_changed:
            version = _new_version(
                item, plan.data, _store_files(plan.data), actor, item.current_version.number + 1
            )
            version.save()
            item.current_version = version
            if item.status != ItemStatus.DRAFT:
                _reopen(item)
        _set_derived(item, plan.data, plan.digest)
        plan.tags.apply(item)
        item.save()


def _rejected_count(problems: list[Problem]) -> int:
    return len({p.where for p in problems})


def items_import(
    *, actor, bank_code: str, result: ReadResult, dry_run: bool = False
) -> ImportSummary:
    """Store what a format module read into the bank `bank_code` — all or nothing.

    Any problem (from reading, or found here: invalid content, unknown tags, duplicates) rejects
    the whole file and nothing is written; `rejected` counts the items with problems. A bank
    that does not exist yet is created, owned by the province. Each item is matched to a stored
    one by its identifier, else by its name within its category, else by its normalized text
    (stem hash), so importing the same file again changes nothing. New items are drafts
    authored by the actor; an item whose content changed gets a new version (and, if it had
    been submitted or approved, goes back to draft)."""
    bank_code = clean_text(bank_code)
    bank = Bank.objects.select_related("org_unit", "subject").filter(code=bank_code).first()
    owner = None
    if bank is None:
        owner = _import_owner(actor)
        if actor is not None and not scope_for(actor).covers(owner.path, write=True):
            raise PermissionDenied
    elif not can_author_in(actor, bank):
        raise PermissionDenied
    summary = ImportSummary(problems=list(result.problems))
    with bulk.large_cache(), transaction.atomic():
        plans, problems = _plan_import(bank, result, TagResolver(bank.subject if bank else None))
        summary.problems += problems
        if actor is not None:
            for plan in plans:
                if plan.action == "update" and not can_edit(actor, plan.item):
                    summary.problems.append(
                        _problem(
                            plan.where,
                            (N_("Không có quyền sửa câu hỏi #%(id)s"), {"id": plan.item.pk}),
                        )
                    )
        summary.rejected = _rejected_count(summary.problems)
        summary.planned = {
            action: sum(1 for p in plans if p.action == action)
            for action in ("create", "update", "unchanged")
        }
        if summary.rejected:
            return summary
        summary.created = summary.planned["create"]
        summary.updated = summary.planned["update"]
        summary.unchanged = summary.planned["unchanged"]
        if dry_run:
            return summary
        if bank is None:
            bank = Bank(code=bank_code, name=bank_code, org_unit=owner)
            bank.full_clean()
            bank.save()
            summary.bank_created = True
            audit_log(actor=actor, action="question_bank.create", obj=bank, org_unit=owner)
        _write_import(actor, bank, plans)
        summary.written = True
        audit_log(
            actor=actor, action="question.import", obj=bank, org_unit=bank.org_unit,
            created=summary.created, updated=summary.updated, unchanged=summary.unchanged,
        )  # fmt: skip
    return summary


def items_export(*, actor, bank_code: str) -> list[ItemData]:
    """Every item of the bank the actor may see (retired ones left out), current versions, in
    the order they were added. Written to the audit log."""
    from .selectors import bank_get, items_visible

    bank = bank_get(actor=actor, code=bank_code)
    items = (
        items_visible(actor=actor)
        .filter(bank=bank)
        .exclude(status=ItemStatus.RETIRED)
        .select_related("current_version", "subject", "topic")
        .order_by("pk")
    )
    exported = [item_data(item) for item in items]
    audit_log(
        actor=actor, action="question.export", obj=bank, org_unit=bank.org_unit, count=len(exported)
    )
    return exported
