"""`hocso resources import DIR_OR_ZIP --metadata FILE.xlsx [--dry-run] [--org] [--publish]`.

The sample sheet below (built with openpyxl) is the documented format: one row per resource,
a header row with the column names of resources/importers/folder.py.
"""

import io
import zipfile
from io import StringIO

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from hocso.resources import coverage
from hocso.resources.models import Resource, ResourceStatus, ResourceType, Sharing

from . import samples

pytestmark = pytest.mark.django_db

HEADER = [
    "id", "file", "url", "title", "type", "subject", "grades", "topics", "licence",
    "language", "authors", "description",
]  # fmt: skip


def sample_rows():
    return [
        ["TOAN6-PS", "toan6/phan-so.pdf", "", "Bài giảng phân số", "document", "TOAN", 6,
         "T2", "CC-BY-4.0", "vi", "Tổ Toán", "Phân số lớp 6"],
        ["TOAN6-HINH", "toan6/hinh.png", "", "Hình học trực quan", "image", "TOAN", "6",
         "T3", "CC BY-SA 4.0", "", "", ""],
        ["NV6-VIDEO", "van6/truyen.mp4", "", "Truyện đồng thoại", "video", "NV", "6",
         "T1", "CC0-1.0", "vi", "", ""],
        ["LINK-1", "", "https://hoc10.vn/toan-6", "Học 10 — Toán 6", "link", "TOAN", "6",
         "", "ARR", "vi", "", ""],
        ["SCORM-PS", "goi/phan-so-scorm.zip", "", "Gói SCORM phân số", "scorm", "TOAN", "6",
         "T2", "CC-BY-4.0", "vi", "", ""],
        ["SIM-1", "goi/mo-phong.zip", "", "Mô phỏng HTML5", "html5", "", "", "",
         "CC-BY-4.0", "vi", "", ""],
    ]  # fmt: skip


FILES = {
    "toan6/phan-so.pdf": lambda: samples.pdf_bytes("Phân số"),
    "toan6/hinh.png": samples.png_bytes,
    "van6/truyen.mp4": samples.mp4_bytes,
    "goi/phan-so-scorm.zip": samples.scorm_zip,
    "goi/mo-phong.zip": samples.html5_zip,
}


def write_sheet(path, rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return str(path)


def make_folder(root, files=FILES):
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data() if callable(data) else data)
    return str(root)


@pytest.fixture
def folder(tmp_path):
    return make_folder(tmp_path / "hoc-lieu")


@pytest.fixture
def sheet(tmp_path):
    return write_sheet(tmp_path / "thong-tin.xlsx", sample_rows())


