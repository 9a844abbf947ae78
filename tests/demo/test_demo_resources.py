"""The demo library (hocso/demo/resources.py): what `hocso seed-demo` puts in it — the project's
SCORM lesson and HTML5 simulation unpacked and playable, PDF lessons with searchable text,
reviews in every state, partial curriculum coverage, usage and ratings."""

import io
import re
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.db.models import F
from django.test import override_settings

from hocso.accounts.models import User
from hocso.demo.accounts import PEOPLE_SCHOOL, PROVINCE_OFFICER, TEACHER
from hocso.demo.data.geography import SUCCESSOR_CODE
from hocso.demo.resources import (
    CATALOGUE,
    CHANGES,
    DRAFT,
    PROVINCE,
    SCHOOL,
    SCORM_DIR,
    SIM_DIR,
    SUBMITTED,
    ensure_topics,
    folder_zip,
    lesson_pdf,
    scorm_package,
    simulation_package,
)
from hocso.orgs.models import OrgUnit
from hocso.resources.access import resources_reviewable
from hocso.resources.coverage import coverage_total
from hocso.resources.models import (
    Rating,
    Resource,
    ResourceStatus,
    ResourceType,
    ReviewDecision,
    Sharing,
    UsageCount,
    UsageKind,
)
from hocso.resources.packages import parse_manifest

pytestmark = pytest.mark.django_db
DEMO_GRADES = False  # the library does not depend on the grade books

STATUS_OF = {
    PROVINCE: ResourceStatus.PUBLISHED,
    SCHOOL: ResourceStatus.PUBLISHED,
    SUBMITTED: ResourceStatus.SUBMITTED,
    CHANGES: ResourceStatus.CHANGES_REQUESTED,
    DRAFT: ResourceStatus.DRAFT,
}


