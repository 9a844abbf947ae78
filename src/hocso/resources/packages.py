"""SCORM 1.2 and HTML5 packages: checking, reading imsmanifest.xml and unpacking to storage.

A package is an untrusted zip that will be served file by file to browsers, so it is checked
before anything is written:

- every member name is a plain relative path (no absolute path, drive letter, backslash, `..`,
  control character), no member is a symlink or other special file, none is encrypted;
- the archive has at most ``HOCSO_PACKAGE_MAX_FILES`` entries, declares at most
  ``HOCSO_PACKAGE_MAX_MB`` uncompressed, and no large member compresses better than
  ``HOCSO_PACKAGE_MAX_RATIO``:1 (a zip bomb);
- while copying, the bytes that ACTUALLY come out of the decompressor are counted against the
  member's declared size and the total, so a header that lies about sizes is caught too.

Member names are kept exactly as the zip gives them (decoded as UTF-8, or as the zip default
cp437 when the UTF-8 flag is absent and the bytes are not UTF-8) so the package's own relative
links keep resolving once it is served from ``resources/packages/<sha256 of the zip>/``.

The unpacked files are written through Django's default storage (production may be S3). A
marker ``resources/packages/<sha256>.complete`` — outside the served folder — is written last:
a second unpack of the same zip writes nothing, and an unpack that failed half-way (a corrupt
member, a lying header, a crash) is redone from scratch rather than trusted. Everything is
checked before the first write; when copying still fails (a corrupt member, a lying header) the
files written so far -- and those an earlier unfinished unpack left -- are deleted again.

``launch_path`` is a URL reference relative to the package root: its path part is
percent-encoded (UTF-8) and it may carry the query/fragment that the manifest's item
``parameters`` give. Append it to the package's base URL as is; unquote its path part
(``urllib.parse.unquote(urlsplit(launch_path).path)``) to get the member name in storage.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import re
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Defaults of the limits; settings HOCSO_PACKAGE_MAX_FILES / _MAX_MB / _MAX_RATIO override them.
MAX_FILES = 5000
MAX_MB = 500
MAX_RATIO = 100
# Small members legitimately compress far better than 100:1 (a page of spaces, an empty JSON
# array padded out), so the ratio is only judged on members at least this large; the total
# limit and the actual-bytes count bound everything below it.
RATIO_FLOOR_BYTES = 1024 * 1024
# imsmanifest.xml is read into memory to be parsed; real ones are a few hundred kB at most.
MAX_MANIFEST_BYTES = 10 * 1024 * 1024
MAX_NAME_CHARS = 400
MAX_PART_BYTES = 255
MAX_ITEM_DEPTH = 50
MAX_LAUNCH_CHARS = 500  # ResourceVersion.launch_path

PACKAGES_PREFIX = "resources/packages/"
MANIFEST_NAME = "imsmanifest.xml"
KINDS = ("scorm", "html5")
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
SCORM_2004_NS = "http://www.adlnet.org/xsd/adlcp_v1p3"
# Folders that zip tools add and packages never link to (macOS resource forks).
_JUNK_PREFIXES = ("__MACOSX/",)
_SUPPORTED_COMPRESSION = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_CHUNK = 64 * 1024
# Characters left unescaped in launch paths besides letters, digits and "_.-~".
_PATH_SAFE = "/!$&'()*+,;=:@"


class PackageRejected(ValidationError):
    """A package that cannot be accepted; the message (Vietnamese) names the member and limit."""

    def __init__(self, message: str, *, code: str = "package_rejected", **params: Any):
        super().__init__(message, code=code, params=params)


def _limits() -> tuple[int, int, float]:
    """(max entries, max uncompressed bytes, max ratio), read at call time so tests can lower them."""
    files = int(getattr(settings, "HOCSO_PACKAGE_MAX_FILES", MAX_FILES))
    megabytes = float(getattr(settings, "HOCSO_PACKAGE_MAX_MB", MAX_MB))
    ratio = float(getattr(settings, "HOCSO_PACKAGE_MAX_RATIO", MAX_RATIO))
    return files, int(megabytes * 1024 * 1024), ratio


def _size(size: int) -> str:
    """A size for a message: "1.5 MB", or bytes below 100 kB (where MB would read as 0)."""
    if size < 100 * 1024:
        return f"{size} byte"
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".") + " MB"


# ---------------------------------------------------------------------------------------------
# The archive
# ---------------------------------------------------------------------------------------------


def _decoded_name(info: zipfile.ZipInfo) -> str:
    """The member's real name. Without the UTF-8 flag zipfile decodes cp437 (the zip default),
    but most tools that omit the flag actually wrote UTF-8: prefer that when the bytes are."""
    name = info.orig_filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    try:
        return name.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def _check_name(name: str) -> None:
    """Refuse any member name that could land outside the package folder or break storage."""
    path = name[:-1] if name.endswith("/") else name
    if _CONTROL.search(name):
        shown = _CONTROL.sub("?", name)
        raise PackageRejected(
            _("Tệp “%(member)s” trong gói có ký tự điều khiển trong tên."),
            code="package_name_control",
            member=shown,
        )
    if name.startswith("/"):
        raise PackageRejected(
            _(
                "Tệp “%(member)s” trong gói có đường dẫn tuyệt đối; các tệp trong gói phải có "
                "đường dẫn tương đối."
            ),
            code="package_absolute_path",
            member=name,
        )
    if "\\" in name or _DRIVE.match(name):
        raise PackageRejected(
            _(
                "Tệp “%(member)s” trong gói có dấu “\\” hoặc tên ổ đĩa trong đường dẫn; đường dẫn "
                "trong gói phải dùng dấu “/”."
            ),
            code="package_backslash_path",
            member=name,
        )
    parts = path.split("/")
    if ".." in parts:
        raise PackageRejected(
            _("Tệp “%(member)s” trong gói có “..” trong đường dẫn, trỏ ra ngoài gói."),
            code="package_parent_path",
            member=name,
        )
    if not path or any(part in ("", ".") for part in parts):
        raise PackageRejected(
            _("Tệp “%(member)s” trong gói có đường dẫn không hợp lệ (phần rỗng hoặc “.”)."),
            code="package_empty_part",
            member=name,
        )
    if len(name) > MAX_NAME_CHARS or any(
        len(part.encode("utf-8", "surrogatepass")) > MAX_PART_BYTES for part in parts
    ):
        raise PackageRejected(
            _("Tên tệp “%(member)s” trong gói quá dài (tối đa %(limit)s ký tự)."),
            code="package_name_too_long",
            member=name[:80] + "…",
            limit=MAX_NAME_CHARS,
        )


def check_zip(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Check a package's archive before anything is extracted; return its FILE members.

    Directory entries are checked too but left out of the result. Each returned ZipInfo's
    ``filename`` is set to the member's real name (see ``_decoded_name``); zipfile still opens
    it by ``orig_filename``. Raises PackageRejected on the first problem.
    """
    max_files, max_bytes, max_ratio = _limits()
    infos = zf.infolist()
    if len(infos) > max_files:
        raise PackageRejected(
            _("Gói có %(count)s tệp và thư mục, vượt giới hạn %(limit)s."),
            code="package_too_many_files",
            count=len(infos),
            limit=max_files,
        )
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
        raise PackageRejected(
            _("Gói giải nén ra %(size)s, vượt giới hạn %(limit)s."),
            code="package_too_large",
            size=_size(declared),
            limit=_size(max_bytes),
        )
    files: list[zipfile.ZipInfo] = []
    seen: set[str] = set()
    folders: set[str] = set()
    for info in infos:
        name = _decoded_name(info)
        _check_name(name)
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode)
        if stat.S_ISLNK(mode):
            raise PackageRejected(
                _("Tệp “%(member)s” trong gói là liên kết tượng trưng (symlink); gói không được "
                  "chứa liên kết."),
                code="package_symlink",
                member=name,
            )  # fmt: skip
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise PackageRejected(
                _("“%(member)s” trong gói không phải tệp thường hay thư mục."),
                code="package_special_file",
                member=name,
            )
        if info.flag_bits & 0x1:
            raise PackageRejected(
                _("Tệp “%(member)s” trong gói được mã hoá bằng mật khẩu; hãy nén lại gói không "
                  "đặt mật khẩu."),
                code="package_encrypted",
                member=name,
            )  # fmt: skip
        if info.is_dir() or kind == stat.S_IFDIR:
            folders.add(name.rstrip("/"))
            continue
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise PackageRejected(
                _("Tệp “%(member)s” trong gói dùng kiểu nén %(method)s không được hỗ trợ; hãy "
                  "nén lại gói bằng kiểu Deflate."),
                code="package_compression",
                member=name,
                method=info.compress_type,
            )  # fmt: skip
        if info.file_size >= RATIO_FLOOR_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > max_ratio:
                raise PackageRejected(
                    _("Tệp “%(member)s” trong gói nén với tỉ lệ %(ratio)s:1, vượt giới hạn "
                      "%(limit)s:1 (nghi là bom nén)."),
                    code="package_ratio",
                    member=name,
                    ratio=int(ratio),
                    limit=int(max_ratio),
                )  # fmt: skip
        if name in seen:
            raise PackageRejected(
                _("Tệp “%(member)s” xuất hiện nhiều lần trong gói."),
                code="package_duplicate",
                member=name,
            )
        seen.add(name)
        parts = name.split("/")
        folders.update("/".join(parts[:end]) for end in range(1, len(parts)))
        info.filename = name
        files.append(info)
    clash = sorted(seen & folders)
    if clash:
        raise PackageRejected(
            _("“%(member)s” trong gói vừa là tệp vừa là thư mục."),
            code="package_file_folder_clash",
            member=clash[0],
        )
    if not files:
        raise PackageRejected(_("Gói không có tệp nào."), code="package_empty")
    return files


