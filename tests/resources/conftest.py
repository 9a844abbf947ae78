"""Library fixtures built straight on the models, so every module of the app can be tested
without the others.

`library` (SimpleNamespace):
- math / literature (Subject), math6 / literature6 (GradeSubject: Toán 6, Ngữ văn 6);
  math_topics: three flat topics T1..T3 of Toán 6; literature_topics: two of Ngữ văn 6;
- province_pdf: PUBLISHED, shared PROVINCE, owned by school A, by teacher_a, a PDF "Phân số và
  số thập phân" aligned to math topic 1;
- school_c_video: PUBLISHED, shared SCHOOL, owned by school C (an MP4);
- draft_a: DRAFT by teacher_a at school A (a DOCX);
- submitted_a: SUBMITTED by teacher_a at school A (a PNG image), aligned to math topic 2.
Files are written to a per-test MEDIA_ROOT under tmp_path.
"""

import hashlib
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from hocso.core.text import fold
from hocso.curriculum.models import GradeSubject, Subject, Topic
from hocso.resources.models import (
    FileRole,
    Licence,
    Resource,
    ResourceFile,
    ResourceStatus,
    ResourceType,
    ResourceVersion,
    Sharing,
)

from . import samples


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def blob_name(sha256: str) -> str:
    """Where a blob lives in storage (the contract of resources/files.py)."""
    return f"resources/blobs/{sha256[:2]}/{sha256}"


def make_resource(
    *,
    title,
    org_unit,
    type=ResourceType.DOCUMENT,
    data: bytes | None = None,
    content_type="application/pdf",
    original_name="tai-lieu.pdf",
    status=ResourceStatus.DRAFT,
    sharing=Sharing.SCHOOL,
    created_by=None,
    subject=None,
    grades=(None, None),
    topics=(),
    description="",
    extracted_text="",
) -> Resource:
    resource = Resource.objects.create(
        title=title,
        description=description,
        type=type,
        subject=subject,
        grade_from=grades[0],
        grade_to=grades[1],
        licence=Licence.CC_BY,
        org_unit=org_unit,
        created_by=created_by,
        status=status,
        sharing=sharing,
        published_at=timezone.now() if status == ResourceStatus.PUBLISHED else None,
        search_title=fold(title),
        search_body=fold(f"{description} {extracted_text}"),
    )
    version = ResourceVersion.objects.create(
        resource=resource, number=1, created_by=created_by, extracted_text=extracted_text
    )
    if data is not None:
        sha = hashlib.sha256(data).hexdigest()
        name = blob_name(sha)
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(data))
        ResourceFile.objects.create(
            version=version,
            role=FileRole.MAIN,
            sha256=sha,
            storage_name=name,
            size=len(data),
            content_type=content_type,
            original_name=original_name,
        )
    resource.current_version = version
    resource.save(update_fields=["current_version"])
    if topics:
        resource.topics.set(topics)
    return resource


def _topics(grade_subject, names):
    return [
        Topic.objects.create(grade_subject=grade_subject, code=f"T{i}", name=name, order=i)
        for i, name in enumerate(names, start=1)
    ]


@pytest.fixture
def library(tree, users):
    math = Subject.objects.get(code="TOAN")
    literature = Subject.objects.get(code="NV")
    math6 = GradeSubject.objects.get(grade=6, subject=math)
    literature6 = GradeSubject.objects.get(grade=6, subject=literature)
    math_topics = _topics(math6, ["Số tự nhiên", "Phân số", "Hình học trực quan"])
    literature_topics = _topics(literature6, ["Truyện đồng thoại", "Thơ lục bát"])
    province_pdf = make_resource(
        title="Phân số và số thập phân",
        description="Bài giảng điện tử về phân số cho học sinh lớp 6.",
        org_unit=tree.school_a,
        data=samples.pdf_bytes("Phân số và số thập phân"),
        status=ResourceStatus.PUBLISHED,
        sharing=Sharing.PROVINCE,
        created_by=users.teacher_a,
        subject=math,
        grades=(6, 6),
        topics=[math_topics[0]],
        extracted_text="Phân số và số thập phân",
    )
    school_c_video = make_resource(
        title="Thí nghiệm đo điện trở",
        type=ResourceType.VIDEO,
        org_unit=tree.school_c,
        data=samples.mp4_bytes(),
        content_type="video/mp4",
        original_name="dien-tro.mp4",
        status=ResourceStatus.PUBLISHED,
        sharing=Sharing.SCHOOL,
        created_by=users.admin_c,
        grades=(11, 11),
    )
    draft_a = make_resource(
        title="Phiếu học tập Ngữ văn",
        org_unit=tree.school_a,
        data=samples.docx_bytes("Thơ lục bát"),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        original_name="phieu.docx",
        created_by=users.teacher_a,
        subject=literature,
        grades=(6, 6),
    )
    submitted_a = make_resource(
        title="Sơ đồ phân số",
        type=ResourceType.IMAGE,
        org_unit=tree.school_a,
        data=samples.png_bytes(),
        content_type="image/png",
        original_name="so-do.png",
        status=ResourceStatus.SUBMITTED,
        created_by=users.teacher_a,
        subject=math,
        grades=(6, 6),
        topics=[math_topics[1]],
    )
    return SimpleNamespace(
        math=math, literature=literature, math6=math6, literature6=literature6,
        math_topics=math_topics, literature_topics=literature_topics,
        province_pdf=province_pdf, school_c_video=school_c_video,
        draft_a=draft_a, submitted_a=submitted_a,
    )  # fmt: skip