@pytest.fixture(scope="module", autouse=True)
def _media_root(tmp_path_factory):
    """The demo's blobs and unpacked packages go to a temporary storage, not var/media.
    Module-scoped and autouse, so it is in place before the module's `demo` load."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media")):
        yield


def _by_key() -> dict[str, Resource]:
    rows = Resource.objects.filter(external_id__startswith="DEMO-").select_related(
        "current_version"
    )
    return {r.external_id.removeprefix("DEMO-"): r for r in rows}


def test_every_catalogue_resource_is_loaded_with_its_review_outcome(demo):
    resources = _by_key()
    assert set(resources) == {spec.key for spec in CATALOGUE}
    for spec in CATALOGUE:
        resource = resources[spec.key]
        assert resource.status == STATUS_OF[spec.outcome], spec.key
        expected = Sharing.PROVINCE if spec.outcome == PROVINCE else Sharing.SCHOOL
        assert resource.sharing == expected, spec.key
    assert 40 <= len(resources) <= 80
    assert "Kho học liệu số" in demo.output


def test_the_demo_teacher_contributes_and_a_reviewer_asked_for_changes(demo):
    teacher = User.objects.get(username=TEACHER)
    mine = Resource.objects.filter(created_by=teacher)
    assert mine.count() >= 15
    assert set(mine.values_list("org_unit__name", flat=True)) == {PEOPLE_SCHOOL}
    sent_back = Resource.objects.get(status=ResourceStatus.CHANGES_REQUESTED)
    comment = sent_back.comments.get(decision=ReviewDecision.REQUEST_CHANGES)
    assert comment.text and comment.author.username != TEACHER


def test_the_officers_review_queue_is_not_empty(demo):
    officer = User.objects.get(username=PROVINCE_OFFICER)
    waiting = resources_reviewable(officer).filter(status=ResourceStatus.SUBMITTED)
    assert waiting.count() >= 5


def test_the_scorm_lesson_is_unpacked_with_a_valid_manifest(demo):
    resource = Resource.objects.get(type=ResourceType.SCORM)
    version = resource.current_version
    assert resource.status == ResourceStatus.PUBLISHED and resource.sharing == Sharing.PROVINCE
    assert version.launch_path == "index.html"
    for name in ("index.html", "app.js", "style.css", "imsmanifest.xml"):
        assert default_storage.exists(version.package_root + name), name
    with zipfile.ZipFile(io.BytesIO(scorm_package())) as zf:
        manifest = parse_manifest(zf.read("imsmanifest.xml"), names=zf.namelist())
    assert manifest.schema_version == "1.2"
    assert manifest.title == "Phân số – Toán 6"
    assert [href for _id, href in manifest.scos] == ["index.html"]


def test_the_simulation_is_an_html5_package_with_a_canvas(demo):
    resource = Resource.objects.get(type=ResourceType.HTML5)
    version = resource.current_version
    assert version.launch_path == "index.html"
    page = default_storage.open(version.package_root + "index.html").read().decode()
    assert "<canvas" in page and 'lang="vi"' in page
    assert sorted(resource.topics.values_list("code", flat=True)) == ["KHTN8.DIEN", "KHTN9.DIEN"]


def test_the_pdf_lessons_have_searchable_text(demo):
    resource = _by_key()["toan6-tap-hop"]
    assert "phần tử của tập hợp" in resource.current_version.extracted_text
    assert "tap hop" in resource.search_title


def test_coverage_is_partial_for_the_province_and_the_demo_school(demo):
    for unit in (
        OrgUnit.objects.get(code=SUCCESSOR_CODE),
        OrgUnit.objects.get(name=PEOPLE_SCHOOL),
    ):
        topics, covered = coverage_total(org_unit=unit)
        assert topics >= 100
        assert 0.30 <= covered / topics <= 0.60, (unit.name, covered, topics)


def test_usage_and_ratings_give_the_usage_page_data(demo):
    kinds = set(UsageCount.objects.values_list("kind", flat=True))
    assert {UsageKind.VIEW, UsageKind.DOWNLOAD, UsageKind.COMPLETION} <= kinds
    assert UsageCount.objects.values("school").distinct().count() >= 3
    assert Rating.objects.count() >= 20
    assert not Rating.objects.filter(resource__created_by=F("user")).exists()  # never their own


def test_topics_are_created_once(demo):
    assert ensure_topics() == 0


# --- the packages themselves (no database) -----------------------------------------------------


def test_packages_are_zipped_the_same_every_time():
    assert scorm_package() == folder_zip(SCORM_DIR)
    assert simulation_package() == simulation_package()
    spec = next(spec for spec in CATALOGUE if spec.type == "document")
    assert lesson_pdf.__wrapped__(spec, subject_name="Toán") == lesson_pdf.__wrapped__(
        spec, subject_name="Toán"
    )


@pytest.mark.parametrize("folder", [SCORM_DIR, SIM_DIR], ids=["scorm", "simulation"])
def test_packages_load_nothing_from_the_network(folder):
    for path in folder.rglob("*"):
        if path.suffix in (".html", ".js", ".css"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), path.name
            assert "url(http" not in text and "fetch(" not in text, path.name


def test_the_scorm_lesson_talks_scorm_12():
    script = (SCORM_DIR / "app.js").read_text(encoding="utf-8")
    for call in (
        "LMSInitialize", "LMSGetValue", "LMSSetValue", "LMSCommit", "LMSFinish",
        "cmi.core.entry", "cmi.core.lesson_location", "cmi.suspend_data",
        "cmi.core.lesson_status", "cmi.core.score.raw", "cmi.core.score.min",
        "cmi.core.score.max", "cmi.core.session_time", "cmi.core.exit", '"suspend"',
        "Tiếp tục từ trang",
    ):  # fmt: skip
        assert call in script, call
    page = (SCORM_DIR / "index.html").read_text(encoding="utf-8")
    for element in ('id="btn-next"', 'id="btn-prev"', 'id="page-label"', 'id="quiz-submit"'):
        assert element in page
    assert ">Tiếp<" in page and ">Trước<" in page and "Trang 1/5" in page