class _Counted(io.RawIOBase):
    """Reads a member's decompressed stream, counting what actually comes out.

    Raises PackageRejected as soon as the member gives more than its header declared (the
    header lied) or the whole package more than the limit, so at most one chunk over either
    bound is ever read."""

    def __init__(self, source, *, member: str, declared: int, budget: int, max_bytes: int):
        self._source = source
        self._member = member
        self._declared = declared
        self._budget = budget
        self._max_bytes = max_bytes
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._source.read(len(buffer))
        self.count += len(data)
        if self.count > self._declared:
            raise PackageRejected(
                _("Tệp “%(member)s” giải nén ra nhiều hơn %(declared)s byte mà gói khai báo "
                  "(phần đầu tệp nén khai sai kích thước)."),
                code="package_size_lie",
                member=self._member,
                declared=self._declared,
            )  # fmt: skip
        if self.count > self._budget:
            raise PackageRejected(
                _("Gói giải nén ra hơn %(limit)s (dừng ở tệp “%(member)s”)."),
                code="package_too_large",
                member=self._member,
                limit=_size(self._max_bytes),
            )
        buffer[: len(data)] = data
        return len(data)


# ---------------------------------------------------------------------------------------------
# imsmanifest.xml
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManifestItem:
    identifier: str
    title: str
    href: str  # launch href (with parameters) relative to the manifest; "" for a folder item
    sco: bool
    visible: bool = True
    children: tuple[ManifestItem, ...] = ()

    def as_json(self) -> dict:
        return {
            "identifier": self.identifier,
            "title": self.title,
            "href": self.href,
            "sco": self.sco,
            "visible": self.visible,
            "children": [child.as_json() for child in self.children],
        }


