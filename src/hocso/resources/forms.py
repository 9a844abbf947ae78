"""Forms of the library's contribution and review pages.

The forms check shapes (a number, a choice, a file present); the services check the rules
(permissions, a topic of the chosen subject and grades, the file's real type) and their
ValidationErrors are put back on these forms' fields (core.forms.apply_service_errors), which is
why the field names are the services' keyword names (`upload`, `url`, `poster`, `topics`, …).
"""

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy

from hocso.accounts.models import RoleAssignment
from hocso.accounts.scope import READ_ROLES
from hocso.core.forms import BootstrapMixin
from hocso.curriculum.models import Subject, Topic
from hocso.orgs.models import OrgUnit

from .models import (
    Language,
    Licence,
    ReportReason,
    ReportStatus,
    ResourceType,
    ReviewDecision,
    Sharing,
)

GRADE_CHOICES = [("", gettext_lazy("— Khối —"))] + [(str(g), str(g)) for g in range(1, 13)]
LICENCE_HELP = gettext_lazy(
    "BY: ghi tên tác giả · SA: chia sẻ lại cùng giấy phép · NC: không dùng vào mục đích "
    "thương mại · ND: không sửa đổi · CC0: ai cũng dùng tự do."
)


def max_upload_mb() -> int:
    return int(getattr(settings, "HOCSO_RESOURCE_MAX_UPLOAD_MB", 500))


def topics_for(subject, grade_from, grade_to=None):
    """Topics of `subject` in the grades from–to (one grade when only one is given)."""
    try:
        low = int(grade_from or grade_to)
        high = int(grade_to or grade_from)
        subject = int(subject.pk if isinstance(subject, Subject) else subject)
    except (TypeError, ValueError):
        return Topic.objects.none()
    return (
        Topic.objects.filter(
            grade_subject__subject_id=subject, grade_subject__grade__range=(low, high)
        )
        .select_related("grade_subject")
        .order_by("grade_subject__grade", "order", "code")
    )


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, topic):
        return f"{topic.grade_subject.grade} · {topic.code} · {topic.name}"


