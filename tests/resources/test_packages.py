"""SCORM 1.2 / HTML5 packages: hostile archives, imsmanifest.xml reading, unpacking to storage.

No database is needed: packages.py only talks to the default storage (a per-test MEDIA_ROOT,
see conftest.py)."""

import hashlib
import io
import struct
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from hocso.resources import packages
from hocso.resources.packages import (
    Manifest,
    PackageRejected,
    UnpackedPackage,
    check_zip,
    html5_entry,
    package_unpack,
    parse_manifest,
)

from . import samples

CP_NS = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP_NS = "http://www.adlnet.org/xsd/adlcp_rootv1p2"


# --- helpers -----------------------------------------------------------------------------------


def zip_of(members: dict, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip whose members may be ZipInfo (to set modes) or plain names."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_with_infos(*entries: tuple[zipfile.ZipInfo, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return out.getvalue()


def patch_central(data: bytes, name: bytes, *, offset: int, fmt: str, value) -> bytes:
    """Overwrite one field of `name`'s central-directory header (offsets of APPNOTE 4.3.12)."""
    position = 0
    while True:
        position = data.index(b"PK\x01\x02", position)
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length] == name:
            break
        position += 4
    patched = bytearray(data)
    struct.pack_into(fmt, patched, position + offset, value)
    return bytes(patched)


def patch_flags(data: bytes, name: bytes, *, set_bits=0, clear_bits=0) -> bytes:
    """Change the general-purpose flags of `name` in BOTH headers (zipfile compares names)."""
    patched = bytearray(data)
    for signature, flag_offset, name_offset, length_offset in (
        (b"PK\x03\x04", 6, 30, 26),
        (b"PK\x01\x02", 8, 46, 28),
    ):
        position = 0
        while (position := data.find(signature, position)) >= 0:
            length = struct.unpack_from("<H", data, position + length_offset)[0]
            if data[position + name_offset : position + name_offset + length] == name:
                flags = struct.unpack_from("<H", data, position + flag_offset)[0]
                struct.pack_into(
                    "<H", patched, position + flag_offset, (flags | set_bits) & ~clear_bits
                )
            position += 4
    return bytes(patched)


def stored_files(prefix: str = "resources") -> list[str]:
    """Every file under `prefix` in the default storage."""
    if not default_storage.exists(prefix):
        return []
    folders, files = default_storage.listdir(prefix)
    found = [f"{prefix}/{name}" for name in files]
    for folder in folders:
        found += stored_files(f"{prefix}/{folder}")
    return found


def unpack(data: bytes, kind: str = "scorm") -> UnpackedPackage:
    return package_unpack(io.BytesIO(data), kind=kind)


def rejected(data: bytes, kind: str = "scorm") -> PackageRejected:
    with pytest.raises(PackageRejected) as caught:
        unpack(data, kind)
    assert stored_files() == [], "a rejected package left files in storage"
    return caught.value


def manifest_xml(resources: str, organizations: str | None = None, *, version="1.2", ns=True):
    if organizations is None:
        organizations = """<organizations default="ORG"><organization identifier="ORG">
          <title>Khoá học</title>
          <item identifier="I1" identifierref="R1"><title>Bài 1</title></item>
        </organization></organizations>"""
    namespaces = f'xmlns="{CP_NS}" xmlns:adlcp="{ADLCP_NS}"' if ns else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="M" {namespaces}>
  <metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion></metadata>
  {organizations}
  <resources>{resources}</resources>