@dataclass(frozen=True)
class Organization:
    identifier: str
    title: str
    items: tuple[ManifestItem, ...] = ()

    def as_json(self) -> dict:
        return {
            "identifier": self.identifier,
            "title": self.title,
            "items": [item.as_json() for item in self.items],
        }


@dataclass(frozen=True)
class Manifest:
    """What the player needs from a SCORM 1.2 imsmanifest.xml.

    ``scos`` lists (item identifier, launch href) in the order a learner meets them in the
    default organization (resource identifiers for a package without organizations); hrefs
    are relative to the manifest's folder, percent-encoded, with the item's parameters."""

    identifier: str
    title: str
    schema_version: str
    default_organization: str = ""
    organizations: tuple[Organization, ...] = ()
    scos: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def launch_href(self) -> str:
        return self.scos[0][1]

    def as_json(self) -> dict:
        return {
            "identifier": self.identifier,
            "title": self.title,
            "schema_version": self.schema_version,
            "default_organization": self.default_organization,
            "organizations": [organization.as_json() for organization in self.organizations],
            "scos": [{"identifier": ident, "href": href} for ident, href in self.scos],
            "launch_href": self.launch_href,
        }


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(element, name: str) -> list:
    return [child for child in element if _local(child.tag) == name]


def _child_text(element, name: str) -> str:
    for child in _children(element, name):
        return _text(child)
    return ""