class ResourceForm(BootstrapMixin, forms.Form):
    """What a resource says it is: the fields the upload and the edit pages share."""

    title = forms.CharField(label=gettext_lazy("Tiêu đề"), max_length=300)
    description = forms.CharField(
        label=gettext_lazy("Mô tả"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Nội dung, cách dùng trong giờ học, yêu cầu cần đạt."),
    )
    subject = forms.ModelChoiceField(
        label=gettext_lazy("Môn học"),
        queryset=Subject.objects.order_by("sort_order", "code"),
        required=False,
        empty_label=gettext_lazy("— Môn học —"),
    )
    grade_from = forms.TypedChoiceField(
        label=gettext_lazy("Từ khối"), choices=GRADE_CHOICES, coerce=int, empty_value=None,
        required=False,
    )  # fmt: skip
    grade_to = forms.TypedChoiceField(
        label=gettext_lazy("Đến khối"), choices=GRADE_CHOICES, coerce=int, empty_value=None,
        required=False, help_text=gettext_lazy("Để trống nếu học liệu dành cho một khối."),
    )  # fmt: skip
    topics = TopicChoiceField(
        label=gettext_lazy("Chủ đề chương trình"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=gettext_lazy(
            "Chọn môn học và khối để thấy các chủ đề; giữ Ctrl (hoặc chạm trên điện thoại) "
            "để chọn nhiều."
        ),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Ngôn ngữ"), choices=Language.choices, initial=Language.VIETNAMESE
    )
    licence = forms.ChoiceField(
        label=gettext_lazy("Giấy phép"),
        choices=[("", gettext_lazy("— Giấy phép —")), *Licence.choices],
        help_text=LICENCE_HELP,
    )
    authors = forms.CharField(
        label=gettext_lazy("Tác giả"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Tên người hoặc nhóm biên soạn, cách nhau bằng dấu phẩy."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        subject = source.get("subject")
        if isinstance(subject, Subject):
            subject = subject.pk
        self.fields["topics"].queryset = topics_for(
            subject, source.get("grade_from"), source.get("grade_to")
        )
        # htmx reloads the topic options when the subject or a grade changes; without
        # JavaScript the page's "Hiện chủ đề" button re-renders the form (views.py).
        self.fields["topics"].widget.attrs.update(
            {
                "hx-get": reverse("resources:topic-options"),
                "hx-trigger": "change from:#id_subject, change from:#id_grade_from, "
                "change from:#id_grade_to",
                "hx-include": "#id_subject, #id_grade_from, #id_grade_to, #id_topics",
                "hx-swap": "innerHTML",
            }
        )

    def metadata(self) -> dict:
        """The cleaned fields as the services' keyword arguments."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "subject": data["subject"],
            "grade_from": data["grade_from"],
            "grade_to": data["grade_to"],
            "topics": list(data["topics"]),
            "language": data["language"],
            "licence": data["licence"],
            "authors": data["authors"],
        }


def contribution_units(actor):
    """The units the actor contributes in: those of their staff roles (all for a superuser)."""
    if actor.is_superuser:
        return OrgUnit.objects.order_by("path")
    ids = RoleAssignment.objects.filter(user=actor, role__in=READ_ROLES).values("org_unit_id")
    return OrgUnit.objects.filter(pk__in=ids).order_by("path")


def _upload_help():
    return gettext_lazy(
        "Tối đa %(mb)s MB. Tài liệu: PDF, Word (.docx), PowerPoint (.pptx); sách: PDF, EPUB; "
        "video: MP4, WebM; âm thanh: MP3, OGG, WAV, M4A; ảnh: PNG, JPEG, GIF, WebP; SCORM 1.2 "
        "và mô phỏng HTML5: tệp .zip. Loại tệp được kiểm tra theo nội dung."
    ) % {"mb": max_upload_mb()}


class ContentFields(forms.Form):
    """The content of a version, by type: a file, a web address, a video's poster."""

    upload = forms.FileField(label=gettext_lazy("Tệp học liệu"), required=False)
    url = forms.URLField(
        label=gettext_lazy("Địa chỉ liên kết (chỉ cho loại Liên kết web)"),
        max_length=1000,
        required=False,
        assume_scheme="https",
    )
    poster = forms.FileField(
        label=gettext_lazy("Ảnh đại diện (chỉ cho video, không bắt buộc)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=gettext_lazy("Ảnh PNG, JPEG hoặc WebP hiện trước khi video phát."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = _upload_help()
        self.fields["upload"].widget.attrs["data-max-bytes"] = max_upload_mb() * 1024 * 1024

    def content(self) -> dict:
        data = self.cleaned_data
        return {"upload": data["upload"], "url": data["url"], "poster": data["poster"]}


class UploadForm(ContentFields, ResourceForm):
    org_unit = forms.ModelChoiceField(
        label=gettext_lazy("Đơn vị sở hữu"),
        queryset=OrgUnit.objects.none(),
        empty_label=None,
        help_text=gettext_lazy("Người duyệt của đơn vị này sẽ duyệt học liệu."),
    )
    type = forms.ChoiceField(
        label=gettext_lazy("Loại học liệu"),
        choices=[("", gettext_lazy("— Loại —")), *ResourceType.choices],
    )
    submit_for_review = forms.BooleanField(
        label=gettext_lazy("Gửi duyệt ngay (bỏ chọn để lưu bản nháp)"),
        required=False,
        initial=True,
    )

    field_order = [
        "org_unit", "type", "upload", "url", "poster", "title", "description", "subject",
        "grade_from", "grade_to", "topics", "language", "licence", "authors",
        "submit_for_review",
    ]  # fmt: skip

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = contribution_units(actor)
        self.fields["type"].widget.attrs["data-type-select"] = "1"


class VersionForm(BootstrapMixin, ContentFields):
    note = forms.CharField(
        label=gettext_lazy("Ghi chú thay đổi"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Ví dụ: sửa lỗi chính tả trang 3, thêm bài tập."),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=ReviewDecision.choices)
    comment = forms.CharField(required=False, max_length=5000)
    sharing = forms.ChoiceField(choices=Sharing.choices, required=False)


class ReportForm(BootstrapMixin, forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Lý do"), choices=ReportReason.choices)
    text = forms.CharField(
        label=gettext_lazy("Mô tả vấn đề"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportHandleForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(ReportStatus.RESOLVED, ""), (ReportStatus.DISMISSED, "")],
    )
    response = forms.CharField(required=False, max_length=5000)


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(choices=[(str(n), str(n)) for n in range(1, 6)], coerce=int)
    comment = forms.CharField(required=False, max_length=500)