def run(*argv):
    out, err = StringIO(), StringIO()
    try:
        call_command("resources", "import", *argv, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines(), err.getvalue()


def _blobs() -> int:
    try:
        return len(default_storage.listdir("resources/blobs")[0])
    except FileNotFoundError:
        return 0


# --- creating, re-running, updating -----------------------------------------------------------


def test_a_folder_is_imported_as_drafts_of_the_province(library, tree, folder, sheet):
    code, out, err = run(folder, "--metadata", sheet)
    assert (code, err) == (0, "")
    assert out[-1] == "created=6 updated=0 unchanged=0 rejected=0"
    imported = Resource.objects.filter(external_id__isnull=False)
    assert imported.count() == 6
    assert set(imported.values_list("org_unit", flat=True)) == {tree.province.pk}
    assert set(imported.values_list("status", flat=True)) == {ResourceStatus.DRAFT}
    pdf = imported.get(external_id="TOAN6-PS")
    assert (pdf.title, pdf.type, pdf.subject, pdf.grade_from, pdf.grade_to) == (
        "Bài giảng phân số", ResourceType.DOCUMENT, library.math, 6, 6,
    )  # fmt: skip
    assert list(pdf.topics.all()) == [library.math_topics[1]]
    assert pdf.current_version.files.get(role="main").content_type == "application/pdf"
    assert imported.get(external_id="TOAN6-HINH").licence == "CC-BY-SA-4.0"
    assert imported.get(external_id="LINK-1").current_version.url == "https://hoc10.vn/toan-6"
    scorm = imported.get(external_id="SCORM-PS")
    assert scorm.current_version.launch_path == "index.html"
    assert scorm.current_version.package_root.startswith("resources/packages/")


def test_running_the_same_folder_again_changes_nothing(library, folder, sheet):
    run(folder, "--metadata", sheet)
    code, out, _err = run(folder, "--metadata", sheet)
    assert code == 0
    assert out[-1] == "created=0 updated=0 unchanged=6 rejected=0"
    assert Resource.objects.filter(external_id__isnull=False).count() == 6


def test_a_changed_file_adds_a_version(library, tmp_path, folder, sheet):
    run(folder, "--metadata", sheet)
    (tmp_path / "hoc-lieu" / "toan6" / "phan-so.pdf").write_bytes(
        samples.pdf_bytes("Phân số", "Trang mới")
    )
    code, out, _err = run(folder, "--metadata", sheet)
    assert out[-1] == "created=0 updated=1 unchanged=5 rejected=0"
    pdf = Resource.objects.get(external_id="TOAN6-PS")
    assert pdf.versions.count() == 2 and pdf.current_version.number == 2


def test_changed_details_only_update_the_resource_without_a_version(library, tmp_path, folder):
    rows = sample_rows()
    sheet = write_sheet(tmp_path / "a.xlsx", rows)
    run(folder, "--metadata", sheet)
    rows[0][3] = "Bài giảng phân số (sửa)"
    rows[0][7] = "T1; T2"
    sheet = write_sheet(tmp_path / "b.xlsx", rows)
    code, out, _err = run(folder, "--metadata", sheet)
    assert out[-1] == "created=0 updated=1 unchanged=5 rejected=0"
    pdf = Resource.objects.get(external_id="TOAN6-PS")
    assert pdf.title == "Bài giảng phân số (sửa)"
    assert set(pdf.topics.all()) == {library.math_topics[0], library.math_topics[1]}
    assert pdf.versions.count() == 1


def test_dry_run_reports_and_writes_nothing(library, folder, sheet):
    before = _blobs()
    code, out, _err = run(folder, "--metadata", sheet, "--dry-run")
    assert code == 0
    assert out[-1] == "created=6 updated=0 unchanged=0 rejected=0"
    assert "Chạy thử: không ghi dữ liệu nào." in out
    assert Resource.objects.filter(external_id__isnull=False).count() == 0
    assert _blobs() == before


def test_publish_shares_with_the_province_and_counts_for_coverage(library, tree, folder, sheet):
    assert coverage.coverage_total(org_unit=tree.school_b) == (5, 1)
    code, out, _err = run(folder, "--metadata", sheet, "--publish")
    assert code == 0
    imported = Resource.objects.filter(external_id__isnull=False)
    assert {(r.status, r.sharing) for r in imported} == {
        (ResourceStatus.PUBLISHED, Sharing.PROVINCE)
    }
    # Toán 6 T1 (the fixture's PDF), T2 and T3 (imported), Ngữ văn 6 T1 (the video): 4 of 5.
    assert coverage.coverage_total(org_unit=tree.school_b) == (5, 4)
    assert run(folder, "--metadata", sheet, "--publish")[1][-1] == (
        "created=0 updated=0 unchanged=6 rejected=0"
    )


def test_drafts_imported_earlier_are_published_by_a_later_publish_run(library, folder, sheet):
    run(folder, "--metadata", sheet)
    code, out, _err = run(folder, "--metadata", sheet, "--publish")
    assert out[-1] == "created=0 updated=6 unchanged=0 rejected=0"
    assert set(
        Resource.objects.filter(external_id__isnull=False).values_list("status", flat=True)
    ) == {ResourceStatus.PUBLISHED}


def test_org_option_sets_the_owner(library, tree, folder, sheet):
    code, out, _err = run(folder, "--metadata", sheet, "--org", tree.school_a.code)
    assert code == 0
    assert set(
        Resource.objects.filter(external_id__isnull=False).values_list("org_unit", flat=True)
    ) == {tree.school_a.pk}


# --- problems ---------------------------------------------------------------------------------


def test_every_problem_is_reported_with_row_column_and_value_and_nothing_is_written(
    library, tmp_path, folder
):
    rows = sample_rows()
    rows[0][4] = "sách"  # row 2: unknown type
    rows[1][5] = "HOA"  # row 3: unknown subject
    rows[2][6] = "6-13"  # row 4: grades out of range
    rows[3][2] = "ftp://hoc10.vn"  # row 5: not http(s)
    rows[4][7] = "T9"  # row 6: no such topic
    rows[5][1] = "../ngoai.zip"  # row 7: outside the folder
    rows.append(["TOAN6-PS", "toan6/hinh.png", "", "Trùng mã", "video", "", "", "", "CC0-1.0",
                 "", "", ""])  # row 8: duplicate id, and a PNG is not a video  # fmt: skip
    rows.append(["X", "khong-co.pdf", "", "", "document", "", "", "", "GPL", "xx", "", ""])
    sheet = write_sheet(tmp_path / "loi.xlsx", rows)
    code, out, _err = run(folder, "--metadata", sheet)
    assert code == 1
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=8"
    text = "\n".join(out)
    assert "Dòng 2, cột “type”, giá trị “sách”: Loại học liệu không hợp lệ" in text
    assert "Dòng 3, cột “subject”, giá trị “HOA”: Không có môn học mã này." in text
    assert "Dòng 4, cột “grades”, giá trị “6-13”" in text
    assert "Dòng 5, cột “url”, giá trị “ftp://hoc10.vn”" in text
    assert "Dòng 6, cột “topics”, giá trị “T9”: Không có chủ đề “T9” của môn TOAN ở khối 6." in text
    assert (
        "Dòng 7, cột “file”, giá trị “../ngoai.zip”: Đường dẫn tệp phải là đường dẫn tương đối"
        in text
    )
    assert "Dòng 8, cột “id”, giá trị “TOAN6-PS”: Trùng mã học liệu với dòng 2" in text
    assert "Dòng 8, cột “file”, giá trị “toan6/hinh.png”: Tệp là" in text
    assert "Dòng 9, cột “file”, giá trị “khong-co.pdf”: Không có tệp này" in text
    assert "Dòng 9, cột “title”" in text
    assert "Dòng 9, cột “licence”, giá trị “GPL”" in text
    assert "Dòng 9, cột “language”, giá trị “xx”" in text
    assert "Không ghi học liệu nào vì có 8 dòng bị từ chối; hãy sửa rồi nhập lại." in out
    assert Resource.objects.filter(external_id__isnull=False).count() == 0


def test_a_bad_package_is_reported_before_anything_is_written(library, tmp_path):
    files = dict(FILES, **{"goi/phan-so-scorm.zip": samples.html5_zip})  # no imsmanifest.xml
    folder = make_folder(tmp_path / "goi", files)
    sheet = write_sheet(tmp_path / "s.xlsx", sample_rows())
    code, out, _err = run(folder, "--metadata", sheet, "--dry-run")
    assert code == 1
    assert any(line.startswith("Dòng 6, cột “file”") and "imsmanifest.xml" in line for line in out)


def test_a_refusal_while_writing_rolls_back_every_row(library, folder, sheet, monkeypatch):
    from django.core.exceptions import ValidationError

    from hocso.resources import services

    real = services.resource_create

    def refuse_the_link(**kwargs):
        if kwargs["type"] == ResourceType.LINK:
            raise ValidationError({"url": "Địa chỉ bị chặn."})
        return real(**kwargs)

    monkeypatch.setattr(services, "resource_create", refuse_the_link)
    code, out, _err = run(folder, "--metadata", sheet)
    assert code == 1
    assert "Dòng 5, cột “url”, giá trị “https://hoc10.vn/toan-6”: Địa chỉ bị chặn." in out
    assert out[-1] == "created=5 updated=0 unchanged=0 rejected=1"
    assert Resource.objects.filter(external_id__isnull=False).count() == 0


def test_a_type_cannot_change_on_a_second_import(library, tmp_path, folder):
    rows = sample_rows()
    run(folder, "--metadata", write_sheet(tmp_path / "a.xlsx", rows))
    rows[0][4] = "ebook"
    code, out, _err = run(folder, "--metadata", write_sheet(tmp_path / "b.xlsx", rows))
    assert code == 1
    assert any("Dòng 2, cột “type”" in line and "không đổi loại được" in line for line in out)


def test_vietnamese_headers_and_a_sheet_without_ids(library, tmp_path, folder):
    header = ["Tệp", "Tiêu đề", "Loại", "Môn", "Khối", "Chủ đề", "Giấy phép", "Tác giả"]
    rows = [["toan6/phan-so.pdf", "Phân số", "Tài liệu", "TOAN", "6", "T2", "CC BY 4.0", "Tổ Toán"]]
    sheet = write_sheet(tmp_path / "vi.xlsx", rows, header)
    code, out, _err = run(folder, "--metadata", sheet)
    assert (code, out[-1]) == (0, "created=1 updated=0 unchanged=0 rejected=0")
    assert Resource.objects.get(external_id="toan6/phan-so.pdf").authors == "Tổ Toán"
    assert run(folder, "--metadata", sheet)[1][-1] == "created=0 updated=0 unchanged=1 rejected=0"


def test_a_topic_code_shared_by_two_grades_needs_the_grade(library, tmp_path, folder):
    from hocso.curriculum.models import GradeSubject, Topic

    math7 = GradeSubject.objects.get(grade=7, subject=library.math)
    seventh = Topic.objects.create(grade_subject=math7, code="T2", name="Số hữu tỉ")
    rows = [sample_rows()[0]]
    rows[0][6] = "6-7"
    code, out, _err = run(folder, "--metadata", write_sheet(tmp_path / "a.xlsx", rows), "--dry-run")
    assert code == 1 and any("ví dụ “6:T2”" in line for line in out)
    rows[0][7] = "7:T2"
    code, out, _err = run(folder, "--metadata", write_sheet(tmp_path / "b.xlsx", rows))
    assert code == 0
    assert list(Resource.objects.get(external_id="TOAN6-PS").topics.all()) == [seventh]


# --- zips and unusable input ------------------------------------------------------------------


def _zip_of(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data() if callable(data) else data)
    return buffer.getvalue()


def test_a_zip_is_read_in_place_with_or_without_its_top_folder(library, tmp_path, sheet):
    files = {name: make() for name, make in FILES.items()}  # the same bytes everywhere
    plain = tmp_path / "hoc-lieu.zip"
    plain.write_bytes(_zip_of(files))
    code, out, _err = run(str(plain), "--metadata", sheet, "--dry-run")
    assert (code, out[-1]) == (0, "created=6 updated=0 unchanged=0 rejected=0")
    nested = tmp_path / "thu-muc.zip"
    nested.write_bytes(_zip_of({f"hoc-lieu/{name}": data for name, data in files.items()}))
    code, out, _err = run(str(nested), "--metadata", sheet)
    assert (code, out[-1]) == (0, "created=6 updated=0 unchanged=0 rejected=0")
    # The same files from a folder are the same content: nothing to do.
    folder = make_folder(tmp_path / "giai-nen", files)
    assert run(folder, "--metadata", sheet)[1][-1] == "created=0 updated=0 unchanged=6 rejected=0"


def test_an_unsafe_zip_is_refused_whole(library, tmp_path, sheet):
    evil = tmp_path / "evil.zip"
    evil.write_bytes(samples.zip_slip_zip())
    code, out, err = run(str(evil), "--metadata", sheet)
    assert code == 2
    assert "không an toàn" in err
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=0"


@pytest.mark.parametrize(
    "problem",
    ["no-folder", "no-sheet", "not-xlsx", "missing-column", "unknown-org"],
)
def test_unusable_input_exits_2_with_the_summary_line(library, tmp_path, folder, sheet, problem):
    argv = [folder, "--metadata", sheet]
    if problem == "no-folder":
        argv[0] = str(tmp_path / "khong-co")
    elif problem == "no-sheet":
        argv[2] = str(tmp_path / "khong-co.xlsx")
    elif problem == "not-xlsx":
        (tmp_path / "x.xlsx").write_text("không phải bảng tính")
        argv[2] = str(tmp_path / "x.xlsx")
    elif problem == "missing-column":
        argv[2] = write_sheet(tmp_path / "m.xlsx", [["a.pdf", "Tên"]], ["file", "title"])
    else:
        argv += ["--org", "khong-co"]
    code, out, err = run(*argv)
    assert code == 2
    assert err.strip()
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=0"
    assert Resource.objects.filter(external_id__isnull=False).count() == 0


def test_the_hocso_command_runs_the_import(library, folder, sheet, capsys):
    from hocso.__main__ import main

    main(["hocso", "resources", "import", folder, "--metadata", sheet, "--dry-run"])
    assert capsys.readouterr().out.splitlines()[-1] == "created=6 updated=0 unchanged=0 rejected=0"


def test_a_description_keeps_its_paragraphs_and_reimports_unchanged(library, tmp_path, folder):
    rows = sample_rows()
    rows[0][11] = "Dòng  một\nDòng hai "
    sheet = write_sheet(tmp_path / "a.xlsx", rows)
    run(folder, "--metadata", sheet)
    assert Resource.objects.get(external_id="TOAN6-PS").description == "Dòng một\nDòng hai"
    assert run(folder, "--metadata", sheet)[1][-1] == "created=0 updated=0 unchanged=6 rejected=0"