def _text(element) -> str:
    return unicodedata.normalize("NFC", " ".join("".join(element.itertext()).split()))


def _scorm_type(resource) -> str:
    """adlcp:scormtype, tolerating the "scormType" spelling and a missing namespace."""
    for key, value in resource.attrib.items():
        if _local(key).lower() == "scormtype":
            return value.strip().lower()
    return ""


def _is_scorm_2004(root, schema_version: str) -> bool:
    version = schema_version.lower()
    if "2004" in version or "cam 1.3" in version or version == "1.3":
        return True
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if SCORM_2004_NS in tag or "imsglobal.org/xsd/imsss" in tag:
            return True
        if any(SCORM_2004_NS in key for key in element.attrib):
            return True
    return False


def _combine(href: str, parameters: str) -> str:
    """Append an item's ``parameters`` to its resource's href (the SCORM CAM rules: a leading
    "#" is a fragment, kept only if the href has none; a leading "?" or "&" is dropped and the
    rest joined to the href's query with "?" or "&")."""
    parameters = parameters.strip()
    if not parameters:
        return href
    base, hash_, fragment = href.partition("#")
    if parameters.startswith("#"):
        return href if hash_ else href + parameters
    if parameters[0] in "?&":
        parameters = parameters[1:]
    joiner = "&" if "?" in base else "?"
    return base + joiner + parameters + hash_ + fragment


class _Resolver:
    """Turns a resource's href (and the xml:base of its ancestors) into a member path."""

    def __init__(self, names: Collection[str] | None):
        self.names = names

    def resolve(self, bases: Iterable[str], href: str, resource_id: str) -> str:
        """Return the href as a percent-encoded path (+ query/fragment) relative to the manifest.

        Each xml:base names a folder (in practice even without its trailing slash). Raises
        PackageRejected when the href points outside the package or (names given) at a file
        the zip does not have."""
        raw = href.strip().replace("\\", "/")
        split = urlsplit(raw)
        paths = [base.strip().replace("\\", "/") for base in bases]
        segments: list[str] = []
        for index, path in enumerate([*paths, raw]):
            if not path:
                continue
            if _URL_SCHEME.match(path) or path.startswith("/"):
                raise self._outside(resource_id, href)
            if index == len(paths):
                path = split.path
            for part in unquote(path).split("/"):
                if part in ("", "."):
                    continue
                if part != "..":
                    segments.append(part)
                elif segments:
                    segments.pop()
                else:
                    raise self._outside(resource_id, href)
        member = "/".join(segments)
        if not member:
            raise self._outside(resource_id, href)
        if self.names is not None and member not in self.names:
            raise PackageRejected(
                _(
                    "Tài nguyên “%(resource)s” trỏ tới “%(href)s” nhưng gói không có tệp “%(member)s”."
                ),
                code="manifest_href_missing",
                resource=resource_id,
                href=href,
                member=member,
            )
        result = quote(member, safe=_PATH_SAFE)
        if split.query:
            result += "?" + split.query
        if split.fragment:
            result += "#" + split.fragment
        return result

    @staticmethod
    def _outside(resource_id: str, href: str) -> PackageRejected:
        return PackageRejected(
            _("Tài nguyên “%(resource)s” có href “%(href)s” trỏ ra ngoài gói."),
            code="manifest_href_outside",
            resource=resource_id,
            href=href,
        )