</manifest>""".encode()


SCO = '<resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="{href}"/>'


# --- good packages -----------------------------------------------------------------------------


def test_scorm_package_is_unpacked_under_the_sha_of_the_zip():
    data = samples.scorm_zip()
    result = unpack(data)
    sha = hashlib.sha256(data).hexdigest()
    assert result.root == f"resources/packages/{sha}/"
    assert result.launch_path == "index.html"
    assert result.file_count == 2
    assert result.manifest["title"] == "Phân số"
    assert result.manifest["launch_href"] == "index.html"
    assert result.manifest["scos"] == [{"identifier": "ITEM1", "href": "index.html"}]
    with default_storage.open(result.root + "index.html") as stored:
        assert stored.read() == samples.SCO_PAGE.encode()
    assert sorted(stored_files(result.root.rstrip("/"))) == [
        result.root + "imsmanifest.xml",
        result.root + "index.html",
    ]
    assert result.total_bytes == sum(
        info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist()
    )


def test_html5_package_opens_index_html_and_has_no_manifest():
    result = unpack(samples.html5_zip(), "html5")
    assert result.launch_path == "index.html"
    assert result.manifest == {}
    assert default_storage.exists(result.root + "app.js")


def test_html5_package_zipped_as_one_folder_opens_the_folder_index():
    data = zip_of({"mo-phong/index.html": samples.SCO_PAGE, "mo-phong/js/app.js": "1"})
    assert unpack(data, "html5").launch_path == "mo-phong/index.html"


def test_scorm_package_zipped_as_one_folder_launches_inside_it():
    data = zip_of({"goi/imsmanifest.xml": samples.scorm_manifest(), "goi/index.html": "x"})
    result = unpack(data)
    assert result.launch_path == "goi/index.html"


def test_vietnamese_member_names_are_stored_as_is_and_launched_percent_encoded():
    data = zip_of({"Bài học/index.html": samples.SCO_PAGE, "Bài học/ảnh 1.png": b"png"})
    result = unpack(data, "html5")
    assert result.launch_path == "B%C3%A0i%20h%E1%BB%8Dc/index.html"
    assert default_storage.exists(result.root + "Bài học/ảnh 1.png")


def test_utf8_names_without_the_utf8_flag_are_read_as_utf8():
    data = zip_of({"bài.html": "x", "index.html": "y"})
    data = patch_flags(data, "bài.html".encode(), clear_bits=0x800)
    assert zipfile.ZipFile(io.BytesIO(data)).namelist()[0] != "bài.html"  # cp437 mojibake
    result = unpack(data, "html5")
    assert default_storage.exists(result.root + "bài.html")


def test_directory_entries_and_macos_junk_are_not_written():
    data = zip_of(
        {"css/": "", "css/site.css": "body{}", "index.html": "x", "__MACOSX/._index.html": "j"}
    )
    result = unpack(data, "html5")
    assert sorted(stored_files(result.root.rstrip("/"))) == [
        result.root + "css/site.css",
        result.root + "index.html",
    ]
    assert result.file_count == 2


# --- idempotence and atomicity -----------------------------------------------------------------


def test_second_unpack_of_the_same_zip_writes_nothing(monkeypatch):
    data = samples.scorm_zip()
    first = unpack(data)
    saves = []
    real_save = default_storage.save
    monkeypatch.setattr(
        default_storage, "save", lambda *a, **k: saves.append(a[0]) or real_save(*a, **k)
    )
    second = unpack(data)
    assert saves == []
    assert second == first


def test_unpack_left_half_done_is_redone_not_trusted():
    data = samples.scorm_zip()
    root = f"resources/packages/{hashlib.sha256(data).hexdigest()}/"
    default_storage.save(root + "index.html", ContentFile(b"<!doctype html><ht"))  # truncated
    result = unpack(data)
    with default_storage.open(result.root + "index.html") as stored:
        assert stored.read() == samples.SCO_PAGE.encode()
    assert not any("_" in name.rsplit("/", 1)[-1] for name in stored_files())  # no renamed copy


def test_corrupt_member_rolls_back_what_was_already_written(monkeypatch):
    # index.html is written first; then big.bin's directory entry claims 100 bytes while the
    # stream holds 200,000: zipfile stops at 100 and the CRC no longer matches.
    data = zip_of({"index.html": samples.SCO_PAGE, "big.bin": bytes(range(256)) * 800})
    data = patch_central(data, b"big.bin", offset=24, fmt="<I", value=100)
    written = []
    real_save = default_storage.save
    monkeypatch.setattr(
        default_storage, "save", lambda *a, **k: written.append(a[0]) or real_save(*a, **k)
    )
    error = rejected(data, "html5")
    assert error.code == "package_corrupt"
    assert "big.bin" in error.messages[0]
    assert any(name.endswith("/index.html") for name in written)  # written, then removed


def test_header_claiming_more_than_the_stream_holds_is_rejected():
    data = zip_of({"index.html": samples.SCO_PAGE, "app.js": "x" * 1000})
    data = patch_central(data, b"app.js", offset=24, fmt="<I", value=5000)
    error = rejected(data, "html5")
    assert error.code == "package_size_lie"
    assert "app.js" in error.messages[0] and "5000" in error.messages[0]


def test_actual_bytes_are_counted_against_the_total_while_copying(settings, monkeypatch):
    """The limit on the bytes that really come out, not the ones the header declares: lower
    the limit after the declared sizes were checked, as a lying header would make them pass."""
    real_check = packages.check_zip

    def check_then_lower(zf):
        files = real_check(zf)
        settings.HOCSO_PACKAGE_MAX_MB = 2000 / (1024 * 1024)  # 2,000 bytes
        return files

    monkeypatch.setattr(packages, "check_zip", check_then_lower)
    data = zip_of({"a.html": "a" * 1500, "b.js": "b" * 1500, "index.html": "x"})
    error = rejected(data, "html5")
    assert error.code == "package_too_large"
    assert "b.js" in error.messages[0] and "2000 byte" in error.messages[0]


def test_a_member_giving_more_than_its_header_declares_is_stopped():
    counted = packages._Counted(
        io.BytesIO(b"x" * 10_000), member="lie.bin", declared=100, budget=10**9, max_bytes=10**9
    )
    with pytest.raises(PackageRejected) as caught:
        counted.read()
    assert caught.value.code == "package_size_lie"
    assert "lie.bin" in caught.value.messages[0]
    assert counted.count <= 100 + io.DEFAULT_BUFFER_SIZE  # stopped at the first chunk over


# --- hostile archives --------------------------------------------------------------------------


def test_zip_slip_is_rejected_naming_the_member():
    error = rejected(samples.zip_slip_zip())
    assert error.code == "package_parent_path"
    assert "../evil.txt" in error.messages[0]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("/etc/cron.d/evil", "package_absolute_path"),
        ("a/../../evil.html", "package_parent_path"),
        ("..\\evil.html", "package_backslash_path"),
        ("content\\index.html", "package_backslash_path"),
        ("C:/Windows/evil.dll", "package_backslash_path"),
        ("a//b.html", "package_empty_part"),
        ("./index.htm", "package_empty_part"),
    ],
)
def test_unsafe_member_paths_are_rejected(name, code):
    error = rejected(zip_of({"index.html": "x", name: "evil"}), "html5")
    assert error.code == code
    assert name in error.messages[0]


def test_control_characters_in_a_name_are_rejected():
    assert rejected(zip_of({"index.html": "x", "a\nb.html": "y"}), "html5").code == (
        "package_name_control"
    )


def test_a_nul_byte_hiding_the_real_name_is_rejected():
    # zipfile cuts a name at NUL ("evil.html\0.txt" reads as "evil.html"); the stored name
    # must not be decided by that cut.
    data = zip_of({"index.html": "x", "evil.htmlX.txt": "y"}).replace(b"htmlX", b"html\x00")
    assert rejected(data, "html5").code == "package_name_control"


def test_symlink_member_is_rejected():
    link = zipfile.ZipInfo("index.html")
    link.external_attr = 0o120777 << 16
    error = rejected(zip_with_infos((link, b"/etc/passwd")), "html5")
    assert error.code == "package_symlink"
    assert "index.html" in error.messages[0]


def test_encrypted_member_is_rejected():
    data = patch_central(zip_of({"index.html": "x"}), b"index.html", offset=8, fmt="<H", value=1)
    error = rejected(data, "html5")
    assert error.code == "package_encrypted"
    assert "index.html" in error.messages[0]


def test_too_many_files_are_rejected_naming_the_limit(settings):
    settings.HOCSO_PACKAGE_MAX_FILES = 3
    data = zip_of({f"f{n}.js": "x" for n in range(3)} | {"index.html": "x"})
    error = rejected(data, "html5")
    assert error.code == "package_too_many_files"
    assert "4" in error.messages[0] and "3" in error.messages[0]


def test_declared_total_over_the_limit_is_rejected(settings):
    settings.HOCSO_PACKAGE_MAX_MB = 1
    data = zip_of({"index.html": "x", "video.bin": bytes(range(256)) * 5000})
    error = rejected(data, "html5")
    assert error.code == "package_too_large"
    assert "1 MB" in error.messages[0]


def test_zip_bomb_is_rejected_by_its_compression_ratio():
    error = rejected(samples.zip_bomb_zip(megabytes=5), "html5")
    assert error.code == "package_ratio"
    assert "zeros.bin" in error.messages[0] and "100:1" in error.messages[0]


def test_small_members_may_compress_well():
    unpack(zip_of({"index.html": " " * 500_000}), "html5")


def test_duplicate_member_names_are_rejected():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", "first")
        with pytest.warns(UserWarning):
            archive.writestr("index.html", "second")
    assert rejected(out.getvalue(), "html5").code == "package_duplicate"


def test_a_name_used_as_file_and_folder_is_rejected():
    data = zip_of({"index.html": "x", "lib": "file", "lib/a.js": "y"})
    error = rejected(data, "html5")
    assert error.code == "package_file_folder_clash"
    assert "lib" in error.messages[0]


def test_a_file_that_is_not_a_zip_is_rejected_naming_it():
    upload = ContentFile(samples.pdf_bytes(), name="bai-giang.zip")
    with pytest.raises(PackageRejected) as caught:
        package_unpack(upload, kind="html5")
    assert caught.value.code == "package_not_zip"
    assert "bai-giang.zip" in caught.value.messages[0]


class _Unseekable(io.RawIOBase):
    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_an_unseekable_upload_is_spooled_first():
    data = samples.html5_zip()
    result = package_unpack(_Unseekable(data), kind="html5")
    assert result.root == f"resources/packages/{hashlib.sha256(data).hexdigest()}/"
    assert default_storage.exists(result.root + "index.html")


def test_check_zip_returns_files_only():
    data = zip_of({"css/": "", "css/a.css": "x", "index.html": "y"})
    files = check_zip(zipfile.ZipFile(io.BytesIO(data)))
    assert [info.filename for info in files] == ["css/a.css", "index.html"]


# --- imsmanifest.xml ---------------------------------------------------------------------------


def test_manifest_gives_titles_items_and_the_first_sco():
    data = manifest_xml(
        SCO.format(href="bai1.html")
        + '<resource identifier="R2" type="webcontent" adlcp:scormtype="sco" href="bai2.html"/>'
        + '<resource identifier="R3" type="webcontent" adlcp:scormtype="asset" href="doc.pdf"/>',
        """<organizations default="ORG2">
          <organization identifier="ORG1"><title>Khác</title>
            <item identifier="X" identifierref="R2"><title>X</title></item></organization>
          <organization identifier="ORG2"><title>Phân số</title>
            <item identifier="CH1" isvisible="false"><title>Chương 1</title>
              <item identifier="I1" identifierref="R1"><title>Bài 1</title></item>
              <item identifier="I3" identifierref="R3"><title>Tài liệu</title></item>
            </item>
            <item identifier="I2" identifierref="R2"><title>Bài 2</title></item>
          </organization></organizations>""",
    )
    manifest = parse_manifest(data, names={"bai1.html", "bai2.html"})
    assert isinstance(manifest, Manifest)
    assert manifest.title == "Phân số"
    assert manifest.schema_version == "1.2"
    assert manifest.default_organization == "ORG2"
    assert manifest.scos == (("I1", "bai1.html"), ("I2", "bai2.html"))
    assert manifest.launch_href == "bai1.html"
    chapter = manifest.organizations[1].items[0]
    assert (chapter.title, chapter.href, chapter.visible) == ("Chương 1", "", False)
    assert [child.title for child in chapter.children] == ["Bài 1", "Tài liệu"]
    assert chapter.children[1].sco is False and chapter.children[1].href == "doc.pdf"
    json = manifest.as_json()
    assert json["organizations"][1]["items"][0]["children"][0]["href"] == "bai1.html"


def test_manifest_without_namespaces_and_with_scormType_spelling_is_read():
    data = manifest_xml(
        '<resource identifier="R1" type="webcontent" scormType="SCO" href="index.html"/>', ns=False
    )
    assert parse_manifest(data, names={"index.html"}).launch_href == "index.html"


def test_item_parameters_are_appended_to_the_href():
    data = manifest_xml(
        SCO.format(href="index.html?lang=vi"),
        """<organizations default="O"><organization identifier="O"><title>T</title>
          <item identifier="I1" identifierref="R1" parameters="?page=2"><title>T</title></item>
        </organization></organizations>""",
    )
    assert parse_manifest(data, names={"index.html"}).launch_href == "index.html?lang=vi&page=2"


@pytest.mark.parametrize(
    ("href", "parameters", "expected"),
    [
        ("a.html", "x=1", "a.html?x=1"),
        ("a.html", "?x=1", "a.html?x=1"),
        ("a.html", "&x=1", "a.html?x=1"),
        ("a.html?y=2", "x=1", "a.html?y=2&x=1"),
        ("a.html?y=2", "?x=1", "a.html?y=2&x=1"),
        ("a.html", "#p3", "a.html#p3"),
        ("a.html#p1", "#p3", "a.html#p1"),
        ("a.html#p1", "x=1", "a.html?x=1#p1"),
        ("a.html", "  ", "a.html"),
    ],
)
def test_parameters_follow_the_scorm_joining_rules(href, parameters, expected):
    assert packages._combine(href, parameters) == expected


def test_xml_base_on_resources_and_resource_is_applied():
    data = manifest_xml(
        '<resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="index.html" '
        'xml:base="bai1/"/>'
    ).replace(b"<resources>", b'<resources xml:base="noi-dung/">')
    manifest = parse_manifest(data, names={"noi-dung/bai1/index.html"})
    assert manifest.launch_href == "noi-dung/bai1/index.html"


def test_percent_encoded_href_names_the_decoded_member():
    data = manifest_xml(SCO.format(href="b%C3%A0i%201.html"))
    manifest = parse_manifest(data, names={"bài 1.html"})
    assert manifest.launch_href == "b%C3%A0i%201.html"


def test_resource_only_manifest_launches_its_sco():
    data = manifest_xml(SCO.format(href="index.html"), "<organizations/>")
    assert parse_manifest(data, names={"index.html"}).scos == (("R1", "index.html"),)


def test_scorm_2004_manifest_is_rejected_saying_so():
    with pytest.raises(PackageRejected) as caught:
        parse_manifest(manifest_xml(SCO.format(href="index.html"), version="2004 3rd Edition"))
    assert caught.value.code == "manifest_scorm_2004"
    assert "2004 3rd Edition" in caught.value.messages[0]
    assert "SCORM 1.2" in caught.value.messages[0]


def test_scorm_2004_namespace_alone_is_recognised():
    data = manifest_xml(SCO.format(href="index.html"), version="").replace(
        ADLCP_NS.encode(), b"http://www.adlnet.org/xsd/adlcp_v1p3"
    )
    with pytest.raises(PackageRejected) as caught:
        parse_manifest(data)
    assert caught.value.code == "manifest_scorm_2004"


def test_scorm_package_without_manifest_is_rejected():
    assert rejected(samples.html5_zip()).code == "manifest_missing"


def test_malformed_manifest_is_rejected_with_its_line():
    data = zip_of({"imsmanifest.xml": "<manifest>\n<organizations>\n</manifest>", "a.html": ""})
    error = rejected(data)
    assert error.code == "manifest_malformed"
    assert "dòng 3" in error.messages[0]


def test_manifest_with_entities_is_refused_before_expansion():
    laughs = b"""<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<manifest identifier="M"><organizations/><resources/>&b;</manifest>"""
    with pytest.raises(PackageRejected) as caught:
        parse_manifest(laughs)
    assert caught.value.code == "manifest_entities"


def test_manifest_without_sco_is_rejected():
    data = manifest_xml(
        '<resource identifier="R1" type="webcontent" adlcp:scormtype="asset" href="a.html"/>'
    )
    with pytest.raises(PackageRejected) as caught:
        parse_manifest(data, names={"a.html"})
    assert caught.value.code == "manifest_no_sco"


def test_sco_href_missing_from_the_zip_is_rejected_naming_it():
    data = zip_of({"imsmanifest.xml": manifest_xml(SCO.format(href="bai1.html")), "x.html": ""})
    error = rejected(data)
    assert error.code == "manifest_href_missing"
    assert "bai1.html" in error.messages[0] and "R1" in error.messages[0]


@pytest.mark.parametrize(
    "href", ["../index.html", "a/../../index.html", "/index.html", "http://evil.example/x.html"]
)
def test_sco_href_outside_the_package_is_rejected(href):
    with pytest.raises(PackageRejected) as caught:
        parse_manifest(manifest_xml(SCO.format(href=href)), names={"index.html"})
    assert caught.value.code == "manifest_href_outside"
    assert href in caught.value.messages[0]


def test_item_pointing_at_an_unknown_resource_is_rejected():
    data = manifest_xml(SCO.format(href="index.html").replace('"R1"', '"R9"'))
    with pytest.raises(PackageRejected) as caught:
        parse_manifest(data, names={"index.html"})
    assert caught.value.code == "manifest_unknown_resource"
    assert "R1" in caught.value.messages[0]


def test_a_root_that_is_not_manifest_is_rejected():
    with pytest.raises(PackageRejected) as caught:
        parse_manifest(b"<html/>")
    assert caught.value.code == "manifest_root"


# --- html5 entry -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "entry"),
    [
        (["index.html", "app.js"], "index.html"),
        (["sim/index.html", "sim/app.js", "__MACOSX/sim/._index.html"], "sim/index.html"),
        (["Index.HTML", "app.js"], "Index.HTML"),
        (["index.htm"], "index.htm"),
        (["index.html", "sub/index.html"], "index.html"),
    ],
)
def test_html5_entry_is_the_root_or_single_folder_index(names, entry):
    assert html5_entry(names) == entry


@pytest.mark.parametrize(
    "names", [["main.html"], ["a/index.html", "b/index.html"], ["a/b/index.html", "c.txt"]]
)
def test_html5_without_an_index_is_rejected(names):
    with pytest.raises(PackageRejected) as caught:
        html5_entry(names)
    assert caught.value.code == "html5_no_entry"


def test_a_launch_path_longer_than_the_model_field_is_rejected():
    folder = "ư" * 120  # 240 bytes: a valid name, 720 characters once percent-encoded
    data = zip_of({folder + "/index.html": "x"})
    assert rejected(data, "html5").code == "package_launch_too_long"


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        unpack(samples.html5_zip(), "pdf")