def _parse_xml(data: bytes):
    try:
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else "?"
        raise PackageRejected(
            _("Tệp imsmanifest.xml không đúng cú pháp XML ở dòng %(line)s: %(error)s."),
            code="manifest_malformed",
            line=line,
            error=str(error),
        ) from None
    except DefusedXmlException:
        raise PackageRejected(
            _("Tệp imsmanifest.xml có khai báo thực thể (ENTITY); hocso không đọc các khai báo "
              "này để giữ an toàn."),
            code="manifest_entities",
        ) from None  # fmt: skip


def parse_manifest(data: bytes, *, names: Collection[str] | None = None) -> Manifest:
    """Read a SCORM 1.2 imsmanifest.xml (IMS CP 1.1.2 + adlcp 1.2), namespace-tolerant.

    ``names`` (the package's member paths relative to the manifest's folder), when given, is
    used to check that every SCO's file is in the package. Rejects malformed XML, SCORM 2004,
    a manifest without SCO, an item pointing at an unknown resource, an href outside the
    package or missing from it."""
    root = _parse_xml(data)
    if _local(root.tag) != "manifest":
        raise PackageRejected(
            _("Tệp imsmanifest.xml không có phần tử gốc <manifest> (thấy <%(tag)s>)."),
            code="manifest_root",
            tag=_local(root.tag),
        )
    metadata = next(iter(_children(root, "metadata")), None)
    schema_version = _child_text(metadata, "schemaversion") if metadata is not None else ""
    if _is_scorm_2004(root, schema_version):
        raise PackageRejected(
            _("Gói theo chuẩn SCORM 2004 (schemaversion “%(version)s”); hocso chỉ phát được gói "
              "SCORM 1.2. Hãy xuất lại gói theo chuẩn SCORM 1.2."),
            code="manifest_scorm_2004",
            version=schema_version or "adlcp_v1p3",
        )  # fmt: skip

    resolver = _Resolver(names)
    manifest_base = root.get(XML_BASE, "")
    resources: dict[str, tuple[Any, list[str]]] = {}
    for group in _children(root, "resources"):
        for resource in _children(group, "resource"):
            bases = [manifest_base, group.get(XML_BASE, ""), resource.get(XML_BASE, "")]
            resources.setdefault(resource.get("identifier", ""), (resource, bases))

    def launch(resource_id: str, parameters: str) -> tuple[str, bool]:
        resource, bases = resources[resource_id]
        sco = _scorm_type(resource) == "sco"
        href = resource.get("href", "")
        if not href.strip():
            if sco:
                raise PackageRejected(
                    _("Tài nguyên SCO “%(resource)s” không có href."),
                    code="manifest_href_empty",
                    resource=resource_id,
                )
            return "", False
        if sco:
            return _combine(resolver.resolve(bases, href, resource_id), parameters), True
        # An asset is only shown in the outline: it may be listed loosely or live on the web,
        # which must not cost the whole package.
        try:
            return _combine(_Resolver(None).resolve(bases, href, resource_id), parameters), False
        except PackageRejected:
            return "", False

    scos: list[tuple[str, str]] = []

    def read_item(element, depth: int, collect: bool) -> ManifestItem:
        identifier = element.get("identifier", "")
        if depth > MAX_ITEM_DEPTH:
            raise PackageRejected(
                _("Mục “%(item)s” trong imsmanifest.xml lồng quá %(limit)s cấp."),
                code="manifest_too_deep",
                item=identifier,
                limit=MAX_ITEM_DEPTH,
            )
        ref = element.get("identifierref", "").strip()
        href, sco = "", False
        if ref:
            if ref not in resources:
                raise PackageRejected(
                    _("Mục “%(item)s” trỏ tới tài nguyên “%(resource)s” không có trong "
                      "imsmanifest.xml."),
                    code="manifest_unknown_resource",
                    item=identifier,
                    resource=ref,
                )  # fmt: skip
            href, sco = launch(ref, element.get("parameters", ""))
            if sco and collect:
                scos.append((identifier, href))
        children = tuple(
            read_item(child, depth + 1, collect) for child in _children(element, "item")
        )
        return ManifestItem(
            identifier=identifier,
            title=_child_text(element, "title"),
            href=href,
            sco=sco,
            visible=element.get("isvisible", "true").strip().lower() != "false",
            children=children,
        )

    organizations_element = next(iter(_children(root, "organizations")), None)
    organization_elements = (
        _children(organizations_element, "organization")
        if organizations_element is not None
        else []
    )
    default = (
        organizations_element.get("default", "").strip()
        if organizations_element is not None
        else ""
    )
    ids = [element.get("identifier", "") for element in organization_elements]
    if default not in ids:
        default = ids[0] if ids else ""
    organizations = []
    for element in organization_elements:
        identifier = element.get("identifier", "")
        collect = identifier == default
        items = tuple(read_item(item, 1, collect) for item in _children(element, "item"))
        organizations.append(Organization(identifier, _child_text(element, "title"), items))

    if not organization_elements:
        # A resource-only package: every SCO resource is launchable on its own.
        for resource_id, (resource, _bases) in resources.items():
            if _scorm_type(resource) == "sco" and resource.get("href", "").strip():
                scos.append((resource_id, launch(resource_id, "")[0]))
    if not scos:
        raise PackageRejected(
            _("imsmanifest.xml không có SCO nào (mục trỏ tới tài nguyên có "
              "adlcp:scormtype=“sco” và href)."),
            code="manifest_no_sco",
        )  # fmt: skip

    default_org = next((org for org in organizations if org.identifier == default), None)
    title = default_org.title if default_org is not None else ""
    return Manifest(
        identifier=root.get("identifier", ""),
        title=title or root.get("identifier", ""),
        schema_version=schema_version,
        default_organization=default,
        organizations=tuple(organizations),
        scos=tuple(scos),
    )


# ---------------------------------------------------------------------------------------------
# HTML5 entry, folders
# ---------------------------------------------------------------------------------------------


def _meaningful(names: Iterable[str]) -> list[str]:
    return [name for name in names if not name.startswith(_JUNK_PREFIXES)]


def _single_top_folder(names: Iterable[str]) -> str:
    """ "folder/" when every (non-junk) member lives under one top folder, else ""."""
    tops = {name.split("/", 1)[0] if "/" in name else None for name in _meaningful(names)}
    if len(tops) == 1 and None not in tops:
        return f"{tops.pop()}/"
    return ""


def html5_entry(names: list[str]) -> str:
    """The member an HTML5 package opens with: ``index.html`` at the root, or under the single
    top folder that zipping a folder produces (``index.htm`` and any letter case tolerated)."""
    present = set(names)

    def find(prefix: str) -> str | None:
        for candidate in ("index.html", "index.htm"):
            if prefix + candidate in present:
                return prefix + candidate
        wanted = {prefix.lower() + "index.html", prefix.lower() + "index.htm"}
        matches = sorted(n for n in present if n.startswith(prefix) and n.lower() in wanted)
        return matches[0] if matches else None

    entry = find("")
    top = _single_top_folder(names)
    if entry is None and top:
        entry = find(top)
    if entry is None:
        raise PackageRejected(
            _("Gói HTML5 không có tệp index.html ở thư mục gốc (hay trong thư mục duy nhất ở "
              "gốc)."),
            code="html5_no_entry",
        )  # fmt: skip
    return entry


# ---------------------------------------------------------------------------------------------
# Unpacking
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnpackedPackage:
    root: str  # "resources/packages/<sha256>/" (ResourceVersion.package_root)
    launch_path: str  # URL reference relative to root (ResourceVersion.launch_path)
    manifest: dict  # Manifest.as_json() for SCORM, {} for HTML5
    file_count: int
    total_bytes: int


def _seekable(fileobj, stack: contextlib.ExitStack):
    """The upload itself when it can seek (Django uploads can), else a spooled copy that the
    stack closes."""
    try:
        if fileobj.seekable():
            fileobj.seek(0)
            return fileobj
    except (AttributeError, OSError):
        pass
    copy = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024))  # noqa: SIM115
    while chunk := fileobj.read(_CHUNK):
        copy.write(chunk)
    copy.seek(0)
    return copy


def _sha256(fileobj) -> str:
    digest = hashlib.sha256()
    while chunk := fileobj.read(_CHUNK):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with zf.open(info) as source:
        counted = _Counted(
            source, member=info.filename, declared=info.file_size, budget=limit, max_bytes=limit
        )
        return counted.read()


def _corrupt(member: str, error: Exception) -> PackageRejected:
    return PackageRejected(
        _("Tệp “%(member)s” trong gói bị hỏng, không giải nén được (%(error)s)."),
        code="package_corrupt",
        member=member,
        error=str(error) or type(error).__name__,
    )


def _scorm_launch(zf: zipfile.ZipFile, files: list[zipfile.ZipInfo]) -> tuple[str, dict]:
    by_name = {info.filename: info for info in files}
    prefix = ""
    if MANIFEST_NAME not in by_name:
        prefix = _single_top_folder(by_name)
        if not prefix or prefix + MANIFEST_NAME not in by_name:
            raise PackageRejected(
                _("Gói SCORM không có tệp imsmanifest.xml ở thư mục gốc."),
                code="manifest_missing",
            )
    info = by_name[prefix + MANIFEST_NAME]
    if info.file_size > MAX_MANIFEST_BYTES:
        raise PackageRejected(
            _("Tệp imsmanifest.xml lớn %(size)s, vượt giới hạn %(limit)s."),
            code="manifest_too_large",
            size=_size(info.file_size),
            limit=_size(MAX_MANIFEST_BYTES),
        )
    try:
        data = _read_member(zf, info, MAX_MANIFEST_BYTES)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise _corrupt(info.filename, error) from None
    names = {name[len(prefix) :] for name in by_name if name.startswith(prefix)}
    manifest = parse_manifest(data, names=names)
    return quote(prefix, safe=_PATH_SAFE) + manifest.launch_href, manifest.as_json()


def _marker_name(sha: str) -> str:
    # Beside the package folder, not in it: never served, never clashing with a member.
    return f"{PACKAGES_PREFIX}{sha}.complete"


def _has_leftovers(root: str) -> bool:
    """Whether an earlier, unfinished unpack left anything under root (one listing, so a fresh
    unpack does not ask the storage about each of thousands of members)."""
    try:
        folders, files = default_storage.listdir(root)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return bool(folders or files)


def _write_member(zf, info, name: str, *, budget: int, max_bytes: int, leftovers: bool) -> int:
    if leftovers and default_storage.exists(name):
        # Left by an unpack that did not finish: it may be truncated, so write it again.
        default_storage.delete(name)
    with zf.open(info) as source:
        counted = _Counted(
            source,
            member=info.filename,
            declared=info.file_size,
            budget=budget,
            max_bytes=max_bytes,
        )
        saved = default_storage.save(name, File(counted, name=name))
    if saved != name:
        # Another worker unpacking the same zip wrote it first (same bytes): keep theirs.
        default_storage.delete(saved)
    if counted.count != info.file_size:
        raise PackageRejected(
            _("Tệp “%(member)s” giải nén ra %(actual)s byte, khác %(declared)s byte mà gói khai "
              "báo."),
            code="package_size_lie",
            member=info.filename,
            actual=counted.count,
            declared=info.file_size,
        )  # fmt: skip
    return counted.count


def _rollback(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # the rejection being raised matters more than a failed cleanup
            logger.exception("could not delete %s after a rejected package", name)


def package_unpack(fileobj, *, kind: str) -> UnpackedPackage:
    """Check a SCORM 1.2 / HTML5 zip and write its files under ``resources/packages/<sha>/``.

    Idempotent: a zip already unpacked (its marker present) is only checked and read again,
    nothing is written. Raises PackageRejected (and leaves nothing in storage) on a bad package.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    with contextlib.ExitStack() as stack:
        return _unpack(_seekable(fileobj, stack), kind=kind, name=getattr(fileobj, "name", ""))


def _unpack(stream, *, kind: str, name: str) -> UnpackedPackage:
    sha = _sha256(stream)
    root = f"{PACKAGES_PREFIX}{sha}/"
    try:
        zf = zipfile.ZipFile(stream)
    except UnicodeDecodeError:
        # The UTF-8 flag is set but a name's bytes are not UTF-8: which one zipfile does not say.
        raise PackageRejected(
            _("Gói có tên tệp ghi sai mã UTF-8 (cờ UTF-8 bật nhưng tên không phải UTF-8); hãy "
              "nén lại gói."),
            code="package_name_encoding",
        ) from None  # fmt: skip
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise PackageRejected(
            _("Tệp “%(name)s” không phải tệp nén zip hợp lệ (hoặc bị hỏng)."),
            code="package_not_zip",
            name=str(name or "gói"),
        ) from None
    with zf:
        files = check_zip(zf)
        if kind == "scorm":
            launch_path, manifest = _scorm_launch(zf, files)
        else:
            entry = html5_entry([info.filename for info in files])
            launch_path, manifest = quote(entry, safe=_PATH_SAFE), {}
        if len(launch_path) > MAX_LAUNCH_CHARS:
            raise PackageRejected(
                _("Đường dẫn mở gói “%(path)s…” dài quá %(limit)s ký tự."),
                code="package_launch_too_long",
                path=launch_path[:80],
                limit=MAX_LAUNCH_CHARS,
            )
        wanted = [info for info in files if not info.filename.startswith(_JUNK_PREFIXES)]
        total = sum(info.file_size for info in wanted)
        result = UnpackedPackage(
            root=root,
            launch_path=launch_path,
            manifest=manifest,
            file_count=len(wanted),
            total_bytes=total,
        )
        marker = _marker_name(sha)
        if default_storage.exists(marker):
            return result
        max_bytes = _limits()[1]
        names = [root + info.filename for info in wanted]
        written = 0
        leftovers = _has_leftovers(root)
        done = 0  # members whose name may hold something this call wrote
        try:
            for info, name in zip(wanted, names, strict=True):
                done += 1
                try:
                    written += _write_member(
                        zf,
                        info,
                        name,
                        budget=max_bytes - written,
                        max_bytes=max_bytes,
                        leftovers=leftovers,
                    )
                except (
                    zipfile.BadZipFile,
                    zlib.error,
                    EOFError,
                    NotImplementedError,
                    RuntimeError,
                ) as error:
                    raise _corrupt(info.filename, error) from None
            record = {"files": len(wanted), "bytes": written}
            saved = default_storage.save(marker, ContentFile(json.dumps(record).encode()))
            if saved != marker:  # a concurrent unpack of the same zip finished first
                default_storage.delete(saved)
        except BaseException:
            # Nothing half-unpacked stays: what this call wrote goes, and so does whatever an
            # earlier unfinished unpack left -- unless a concurrent unpack of the same zip has
            # finished meanwhile (its marker is there), whose files are whole and in use.
            if not default_storage.exists(marker):
                _rollback(names if leftovers else names[:done])
            raise
        return result
