"""1EdTech (IMS) QTI: write QTI 3.0, read QTI 3.0 and QTI 2.1, as interchange.py describes.

The file is an IMS content package: a zip with ``imsmanifest.xml`` whose resources of type
``imsqti_item_xmlv3p0`` (written) or ``imsqti_item_xmlv2p1`` / ``…v2p2`` / ``…v2p0`` (read too)
are the items, in manifest order. Assessment tests and other resources are not needed and are
ignored; a QTI 1.2 resource is UNSUPPORTED. ``read`` also takes one item XML file on its own.
Each item is written to ``items/<identifier>/<identifier>.xml`` with its images beside it, so an
``<img src="graph.png">`` of hocso's HTML is the file ``items/<identifier>/graph.png`` and comes
back as ``ItemData.files["graph.png"]``; a file name that could leave its folder (``..``, an
absolute path) is written under a safe name and the text's references follow it.

Reading QTI 2.1 and 3.0 goes through one reader: QTI 3 names lose their ``qti-`` prefix and are
camel-cased (``qti-choice-interaction`` → ``choiceInteraction``, ``max-choices`` →
``maxChoices``), which are the QTI 2.1 names. Text is XHTML in QTI and an HTML fragment in hocso;
the conversion is exact for the HTML hocso writes (lower-case tags, double-quoted attributes,
``&amp; &lt; &gt;`` escaped, ``<br>``) and normalises anything else to that form. Texts are
trimmed as read, as the other formats do. HTML comments are not carried.

Mapping (QTI → hocso, and back the same way):

- One interaction per item. ``qti-choice-interaction``: ``max-choices="1"`` → SINGLE_CHOICE, more
  (or 0, "any") → MULTIPLE_RESPONSE. Fractions come from the response declaration's
  ``qti-mapping`` (a choice left out of it earns ``default-value``), unless the response
  processing is the ``match_correct`` template or there is no mapping: then the correct
  response earns 1 (single) or an equal share 1/n rounded to 7 places (multiple; QTI's
  all-or-nothing has no hocso equivalent, the shares are the closest). Written: a single choice
  whose fractions are only 0 and 1 uses ``match_correct``; every other choice item has a mapping
  (lower bound 0, upper bound 1, as hocso clamps) and ``map_response``. ``shuffle="false"`` pins
  every option; with ``shuffle="true"`` the options with ``fixed="true"`` are the pinned ones.
- TRUE_FALSE: a choice interaction with ``class="hocso-true-false"``, ``max-choices="1"``, not
  shuffled, and the choices ``TRUE`` "Đúng" and ``FALSE`` "Sai"; the correct response says
  whether the stem is true. Other tools show a plain two-option question.
- TRUE_FALSE_4: a ``qti-match-interaction`` with ``class="hocso-true-false-4"`` pairing the four
  statements (``S1``…``S4``) with ``TRUE`` "Đúng" or ``FALSE`` "Sai" — players draw it as the grid
  of the 2025 answer sheet. The 2025 scale (1–4 statements right → 0.1 / 0.25 / 0.5 / 1) is the
  SCORE declaration's ``qti-match-table`` looked up with the number of right pairs
  (``qti-lookup-outcome-value``). Without the class the item reads as a MATCHING item.
- ``qti-text-entry-interaction``, ``base-type="string"`` → SHORT_TEXT: the variants are the
  mapping's ``qti-map-entry`` keys in order (``mapped-value`` the fraction), ``case-sensitive`` on
  every entry is ``case_sensitive`` (entries that disagree are UNSUPPORTED; a missing one is true,
  QTI's default). Without a mapping, the correct response values at fraction 1.
- ``base-type="float"`` or ``"integer"`` → SHORT_NUMERIC. QTI 3 has no tolerance on a response
  declaration, so hocso writes custom response processing: a chain of branches
  ``qti-equal tolerance-mode="absolute" tolerance="t"`` (``"exact"`` when t is 0) comparing the
  response with each value and setting SCORE to its fraction. The branches are written best
  fraction first, since the first matching branch wins in QTI and the best one wins in hocso; an
  item whose answers were not best first comes back reordered, scoring the same. Reading takes
  that chain back; other processing falls back to the correct response (tolerance 0) or the
  mapping. ``tolerance-mode="relative"`` or two different tolerances are UNSUPPORTED.
- ``qti-extended-text-interaction`` → ESSAY; ``qti-rubric-block view="scorer"`` (``use="scoring"``)
  is the ``rubric``. No response processing: a person scores it.
- ``qti-match-interaction`` → MATCHING: the first ``qti-simple-match-set`` is the prompts, the
  second the answers, the correct ``directedPair`` values the pairs. Right-hand texts shared by
  several prompts are one answer; the answers no prompt uses are distractors (``left`` empty),
  read after the prompts — a file whose distractors came first comes back with them last.
  Scored as the share of right pairs (the mapped right pairs divided by their number).
- ``qti-order-interaction`` → ORDERING, the correct response is the right order; shuffled,
  ``match_correct`` (all or nothing, hocso's default).
- Feedback: ``qti-modal-feedback`` with ``outcome-identifier="FEEDBACK"``. ``GENERAL`` is
  ``general_feedback``; a choice's identifier is that choice's feedback (QTI 2.1
  ``feedbackInline`` inside a choice is read too); ``ANSWER_<n>`` is the feedback of the n-th
  short answer (in read order) or of the n-th statement of a TRUE_FALSE_4 item. When an item has
  feedback, the response processing is written out in full (the template's rules) plus the rules
  that put those identifiers in FEEDBACK. Any other modal feedback or ``qti-feedback-block``
  (a foreign "correct"/"incorrect" text) is appended to ``general_feedback`` so nothing is lost.
- Common fields: ``identifier`` attribute ↔ ``identifier`` (QTI needs an NCName: another
  identifier, or none, is written as ``ITEM-<n>`` and the real one travels in the manifest),
  ``title`` ↔ ``name``, the ``MAXSCORE`` outcome's default value ↔ ``points`` (SCORE is the
  share 0–1; without MAXSCORE, SCORE's ``normal-maximum``, else 1). The stem is the item body
  without its interaction, written as ``<div class="hocso-stem">…</div>``; in foreign items it is
  the body's other content with the interaction's ``qti-prompt`` appended.
- Metadata in the manifest, per resource, as IEEE LOM (``http://ltsc.ieee.org/xsd/LOM``):
  ``general/identifier`` with catalog ``hocso`` is the hocso identifier when it differs from the
  QTI one; ``general/keyword`` strings are ``tags`` by the ``key=value`` convention of the Moodle
  format (a keyword without ``=`` is a key with an empty value); ``classification/taxonPath``
  with source ``hocso`` is ``category``, root first. A lone item file has none of these.
- Read and not kept: stylesheets, ``qti-catalog-info``, ``time-dependent``, candidate rubric blocks
  become part of the stem. UNSUPPORTED, naming the item: adaptive items, template declarations
  and processing, printed variables, stimulus references and includes, media (``object``,
  ``audio``, ``video``…), more or fewer than one interaction, and every other interaction
  (hotspot, graphic, slider, upload, drawing, inline choice, gap match, hottext, associate,
  media, position object, select point, end attempt, custom and portable custom). The rest of
  the package is still read.

Safety: XML is parsed with defusedxml and a DOCTYPE is refused. A zip with more than
``MAX_ZIP_FILES`` entries or more than ``MAX_ZIP_BYTES`` uncompressed, an encrypted entry, or an
entry whose name is absolute or climbs out with ``..`` is refused as a whole.
"""

import html
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from ..interchange import (
    Choice,
    ItemData,
    ItemType,
    NumericAnswer,
    Pair,
    Problem,
    ProblemKind,
    ReadResult,
    Statement,
    TextAnswer,
)


def gettext_noop(message: str) -> str:
    """Mark a message for translation without importing Django (makemessages extracts it)."""
    return message


QTI3_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
QTI3_SCHEMA = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
CP3_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
CP3_SCHEMA = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd"
LOM_NS = "http://ltsc.ieee.org/xsd/LOM"
LOM_SCHEMA = "https://purl.imsglobal.org/spec/md/v1p3/schema/xsd/imsmd_loose_v1p3p2.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
TEMPLATE_URL = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/{}.xml"
ITEM_RESOURCE_TYPE = "imsqti_item_xmlv3p0"
CATALOG = "hocso"

CLASS_TRUE_FALSE = "hocso-true-false"
CLASS_TRUE_FALSE_4 = "hocso-true-false-4"
CLASS_STEM = "hocso-stem"
TRUE_TEXT, FALSE_TEXT = "Đúng", "Sai"
# The 2025 scale (DOMAIN.md §4): statements right → share of the points.
TRUE_FALSE_4_TABLE = {1: "0.1", 2: "0.25", 3: "0.5", 4: "1"}

MAX_ZIP_FILES = 10_000
MAX_ZIP_BYTES = 512 * 1024 * 1024
_MAX_NUMBER_TEXT = 60

_Q = "{q}"  # the reader's tag prefix for QTI elements, QTI 2.1 names ("{q}choiceInteraction")
_SUPPORTED_INTERACTIONS = {
    "choiceInteraction",
    "textEntryInteraction",
    "extendedTextInteraction",
    "matchInteraction",
    "orderInteraction",
}
# Lower-case QTI 2.1 element names (the others have a capital), told apart from XHTML's.
_QTI2_LOWER_NAMES = {
    "prompt", "value", "mapping", "correct", "match", "equal", "variable", "sum", "and", "or",
    "not", "gt", "lt", "gte", "lte", "member", "multiple", "ordered", "product", "divide",
    "subtract", "max", "min", "power", "round", "truncate", "contains", "delete", "index",
    "substring", "null", "random", "inside", "gap", "hottext", "gcd", "lcm", "repeat", "default",
}  # fmt: skip
_MEDIA_TAGS = {"object", "audio", "video", "source", "track", "iframe", "embed", "picture"}
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}  # fmt: skip
_HTML_TAG = re.compile(r"^[a-z][a-z0-9-]*$")
_HTML_ATTRIBUTE = re.compile(r"^[A-Za-z_][-A-Za-z0-9_.]*$")
_NCNAME = re.compile(r"^[A-Za-z_][-A-Za-z0-9_.]*$")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_ANSWER_FEEDBACK = "ANSWER_{}"
_GENERAL = "GENERAL"


class _ItemProblem(Exception):
    """Stops reading one item; becomes a Problem naming it."""

    def __init__(self, kind: ProblemKind, message: str, **params: object):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.params = {key: str(value) for key, value in params.items()}


def _unsupported(message: str, **params: object) -> _ItemProblem:
    return _ItemProblem(ProblemKind.UNSUPPORTED, message, **params)


def _malformed(message: str, **params: object) -> _ItemProblem:
    return _ItemProblem(ProblemKind.MALFORMED, message, **params)


# ---------------------------------------------------------------------------------------------
# Reading: the package
# ---------------------------------------------------------------------------------------------


def read(data: bytes | str) -> ReadResult:
    """Read a QTI content package (zip) or one item XML file."""
    result = ReadResult()
    if isinstance(data, str):
        data = data.encode("utf-8")
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        _read_package(data, result)
    else:
        _read_item_file(data, "", None, _ResourceMeta(), result)
    return result


@dataclass
class _ResourceMeta:
    identifier: str | None = None  # the hocso identifier when the manifest carries one
    tags: dict[str, str] = field(default_factory=dict)
    category: tuple[str, ...] = ()
    files: list[str] = field(default_factory=list)  # zip paths the resource lists


class _Package:
    """The zip's entries, checked once; item readers look files up by path."""

    def __init__(self, archive: zipfile.ZipFile, names: set[str]):
        self.archive = archive
        self.names = names

    def get(self, path: str) -> bytes | None:
        if path not in self.names:
            return None
        return self.archive.read(path)


def _package_problem(where: str, message: str, **params: object) -> Problem:
    return Problem(
        ProblemKind.MALFORMED, where, message, {key: str(v) for key, v in params.items()}
    )


def _read_package(data: bytes, result: ReadResult) -> None:
    try:
        _read_archive(data, result)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        # An entry whose data is damaged (bad CRC, truncated stream) is found only on reading.
        result.problems.append(
            _package_problem(
                "package",
                gettext_noop("Tệp nén (zip) bị hỏng, không đọc được: %(error)s."),
                error=error,
            )
        )


def _read_archive(data: bytes, result: ReadResult) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        result.problems.append(
            _package_problem("package", gettext_noop("Tệp nén (zip) bị hỏng, không mở được."))
        )
        return
    refusal = _zip_refusal(members)
    if refusal is not None:
        message, params = refusal
        result.problems.append(_package_problem("package", message, **params))
        return
    names = {member.filename for member in members if not member.is_dir()}
    manifests = sorted(
        (name for name in names if posixpath.basename(name) == "imsmanifest.xml"),
        key=lambda name: (name.count("/"), name),
    )
    if not manifests:
        result.problems.append(
            _package_problem(
                "package",
                gettext_noop("Gói QTI thiếu tệp imsmanifest.xml."),
            )
        )
        return
    package = _Package(archive, names)
    manifest_path = manifests[0]
    base = posixpath.dirname(manifest_path)
    parsed = _parse_xml(archive.read(manifest_path), manifest_path)
    if isinstance(parsed, Problem):
        result.problems.append(parsed)
        return
    manifest, lines = parsed
    resources = [el for el in manifest.iter() if _local(el.tag) == "resource"]
    found = 0
    for resource in resources:
        kind = (resource.get("type") or "").strip().lower()
        where = f"{manifest_path}, line {lines.get(resource, 1)}"
        if kind.startswith("imsqti_item_xmlv1") or kind.startswith("imsqti_xmlv1"):
            found += 1
            result.problems.append(
                Problem(
                    ProblemKind.UNSUPPORTED,
                    f"resource {resource.get('identifier', '')} ({where})",
                    gettext_noop("Câu hỏi QTI 1.2 chưa được hỗ trợ; chỉ đọc QTI 2.1 và 3.0."),
                )
            )
            continue
        if not (kind.startswith("imsqti_item_xmlv3") or kind.startswith("imsqti_item_xmlv2")):
            continue  # tests, stylesheets, shared media: not items
        found += 1
        files = [
            _join(base, unquote(file.get("href") or ""))
            for file in resource
            if _local(file.tag) == "file" and file.get("href")
        ]
        href = resource.get("href") or (files[0] if files else "")
        path = _join(base, unquote(href)) if resource.get("href") else href
        content = package.get(path) if path else None
        if content is None:
            result.problems.append(
                _package_problem(
                    f"resource {resource.get('identifier', '')} ({where})",
                    gettext_noop("Không tìm thấy tệp câu hỏi “%(file)s” trong gói."),
                    file=path,
                )
            )
            continue
        meta = _read_lom(resource)
        meta.files = [name for name in files if name != path]
        _read_item_file(content, path, package, meta, result)
    if not found:
        result.problems.append(
            _package_problem(
                manifest_path,
                gettext_noop("Gói QTI không có câu hỏi nào (tài nguyên imsqti_item)."),
            )
        )


def _zip_refusal(members: list[zipfile.ZipInfo]) -> tuple[str, dict] | None:
    if len(members) > MAX_ZIP_FILES:
        return gettext_noop("Gói có %(count)s tệp, vượt giới hạn %(limit)s tệp."), {
            "count": len(members),
            "limit": MAX_ZIP_FILES,
        }
    # The sizes in the zip's directory bound what zipfile will inflate, so their sum is a real
    # limit against a zip bomb.
    if sum(member.file_size for member in members) > MAX_ZIP_BYTES:
        return gettext_noop("Gói giải nén ra quá lớn (trên %(limit)s MB)."), {
            "limit": MAX_ZIP_BYTES // (1024 * 1024)
        }
    for member in members:
        if member.flag_bits & 0x1:
            return gettext_noop("Tệp “%(file)s” trong gói bị mã hoá."), {"file": member.filename}
        if not _safe_path(member.filename.rstrip("/")):
            return (
                gettext_noop("Tệp “%(file)s” trong gói có đường dẫn không an toàn."),
                {"file": member.filename},
            )
    return None


def _safe_path(name: str) -> bool:
    """A relative path that stays inside its folder: no absolute path, drive, `..` or `\\`."""
    if not name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _join(base: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(base, href)) if base else posixpath.normpath(href)


def _read_lom(resource: Element) -> _ResourceMeta:
    meta = _ResourceMeta()
    for element in resource.iter():
        name = _local(element.tag)
        if name == "identifier" and _child_text(element, "catalog") == CATALOG:
            meta.identifier = _child_text(element, "entry")
        elif name == "keyword":
            for string in element:
                text = (string.text or "").strip()
                if _local(string.tag) == "string" and text:
                    key, _, value = text.partition("=")
                    meta.tags[key.strip()] = value.strip()
        elif name == "taxonPath":
            source = next((el for el in element if _local(el.tag) == "source"), None)
            if source is None or _all_text(source).strip() != CATALOG:
                continue
            meta.category = tuple(
                _all_text(taxon_entry).strip()
                for taxon in element
                if _local(taxon.tag) == "taxon"
                for taxon_entry in taxon
                if _local(taxon_entry.tag) == "entry"
            )
    return meta


def _child_text(element: Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return _all_text(child).strip()
    return None


def _all_text(element: Element) -> str:
    return "".join(element.itertext())


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


# ---------------------------------------------------------------------------------------------
# Reading: XML
# ---------------------------------------------------------------------------------------------


class _LineTreeBuilder(TreeBuilder):
    """Records the line each element starts on, so problems can point into the file."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[Element, int] = {}
        self.parser: DefusedXMLParser | None = None

    def start(self, tag, attrs):  # type: ignore[override]
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


def _parse_xml(data: bytes, path: str) -> tuple[Element, dict[Element, int]] | Problem:
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as error:
        line = error.position[0]
        return Problem(
            ProblemKind.MALFORMED,
            _place(path, line),
            gettext_noop("Tệp XML không đúng cú pháp ở dòng %(line)s: %(error)s."),
            {"file": path, "line": str(line), "error": str(error)},
        )
    except DefusedXmlException:
        text = data.decode("utf-8", "replace")
        line = text.count("\n", 0, max(text.find("<!"), 0)) + 1
        return Problem(
            ProblemKind.MALFORMED,
            _place(path, line),
            gettext_noop(
                "Tệp XML có khai báo DOCTYPE hoặc thực thể; hocso không đọc các khai báo này để "
                "giữ an toàn."
            ),
            {"file": path, "line": str(line)},
        )
    return root, builder.lines


def _place(path: str, line: int) -> str:
    """Where in the input: "items/q1.xml, line 4" in a package, "line 4" in a lone file."""
    return f"{path}, line {line}" if path else f"line {line}"


def _camel(name: str) -> str:
    head, *rest = name.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _normalize(root: Element) -> str | None:
    """Rename the QTI elements of an item to ``{q}`` + their QTI 2.1 name, with QTI 2.1
    attribute names, and everything else (XHTML, MathML) to its local name. Returns the QTI
    version ("3" or "2") or None when the root is not an assessment item."""
    namespace, _, name = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", "")
    if not namespace:
        name = root.tag
    if name == "qti-assessment-item":
        version = "3"
    elif name == "assessmentItem":
        version = "2"
    else:
        return None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        element_ns, _, local = (
            element.tag[1:].partition("}") if element.tag.startswith("{") else ("", "", element.tag)
        )
        qti_name = None
        if element_ns == namespace:
            if version == "3" and local.startswith("qti-"):
                qti_name = _camel(local[4:])
            elif version == "2" and (local != local.lower() or local in _QTI2_LOWER_NAMES):
                qti_name = local
        elif element_ns.endswith("XInclude"):
            qti_name = "include"
        if qti_name is not None:
            element.tag = _Q + qti_name
            attributes = {
                (_camel(key) if version == "3" else key): value
                for key, value in element.attrib.items()
                if not key.startswith("{")
            }
        else:
            element.tag = local
            attributes = {}
            for key, value in element.attrib.items():
                if key.startswith("{"):
                    key_ns, _, key_local = key[1:].partition("}")
                    if key_ns == XSI_NS:
                        continue
                    key = key_local
                attributes[key] = value
        element.attrib.clear()
        element.attrib.update(attributes)
    return version


# ---------------------------------------------------------------------------------------------
# Reading: one item
# ---------------------------------------------------------------------------------------------


def _read_item_file(
    data: bytes, path: str, package: _Package | None, meta: _ResourceMeta, result: ReadResult
) -> None:
    parsed = _parse_xml(data, path)
    if isinstance(parsed, Problem):
        result.problems.append(parsed)
        return
    root, lines = parsed
    if _normalize(root) is None:
        result.problems.append(
            Problem(
                ProblemKind.MALFORMED,
                _place(path, lines.get(root, 1)),
                gettext_noop(
                    "Tệp không phải câu hỏi QTI (phần tử gốc <%(tag)s>, cần "
                    "<qti-assessment-item> hoặc <assessmentItem>)."
                ),
                {"file": path, "tag": _local(root.tag)},
            )
        )
        return
    identifier = root.get("identifier", "")
    where = f"item {identifier} ({_place(path, lines.get(root, 1))})"
    reader = _ItemReader(root, path, package, meta, lines)
    try:
        item = reader.read()
    except _ItemProblem as problem:
        place = where
        if reader.focus is not None and reader.focus in lines:
            name = _local(reader.focus.tag)
            place = f"item {identifier}/{name} ({_place(path, lines[reader.focus])})"
        result.problems.append(Problem(problem.kind, place, problem.message, problem.params))
        return
    item.source = where
    result.items.append(item)


class _ItemReader:
    def __init__(
        self,
        root: Element,
        path: str,
        package: _Package | None,
        meta: _ResourceMeta,
        lines: dict[Element, int],
    ):
        self.root = root
        self.path = path
        self.folder = posixpath.dirname(path)
        self.package = package
        self.meta = meta
        self.lines = lines
        self.files: dict[str, bytes] = {}
        self.extra_feedback: list[str] = []
        self.focus: Element | None = None  # the element a problem is about

    # --- the whole item ---------------------------------------------------------------------

    def read(self) -> ItemData:
        root = self.root
        if root.get("adaptive", "false").strip() == "true":
            raise _unsupported(gettext_noop("Câu hỏi thích ứng (adaptive) chưa được hỗ trợ."))
        for child in root:
            name = _qti_name(child)
            if name in ("templateDeclaration", "templateProcessing"):
                self.focus = child
                raise _unsupported(
                    gettext_noop("Câu hỏi có biến mẫu (%(element)s) chưa được hỗ trợ."),
                    element=name,
                )
            if name == "assessmentStimulusRef":
                self.focus = child
                raise _unsupported(
                    gettext_noop("Câu hỏi dùng đoạn ngữ liệu chung (stimulus) chưa được hỗ trợ.")
                )
        # The files the manifest lists first, in its order (the order they were written in).
        for name in self.meta.files:
            if not name.lower().endswith((".xml", ".xsd", ".css")):
                self._file(name)
        body = root.find(_Q + "itemBody")
        if body is None:
            raise _malformed(gettext_noop("Câu hỏi thiếu phần nội dung (item body)."))
        interaction = self._interaction(body)
        self.feedbacks = self._modal_feedbacks()
        self.used_feedback: set[str] = set()
        prompt_element = interaction.find(_Q + "prompt")
        prompt = ""
        if prompt_element is not None:
            prompt = self._html(prompt_element).strip()
            interaction.remove(prompt_element)
        kind = _qti_name(interaction)
        item = ItemData(type=ItemType.ESSAY, stem="")
        self.focus = interaction
        self.declaration = self._declaration(interaction)
        self.template = self._template()
        {
            "choiceInteraction": self._choice,
            "textEntryInteraction": self._text_entry,
            "extendedTextInteraction": self._extended_text,
            "matchInteraction": self._match,
            "orderInteraction": self._order,
        }[kind](interaction, item)
        self.focus = None
        item.stem, item.rubric = self._stem(body, interaction, prompt, item.rubric)
        general = self.feedbacks.get(_GENERAL, "")
        self.used_feedback.add(_GENERAL)
        leftovers = [
            text for key, text in self.feedbacks.items() if key not in self.used_feedback and text
        ]
        item.general_feedback = "\n".join(
            part for part in [general, *leftovers, *self.extra_feedback] if part
        )
        item.name = root.get("title", "")
        item.identifier = (
            self.meta.identifier if self.meta.identifier is not None else root.get("identifier", "")
        )
        item.points = self._points()
        item.tags = dict(self.meta.tags)
        item.category = self.meta.category
        item.files = self.files
        return item

    def _interaction(self, body: Element) -> Element:
        interactions = []
        for element in body.iter():
            name = _qti_name(element)
            if name.endswith("Interaction") or name in ("customInteraction", "positionObjectStage"):
                if name not in _SUPPORTED_INTERACTIONS:
                    self.focus = element
                    raise _unsupported(
                        gettext_noop("Dạng tương tác QTI “%(interaction)s” chưa được hỗ trợ."),
                        interaction=name,
                    )
                interactions.append(element)
        if not interactions:
            raise _unsupported(
                gettext_noop("Câu hỏi không có tương tác nào để trả lời; hocso không nhập mục này.")
            )
        if len(interactions) > 1:
            self.focus = interactions[1]
            raise _unsupported(
                gettext_noop(
                    "Câu hỏi có %(count)s tương tác; hocso chỉ nhập câu hỏi có một tương tác."
                ),
                count=len(interactions),
            )
        return interactions[0]

    def _declaration(self, interaction: Element) -> Element:
        response = interaction.get("responseIdentifier", "")
        for declaration in self.root.findall(_Q + "responseDeclaration"):
            if declaration.get("identifier") == response:
                return declaration
        raise _malformed(
            gettext_noop("Không có khai báo đáp án (response declaration) “%(identifier)s”."),
            identifier=response,
        )

    def _template(self) -> str:
        processing = self.root.find(_Q + "responseProcessing")
        if processing is None:
            return ""
        template = (processing.get("template") or "").strip().rstrip("/")
        name = template.rpartition("/")[2]
        return name[:-4] if name.endswith(".xml") else name

    def _points(self) -> Decimal:
        for declaration in self.root.findall(_Q + "outcomeDeclaration"):
            if declaration.get("identifier") == "MAXSCORE":
                value = declaration.find(f"{_Q}defaultValue/{_Q}value")
                if value is not None:
                    return _number(value.text, "MAXSCORE")
        for declaration in self.root.findall(_Q + "outcomeDeclaration"):
            if declaration.get("identifier") == "SCORE" and declaration.get("normalMaximum"):
                return _number(declaration.get("normalMaximum"), "SCORE normal-maximum")
        return Decimal(1)

    def _modal_feedbacks(self) -> dict[str, str]:
        feedbacks: dict[str, str] = {}
        for element in self.root.findall(_Q + "modalFeedback"):
            key = element.get("identifier", "")
            text = self._html(_content_body(element)).strip()
            if element.get("showHide", "show") != "show" or key in feedbacks:
                self.extra_feedback.append(text)
                continue
            feedbacks[key] = text
        return feedbacks

    def _feedback(self, key: str) -> str:
        self.used_feedback.add(key)
        return self.feedbacks.get(key, "")

    def _stem(
        self, body: Element, interaction: Element, prompt: str, rubric: str
    ) -> tuple[str, str]:
        _detach(body, interaction)
        own: str | None = None
        parts: list[str] = [_between(body.text)]
        rubrics = [rubric] if rubric else []
        for child in body:
            name = _qti_name(child)
            if child.tag == "div" and child.get("class") == CLASS_STEM and own is None:
                own = self._html(child)
            elif name == "rubricBlock":
                text = self._html(_content_body(child)).strip()
                if "scorer" in (child.get("view") or "").split():
                    rubrics.append(text)
                else:
                    parts.append(text)
            elif name == "feedbackBlock":
                self.extra_feedback.append(self._html(_content_body(child)).strip())
            else:
                parts.append(self._outer(child))
            parts.append(_between(child.tail))
        stem = own.strip() if own is not None else "".join(parts).strip()
        if prompt:
            stem = f"{stem}\n<div>{prompt}</div>" if stem else prompt
        return stem, "\n".join(text for text in rubrics if text)

    # --- rich text ------------------------------------------------------------------------

    def _html(self, element: Element | None) -> str:
        """The HTML of `element`'s content (hocso's form of XHTML)."""
        if element is None:
            return ""
        parts = [_escape_text(element.text or "")]
        for child in element:
            parts.append(self._outer(child))
            parts.append(_escape_text(child.tail or ""))
        return "".join(parts)

    def _outer(self, element: Element) -> str:
        tag = element.tag
        if not isinstance(tag, str):
            return ""  # comments and processing instructions carry no content
        if tag.startswith(_Q):
            name = tag[len(_Q) :]
            if name in ("feedbackInline", "feedbackBlock"):
                self.extra_feedback.append(self._html(_content_body(element)).strip())
                return ""
            self.focus = element
            raise _unsupported(
                gettext_noop("Phần tử QTI “%(element)s” trong nội dung chưa được hỗ trợ."),
                element=name,
            )
        if tag in _MEDIA_TAGS:
            self.focus = element
            raise _unsupported(
                gettext_noop(
                    "Nội dung đa phương tiện <%(element)s> chưa được hỗ trợ; chỉ nhập ảnh <img>."
                ),
                element=tag,
            )
        attributes = dict(element.attrib)
        if tag == "img" and "src" in attributes:
            attributes["src"] = self._image(attributes["src"])
        text = "<" + tag
        for key, value in attributes.items():
            text += f' {key}="{_escape_attribute(value)}"'
        text += ">"
        if tag in _VOID:
            return text
        return text + self._html(element) + f"</{tag}>"

    def _image(self, src: str) -> str:
        """The file name an image refers to, its bytes added to the item's files when the
        package has it; a reference to nothing in the package is left as written."""
        if self.package is None or _URL_SCHEME.match(src) or src.startswith(("/", "#")):
            return src
        for candidate in (src, unquote(src)):
            path = posixpath.normpath(posixpath.join(self.folder, candidate))
            if path.startswith("../") or path not in self.package.names:
                continue
            return self._file(path)
        return src

    def _file(self, path: str) -> str:
        """Add the package file at `path` to the item's files; its name is its path relative
        to the item's folder, or its path in the package when it is elsewhere."""
        relative = posixpath.relpath(path, self.folder or ".")
        name = relative if not relative.startswith("../") else path
        content = self.package.get(path) if self.package is not None else None
        if content is not None:
            self.files[name] = content
        return name

    # --- interactions -------------------------------------------------------------------------

    def _mapping(self) -> dict[str, tuple[Decimal, bool]] | None:
        """{key: (fraction, case sensitive)} in file order; None without a usable mapping."""
        mapping = self.declaration.find(_Q + "mapping")
        if mapping is None or self.template == "match_correct":
            return None
        entries: dict[str, tuple[Decimal, bool]] = {}
        for entry in mapping.findall(_Q + "mapEntry"):
            key = entry.get("mapKey", "")
            sensitive = entry.get("caseSensitive", "true").strip() != "false"
            entries.setdefault(key, (_number(entry.get("mappedValue"), "mapped-value"), sensitive))
        self.default_fraction = _number(mapping.get("defaultValue", "0"), "default-value")
        return entries

    def _correct_values(self) -> list[str]:
        return [
            (value.text or "").strip()
            for value in self.declaration.findall(f"{_Q}correctResponse/{_Q}value")
        ]

    def _choice(self, interaction: Element, item: ItemData) -> None:
        choices = interaction.findall(_Q + "simpleChoice")
        shuffle = interaction.get("shuffle", "false").strip() == "true"
        classes = (interaction.get("class") or "").split()
        texts: dict[str, str] = {}
        pinned: dict[str, bool] = {}
        for choice in choices:
            key = choice.get("identifier", "")
            for inline in choice.findall(_Q + "feedbackInline"):
                _detach(choice, inline)
                if key not in self.feedbacks:
                    self.feedbacks[key] = self._html(inline).strip()
            texts[key] = self._html(choice).strip()
            pinned[key] = not shuffle or choice.get("fixed", "false").strip() == "true"
        correct = self._correct_values()
        if CLASS_TRUE_FALSE in classes and set(texts) == {"TRUE", "FALSE"}:
            item.type = ItemType.TRUE_FALSE
            if len(correct) != 1 or correct[0] not in texts:
                raise _ItemProblem(
                    ProblemKind.INVALID,
                    gettext_noop("Câu đúng/sai cần đúng một đáp án đúng (TRUE hoặc FALSE)."),
                )
            item.correct = correct[0] == "TRUE"
            item.feedback_true = self._feedback("TRUE")
            item.feedback_false = self._feedback("FALSE")
            return
        max_choices = _integer(interaction.get("maxChoices", "1"), "max-choices")
        single = max_choices == 1 and self.declaration.get("cardinality", "single") == "single"
        item.type = ItemType.SINGLE_CHOICE if single else ItemType.MULTIPLE_RESPONSE
        mapping = self._mapping()
        if mapping is not None:
            fractions = {key: mapping.get(key, (self.default_fraction, True))[0] for key in texts}
        elif single:
            fractions = {key: Decimal(int(key in correct[:1])) for key in texts}
        else:
            right = [key for key in texts if key in correct]
            share = (Decimal(1) / len(right)).quantize(Decimal("0.0000001")) if right else 0
            fractions = {key: Decimal(share if key in right else 0) for key in texts}
        item.choices = [
            Choice(
                text=texts[key],
                fraction=fractions[key],
                feedback=self._feedback(key),
                pinned=pinned[key],
            )
            for key in texts
        ]
        if len(item.choices) < 2:
            raise _ItemProblem(
                ProblemKind.INVALID, gettext_noop("Câu hỏi cần ít nhất hai phương án.")
            )
        for choice in item.choices:
            _check_fraction(choice.fraction)
        if single and not any(choice.fraction == 1 for choice in item.choices):
            raise _ItemProblem(
                ProblemKind.INVALID, gettext_noop("Không có phương án đúng (được 100%% điểm).")
            )

    def _text_entry(self, interaction: Element, item: ItemData) -> None:
        base_type = self.declaration.get("baseType", "string")
        if base_type in ("float", "integer"):
            self._numeric(item)
            return
        if base_type != "string":
            raise _unsupported(
                gettext_noop("Ô nhập đáp án kiểu “%(type)s” chưa được hỗ trợ."), type=base_type
            )
        item.type = ItemType.SHORT_TEXT
        mapping = self._mapping()
        if mapping is None:
            entries = [(value, Decimal(1), True) for value in self._correct_values()]
        else:
            entries = [(key, fraction, sensitive) for key, (fraction, sensitive) in mapping.items()]
        sensitivities = {sensitive for _key, _fraction, sensitive in entries}
        if len(sensitivities) > 1:
            raise _unsupported(
                gettext_noop(
                    "Các đáp án vừa phân biệt vừa không phân biệt chữ hoa/thường; hocso áp dụng "
                    "một quy tắc cho cả câu."
                )
            )
        item.case_sensitive = sensitivities == {True}
        item.text_answers = [
            TextAnswer(
                text=key,
                fraction=fraction,
                feedback=self._feedback(_ANSWER_FEEDBACK.format(position)),
            )
            for position, (key, fraction, _sensitive) in enumerate(entries, start=1)
        ]
        for answer in item.text_answers:
            _check_fraction(answer.fraction)
        if not any(answer.fraction == 1 for answer in item.text_answers):
            raise _ItemProblem(
                ProblemKind.INVALID,
                gettext_noop("Câu trả lời ngắn cần ít nhất một đáp án được 100%% điểm."),
            )

    def _numeric(self, item: ItemData) -> None:
        item.type = ItemType.SHORT_NUMERIC
        answers = self._numeric_chain()
        if answers is None:
            mapping = self._mapping()
            if mapping is None:
                answers = [(value, Decimal(1), Decimal(0)) for value in self._correct_values()]
            else:
                answers = [(key, fraction, Decimal(0)) for key, (fraction, _s) in mapping.items()]
            answers = [(_number(value, "value"), fraction, t) for value, fraction, t in answers]
        item.numeric_answers = [
            NumericAnswer(
                value=value,
                tolerance=tolerance,
                fraction=fraction,
                feedback=self._feedback(_ANSWER_FEEDBACK.format(position)),
            )
            for position, (value, fraction, tolerance) in enumerate(answers, start=1)
        ]
        for answer in item.numeric_answers:
            _check_fraction(answer.fraction)
        if not any(answer.fraction == 1 for answer in item.numeric_answers):
            raise _ItemProblem(
                ProblemKind.INVALID,
                gettext_noop("Câu trả lời số cần ít nhất một đáp án được 100%% điểm."),
            )

    def _numeric_chain(self) -> list[tuple[Decimal, Decimal, Decimal]] | None:
        """The (value, fraction, tolerance) branches of hocso's numeric response processing,
        or None when the processing is something else."""
        processing = self.root.find(_Q + "responseProcessing")
        condition = processing.find(_Q + "responseCondition") if processing is not None else None
        if condition is None:
            return None
        answers = []
        response = self.declaration.get("identifier")
        for branch in condition:
            if _qti_name(branch) not in ("responseIf", "responseElseIf"):
                continue
            test = branch[0] if len(branch) else None
            if test is None or _qti_name(test) == "isNull":
                continue
            if _qti_name(test) != "equal" or len(test) != 2:
                return None
            variable, value = test
            if _qti_name(variable) != "variable" or variable.get("identifier") != response:
                return None
            if _qti_name(value) != "baseValue":
                return None
            score = next(
                (
                    rule.find(_Q + "baseValue")
                    for rule in branch.findall(_Q + "setOutcomeValue")
                    if rule.get("identifier") == "SCORE"
                ),
                None,
            )
            if score is None:
                return None
            self.focus = test
            answers.append(
                (
                    _number(value.text, "base-value"),
                    _number(score.text, "SCORE"),
                    self._tolerance(test),
                )
            )
        return answers or None

    @staticmethod
    def _tolerance(test: Element) -> Decimal:
        mode = test.get("toleranceMode", "exact").strip()
        if mode == "exact":
            return Decimal(0)
        if mode != "absolute":
            raise _unsupported(
                gettext_noop("Sai số kiểu “%(mode)s” chưa được hỗ trợ; chỉ sai số tuyệt đối."),
                mode=mode,
            )
        values = [_number(part, "tolerance") for part in (test.get("tolerance") or "0").split()]
        if len(set(values)) > 1:
            raise _unsupported(
                gettext_noop("Sai số hai phía khác nhau (%(tolerance)s) chưa được hỗ trợ."),
                tolerance=test.get("tolerance"),
            )
        if values[0] < 0:
            raise _ItemProblem(
                ProblemKind.INVALID,
                gettext_noop("Sai số %(value)s không được âm."),
                value=_decimal_text(values[0]),
            )
        return values[0]

    def _extended_text(self, interaction: Element, item: ItemData) -> None:
        item.type = ItemType.ESSAY

    def _match(self, interaction: Element, item: ItemData) -> None:
        sets = interaction.findall(_Q + "simpleMatchSet")
        if len(sets) != 2:
            raise _malformed(gettext_noop("Tương tác ghép đôi cần đúng hai tập lựa chọn."))
        lefts = {
            choice.get("identifier", ""): self._html(choice).strip()
            for choice in sets[0].findall(_Q + "simpleAssociableChoice")
        }
        rights = {
            choice.get("identifier", ""): self._html(choice).strip()
            for choice in sets[1].findall(_Q + "simpleAssociableChoice")
        }
        matches: dict[str, list[str]] = {key: [] for key in lefts}
        for value in self._correct_values():
            source, _, target = value.partition(" ")
            target = target.strip()
            if source in lefts and target in rights:
                matches[source].append(target)
            elif target in lefts and source in rights:  # pairs written right to left
                matches[target].append(source)
            else:
                raise _malformed(
                    gettext_noop("Cặp đáp án “%(pair)s” không khớp với lựa chọn nào."), pair=value
                )
        classes = (interaction.get("class") or "").split()
        if CLASS_TRUE_FALSE_4 in classes and set(rights) == {"TRUE", "FALSE"}:
            item.type = ItemType.TRUE_FALSE_4
            if len(lefts) != 4 or any(len(targets) != 1 for targets in matches.values()):
                raise _ItemProblem(
                    ProblemKind.INVALID,
                    gettext_noop(
                        "Câu đúng/sai 4 phát biểu cần đúng 4 phát biểu, mỗi phát biểu một đáp án."
                    ),
                )
            item.statements = [
                Statement(
                    text=text,
                    is_true=matches[key][0] == "TRUE",
                    feedback=self._feedback(_ANSWER_FEEDBACK.format(position)),
                )
                for position, (key, text) in enumerate(lefts.items(), start=1)
            ]
            return
        item.type = ItemType.MATCHING
        for key, text in lefts.items():
            if len(matches[key]) != 1:
                raise _unsupported(
                    gettext_noop(
                        "Vế trái “%(left)s” có %(count)s vế phải đúng; hocso cần đúng một."
                    ),
                    left=text,
                    count=len(matches[key]),
                )
            item.pairs.append(Pair(left=text, right=rights[matches[key][0]]))
        used = {targets[0] for targets in matches.values()}
        item.pairs += [Pair(left="", right=text) for key, text in rights.items() if key not in used]
        if len(lefts) < 2:
            raise _ItemProblem(
                ProblemKind.INVALID, gettext_noop("Câu ghép đôi cần ít nhất hai cặp.")
            )

    def _order(self, interaction: Element, item: ItemData) -> None:
        item.type = ItemType.ORDERING
        texts = {
            choice.get("identifier", ""): self._html(choice).strip()
            for choice in interaction.findall(_Q + "simpleChoice")
        }
        order = self._correct_values()
        if sorted(order) != sorted(texts):
            raise _unsupported(
                gettext_noop(
                    "Đáp án sắp xếp không dùng đúng một lần mỗi mục; hocso cần thứ tự của tất cả "
                    "các mục."
                )
            )
        item.order = [texts[key] for key in order]
        if len(item.order) < 2:
            raise _ItemProblem(
                ProblemKind.INVALID, gettext_noop("Câu sắp xếp cần ít nhất hai mục.")
            )


def _qti_name(element: Element) -> str:
    tag = element.tag
    return tag[len(_Q) :] if isinstance(tag, str) and tag.startswith(_Q) else ""


def _content_body(element: Element) -> Element:
    """QTI 3 wraps feedback and rubric content in qti-content-body; QTI 2.1 does not."""
    body = element.find(_Q + "contentBody")
    return body if body is not None else element


def _detach(root: Element, target: Element) -> None:
    """Remove `target` from under `root`, keeping the text that followed it."""
    for parent in root.iter():
        children = list(parent)
        if target not in children:
            continue
        index = children.index(target)
        tail = target.tail or ""
        if index:
            previous = children[index - 1]
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(target)
        return


def _between(text: str | None) -> str:
    """Text between the item body's blocks; the indentation there becomes one line break."""
    if not text:
        return ""
    return "\n" if not text.strip() else _escape_text(text)


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(text: str) -> str:
    return _escape_text(text).replace('"', "&quot;")


def _number(text: str | None, what: str) -> Decimal:
    raw = (text or "").strip()
    try:
        if len(raw) > _MAX_NUMBER_TEXT:
            raise InvalidOperation
        value = Decimal(raw)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise _malformed(
            gettext_noop("Giá trị “%(value)s” của %(field)s không phải là số."),
            value=raw[:_MAX_NUMBER_TEXT],
            field=what,
        ) from None
    return Decimal(_decimal_text(value))


def _integer(text: str | None, what: str) -> int:
    value = _number(text, what)
    if value != value.to_integral_value():
        raise _malformed(
            gettext_noop("Giá trị “%(value)s” của %(field)s không phải là số nguyên."),
            value=text,
            field=what,
        )
    return int(value)


def _check_fraction(fraction: Decimal) -> None:
    if not -1 <= fraction <= 1:
        raise _ItemProblem(
            ProblemKind.INVALID,
            gettext_noop("Tỉ lệ điểm %(value)s nằm ngoài khoảng từ -1 đến 1."),
            value=_decimal_text(fraction),
        )


def _decimal_text(value: Decimal) -> str:
    """Fixed-point text without trailing zeros: the exact value, never an exponent."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def write(items: Sequence[ItemData]) -> bytes:
    """Write items as a QTI 3.0 content package (zip bytes)."""
    used: set[str] = set()
    entries: list[tuple[str, bytes]] = []
    resources: list[str] = []
    for position, item in enumerate(items, start=1):
        identifier = item.identifier
        if not _NCNAME.match(identifier) or identifier in used:
            identifier = f"ITEM-{position}"
            while identifier in used:
                identifier += "-"
        used.add(identifier)
        folder = f"items/{identifier}"
        writer = _ItemWriter(item, identifier)
        xml = writer.xml()
        item_path = f"{folder}/{identifier}.xml"
        entries.append((item_path, xml))
        paths = [item_path]
        for name, content in writer.files.items():
            entries.append((f"{folder}/{name}", content))
            paths.append(f"{folder}/{name}")
        resources.append(_resource(item, identifier, paths))
    manifest = _manifest(resources)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in [("imsmanifest.xml", manifest), *entries]:
            # A fixed date: the same items give the same bytes.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def _manifest(resources: list[str]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<manifest xmlns="{CP3_NS}" xmlns:xsi="{XSI_NS}" identifier="MANIFEST-hocso"',
        f'  xsi:schemaLocation="{CP3_NS} {CP3_SCHEMA} {LOM_NS} {LOM_SCHEMA}">',
        "  <metadata>",
        "    <schema>QTI Package</schema>",
        "    <schemaversion>3.0.0</schemaversion>",
        "  </metadata>",
        "  <organizations/>",
        "  <resources>",
        *resources,
        "  </resources>",
        "</manifest>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _resource(item: ItemData, identifier: str, paths: list[str]) -> str:
    def text(value: str) -> str:
        return html.escape(_XML_INVALID.sub("", value), quote=True)

    general = []
    if item.identifier != identifier:
        general.append(
            f"<identifier><catalog>{CATALOG}</catalog><entry>{text(item.identifier)}</entry>"
            "</identifier>"
        )
    for key, value in item.tags.items():
        keyword = f"{key}={value}" if value else key
        general.append(f"<keyword><string>{text(keyword)}</string></keyword>")
    lom = []
    if general:
        lom.append("<general>" + "".join(general) + "</general>")
    if item.category:
        taxa = "".join(
            f"<taxon><entry><string>{text(part)}</string></entry></taxon>" for part in item.category
        )
        lom.append(
            "<classification><purpose><source>LOMv1.0</source><value>discipline</value></purpose>"
            f"<taxonPath><source><string>{CATALOG}</string></source>{taxa}</taxonPath>"
            "</classification>"
        )
    out = [
        f'    <resource identifier="RES-{identifier}" type="{ITEM_RESOURCE_TYPE}" '
        f'href="{text(quote(paths[0]))}">'
    ]
    if lom:
        out.append(f'      <metadata><lom xmlns="{LOM_NS}">{"".join(lom)}</lom></metadata>')
    out += [f'      <file href="{text(quote(path))}"/>' for path in paths]
    out.append("    </resource>")
    return "\n".join(out)


def _tag(local: str) -> str:
    # Unqualified: the root carries xmlns (ElementTree's default_namespace option refuses
    # unqualified attribute names).
    return local


def _sub(parent: Element, local: str, attributes: dict[str, str] | None = None) -> Element:
    return ET.SubElement(parent, _tag(local), attributes or {})


def _element(local: str, attributes: dict[str, str] | None = None) -> Element:
    return Element(_tag(local), attributes or {})


def _value(parent: Element, local: str, text: str, attributes: dict | None = None) -> Element:
    element = _sub(parent, local, attributes)
    element.text = _XML_INVALID.sub("", text)
    return element


def _variable(identifier: str) -> Element:
    return _element("qti-variable", {"identifier": identifier})


def _base_value(base_type: str, text: str) -> Element:
    element = _element("qti-base-value", {"base-type": base_type})
    element.text = text
    return element


def _set_outcome(identifier: str, expression: Element) -> Element:
    rule = _element("qti-set-outcome-value", {"identifier": identifier})
    rule.append(expression)
    return rule


def _add_feedback(expression: Element) -> Element:
    """FEEDBACK gets one more identifier (or the identifiers of a multiple response)."""
    multiple = _element("qti-multiple")
    multiple.append(_variable("FEEDBACK"))
    multiple.append(expression)
    return _set_outcome("FEEDBACK", multiple)


def _condition(branches: list[tuple[Element | None, list[Element]]]) -> Element:
    """qti-response-condition of (test, rules) branches; a None test is the else branch."""
    condition = _element("qti-response-condition")
    for position, (test, rules) in enumerate(branches):
        if test is None:
            branch = _sub(condition, "qti-response-else")
        else:
            branch = _sub(condition, "qti-response-if" if position == 0 else "qti-response-else-if")
            branch.append(test)
        branch.extend(rules)
    return condition


def _is_null(identifier: str) -> Element:
    test = _element("qti-is-null")
    test.append(_variable(identifier))
    return test


def _score(value: str) -> Element:
    return _set_outcome("SCORE", _base_value("float", value))


def _template_rules(name: str) -> list[Element]:
    """The rules of a standard response processing template, written out."""
    if name == "match_correct":
        test = _element("qti-match")
        test.append(_variable("RESPONSE"))
        test.append(_element("qti-correct", {"identifier": "RESPONSE"}))
        return [_condition([(test, [_score("1")]), (None, [_score("0")])])]
    mapped = _element("qti-map-response", {"identifier": "RESPONSE"})
    return [
        _condition([(_is_null("RESPONSE"), [_score("0")]), (None, [_set_outcome("SCORE", mapped)])])
    ]


class _ItemWriter:
    def __init__(self, item: ItemData, identifier: str):
        self.item = item
        self.identifier = identifier
        self.files: dict[str, bytes] = {}
        self.renamed: dict[str, str] = {}
        for position, (name, content) in enumerate(item.files.items(), start=1):
            safe = name
            if not _safe_path(name) or name == f"{identifier}.xml" or safe in self.files:
                extension = posixpath.splitext(name)[1]
                extension = extension if re.match(r"^\.[A-Za-z0-9]{1,8}$", extension) else ""
                safe = f"file-{position}{extension}"
            self.renamed[name] = safe
            self.files[safe] = content
        self.feedback: list[tuple[str, str]] = []  # modal feedbacks (identifier, html)
        self.feedback_rules: list[Element] = []

    def xml(self) -> bytes:
        item = self.item
        root = Element(
            _tag("qti-assessment-item"),
            {
                f"{{{XSI_NS}}}schemaLocation": f"{QTI3_NS} {QTI3_SCHEMA}",
                "identifier": self.identifier,
                "title": _XML_INVALID.sub("", item.name),
                "adaptive": "false",
                "time-dependent": "false",
                "tool-name": "hocso",
                "xmlns": QTI3_NS,
            },
        )
        self.root = root
        self.declaration = _sub(root, "qti-response-declaration", {"identifier": "RESPONSE"})
        score = _sub(
            root,
            "qti-outcome-declaration",
            {"identifier": "SCORE", "cardinality": "single", "base-type": "float"},
        )
        self.score_declaration = score
        maximum = _sub(
            root,
            "qti-outcome-declaration",
            {"identifier": "MAXSCORE", "cardinality": "single", "base-type": "float"},
        )
        _value(_sub(maximum, "qti-default-value"), "qti-value", _decimal_text(item.points))
        # The item body follows every declaration, some of which the type adds below.
        body = _element("qti-item-body")
        stem = _sub(body, "div", {"class": CLASS_STEM})
        self._html(stem, item.stem)
        scoring = {
            ItemType.SINGLE_CHOICE: self._choice,
            ItemType.MULTIPLE_RESPONSE: self._choice,
            ItemType.TRUE_FALSE: self._true_false,
            ItemType.TRUE_FALSE_4: self._true_false_4,
            ItemType.SHORT_TEXT: self._short_text,
            ItemType.SHORT_NUMERIC: self._short_numeric,
            ItemType.MATCHING: self._matching,
            ItemType.ORDERING: self._ordering,
            ItemType.ESSAY: self._essay,
        }[item.type](body)
        if item.general_feedback:
            self.feedback.append((_GENERAL, item.general_feedback))
            self.feedback_rules.append(_add_feedback(_base_value("identifier", _GENERAL)))
        if self.feedback:
            _sub(
                root,
                "qti-outcome-declaration",
                {"identifier": "FEEDBACK", "cardinality": "multiple", "base-type": "identifier"},
            )
        root.append(body)
        self._response_processing(scoring)
        for key, text in self.feedback:
            modal = _sub(
                root,
                "qti-modal-feedback",
                {"outcome-identifier": "FEEDBACK", "identifier": key, "show-hide": "show"},
            )
            self._html(_sub(modal, "qti-content-body"), text)
        _indent(root)
        text = ET.tostring(root, encoding="unicode")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode("utf-8")

    def _response_processing(self, scoring: str | list[Element] | None) -> None:
        if scoring is None and not self.feedback_rules:
            return
        processing = _sub(self.root, "qti-response-processing")
        if isinstance(scoring, str) and not self.feedback_rules:
            processing.set("template", TEMPLATE_URL.format(scoring))
            return
        rules = _template_rules(scoring) if isinstance(scoring, str) else scoring or []
        processing.extend(rules)
        processing.extend(self.feedback_rules)

    def _html(self, parent: Element, text: str) -> None:
        _HtmlToXml(parent, self.renamed).feed_all(text)

    def _declare(self, cardinality: str, base_type: str, correct: list[str]) -> None:
        self.declaration.set("cardinality", cardinality)
        self.declaration.set("base-type", base_type)
        if correct:
            values = _sub(self.declaration, "qti-correct-response")
            for value in correct:
                _value(values, "qti-value", value)

    def _mapping(self, entries: list[tuple[str, Decimal]], **attributes: str) -> Element:
        mapping = _sub(self.declaration, "qti-mapping", {**attributes, "default-value": "0"})
        for key, fraction in entries:
            _sub(
                mapping,
                "qti-map-entry",
                {"map-key": _XML_INVALID.sub("", key), "mapped-value": _decimal_text(fraction)},
            )
        return mapping

    def _choices(
        self, interaction: Element, texts: list[str], keys: list[str], pinned: list[bool]
    ) -> None:
        shuffle = not all(pinned)
        interaction.set("shuffle", "true" if shuffle else "false")
        for key, text, fixed in zip(keys, texts, pinned, strict=True):
            attributes = {"identifier": key}
            if shuffle and fixed:
                attributes["fixed"] = "true"
            self._html(_sub(interaction, "qti-simple-choice", attributes), text)

    def _choice(self, body: Element) -> str:
        item = self.item
        single = item.type == ItemType.SINGLE_CHOICE
        keys = _choice_keys(len(item.choices))
        fractions = [choice.fraction for choice in item.choices]
        if single:
            right = next((k for k, f in zip(keys, fractions, strict=True) if f == 1), None)
            self._declare("single", "identifier", [right] if right else [])
        else:
            right_keys = [k for k, f in zip(keys, fractions, strict=True) if f > 0]
            self._declare("multiple", "identifier", right_keys)
        template = "match_correct"
        if not single or sorted(fractions) != [0] * (len(fractions) - 1) + [1]:
            template = "map_response"
            entries = [(k, f) for k, f in zip(keys, fractions, strict=True) if f != 0]
            self._mapping(entries, **{"lower-bound": "0", "upper-bound": "1"})
        interaction = _sub(
            body,
            "qti-choice-interaction",
            {
                "response-identifier": "RESPONSE",
                "max-choices": "1" if single else "0",
            },
        )
        self._choices(
            interaction,
            [choice.text for choice in item.choices],
            keys,
            [choice.pinned for choice in item.choices],
        )
        self._choice_feedback(keys, [choice.feedback for choice in item.choices])
        return template

    def _choice_feedback(self, keys: list[str], feedbacks: list[str]) -> None:
        if not any(feedbacks):
            return
        self.feedback += [(k, f) for k, f in zip(keys, feedbacks, strict=True) if f]
        self.feedback_rules.append(_add_feedback(_variable("RESPONSE")))

    def _true_false(self, body: Element) -> str:
        item = self.item
        self._declare("single", "identifier", ["TRUE" if item.correct else "FALSE"])
        interaction = _sub(
            body,
            "qti-choice-interaction",
            {"response-identifier": "RESPONSE", "max-choices": "1", "class": CLASS_TRUE_FALSE},
        )
        self._choices(interaction, [TRUE_TEXT, FALSE_TEXT], ["TRUE", "FALSE"], [True, True])
        self._choice_feedback(["TRUE", "FALSE"], [item.feedback_true, item.feedback_false])
        return "match_correct"

    def _match_sets(
        self,
        interaction: Element,
        lefts: list[tuple[str, str]],
        rights: list[tuple[str, str]],
        right_max: str,
    ) -> None:
        first = _sub(interaction, "qti-simple-match-set")
        for key, text in lefts:
            choice = _sub(
                first, "qti-simple-associable-choice", {"identifier": key, "match-max": "1"}
            )
            self._html(choice, text)
        second = _sub(interaction, "qti-simple-match-set")
        for key, text in rights:
            choice = _sub(
                second, "qti-simple-associable-choice", {"identifier": key, "match-max": right_max}
            )
            self._html(choice, text)

    def _true_false_4(self, body: Element) -> list[Element]:
        item = self.item
        keys = [f"S{n}" for n in range(1, len(item.statements) + 1)]
        pairs = [
            f"{key} {'TRUE' if statement.is_true else 'FALSE'}"
            for key, statement in zip(keys, item.statements, strict=True)
        ]
        self._declare("multiple", "directedPair", pairs)
        self._mapping([(pair, Decimal(1)) for pair in pairs])
        table = _sub(self.score_declaration, "qti-match-table", {"default-value": "0"})
        for right, share in TRUE_FALSE_4_TABLE.items():
            _sub(
                table,
                "qti-match-table-entry",
                {"source-value": str(right), "target-value": share},
            )
        _sub(
            self.root,
            "qti-outcome-declaration",
            {"identifier": "RIGHT", "cardinality": "single", "base-type": "integer"},
        )
        interaction = _sub(
            body,
            "qti-match-interaction",
            {
                "response-identifier": "RESPONSE",
                "shuffle": "false",
                "max-associations": str(len(keys)),
                "class": CLASS_TRUE_FALSE_4,
            },
        )
        self._match_sets(
            interaction,
            [(key, statement.text) for key, statement in zip(keys, item.statements, strict=True)],
            [("TRUE", _escape_text(TRUE_TEXT)), ("FALSE", _escape_text(FALSE_TEXT))],
            str(len(keys)),
        )
        # Each statement's explanation is shown once the item is answered.
        for position, statement in enumerate(item.statements, start=1):
            if statement.feedback:
                key = _ANSWER_FEEDBACK.format(position)
                self.feedback.append((key, statement.feedback))
                self.feedback_rules.append(_add_feedback(_base_value("identifier", key)))
        rounded = _element("qti-round")
        rounded.append(_element("qti-map-response", {"identifier": "RESPONSE"}))
        lookup = _element("qti-lookup-outcome-value", {"identifier": "SCORE"})
        lookup.append(_variable("RIGHT"))
        return [
            _condition(
                [
                    (_is_null("RESPONSE"), [_score("0")]),
                    (None, [_set_outcome("RIGHT", rounded), lookup]),
                ]
            )
        ]

    def _short_text(self, body: Element) -> str:
        item = self.item
        right = next((a.text for a in item.text_answers if a.fraction == 1), None)
        self._declare("single", "string", [right] if right is not None else [])
        mapping = self._mapping(
            [(answer.text, answer.fraction) for answer in item.text_answers],
            **{"lower-bound": "0", "upper-bound": "1"},
        )
        sensitive = "true" if item.case_sensitive else "false"
        for entry in mapping:
            entry.set("case-sensitive", sensitive)
        self._text_entry(body)
        for position, answer in enumerate(item.text_answers, start=1):
            if not answer.feedback:
                continue
            key = _ANSWER_FEEDBACK.format(position)
            self.feedback.append((key, answer.feedback))
            test = _element("qti-string-match", {"case-sensitive": sensitive})
            test.append(_variable("RESPONSE"))
            test.append(_base_value("string", _XML_INVALID.sub("", answer.text)))
            self.feedback_rules.append(
                _condition([(test, [_add_feedback(_base_value("identifier", key))])])
            )
        return "map_response"

    def _text_entry(self, body: Element) -> None:
        # A text entry is inline content: it stands in a paragraph of its own.
        paragraph = _sub(body, "p")
        _sub(paragraph, "qti-text-entry-interaction", {"response-identifier": "RESPONSE"})

    def _short_numeric(self, body: Element) -> list[Element]:
        item = self.item
        answers = sorted(item.numeric_answers, key=lambda answer: -answer.fraction)
        right = next((a for a in answers if a.fraction == 1), None)
        self._declare("single", "float", [_decimal_text(right.value)] if right else [])
        self._text_entry(body)
        branches: list[tuple[Element | None, list[Element]]] = [
            (_is_null("RESPONSE"), [_score("0")])
        ]
        for position, answer in enumerate(answers, start=1):
            if answer.tolerance:
                attributes = {
                    "tolerance-mode": "absolute",
                    "tolerance": _decimal_text(answer.tolerance),
                }
            else:
                attributes = {"tolerance-mode": "exact"}
            test = _element("qti-equal", attributes)
            test.append(_variable("RESPONSE"))
            test.append(_base_value("float", _decimal_text(answer.value)))
            rules = [_score(_decimal_text(answer.fraction))]
            if answer.feedback:
                key = _ANSWER_FEEDBACK.format(position)
                self.feedback.append((key, answer.feedback))
                rules.append(_add_feedback(_base_value("identifier", key)))
            branches.append((test, rules))
        branches.append((None, [_score("0")]))
        return [_condition(branches)]

    def _matching(self, body: Element) -> list[Element]:
        item = self.item
        prompts = [pair for pair in item.pairs if pair.left]
        right_keys: dict[str, str] = {}
        for pair in item.pairs:
            right_keys.setdefault(pair.right, f"R{len(right_keys) + 1}")
        lefts = [(f"L{n}", pair.left) for n, pair in enumerate(prompts, start=1)]
        pairs = [
            f"{key} {right_keys[pair.right]}"
            for (key, _t), pair in zip(lefts, prompts, strict=True)
        ]
        self._declare("multiple", "directedPair", pairs)
        self._mapping([(pair, Decimal(1)) for pair in pairs])
        interaction = _sub(
            body,
            "qti-match-interaction",
            {
                "response-identifier": "RESPONSE",
                "shuffle": "true",
                "max-associations": str(len(lefts)),
            },
        )
        self._match_sets(interaction, lefts, [(key, text) for text, key in right_keys.items()], "0")
        share = _element("qti-divide")
        share.append(_element("qti-map-response", {"identifier": "RESPONSE"}))
        share.append(_base_value("float", str(max(len(lefts), 1))))
        return [
            _condition(
                [(_is_null("RESPONSE"), [_score("0")]), (None, [_set_outcome("SCORE", share)])]
            )
        ]

    def _ordering(self, body: Element) -> str:
        item = self.item
        keys = [f"O{n}" for n in range(1, len(item.order) + 1)]
        self._declare("ordered", "identifier", keys)
        interaction = _sub(
            body, "qti-order-interaction", {"response-identifier": "RESPONSE", "shuffle": "true"}
        )
        for key, text in zip(keys, item.order, strict=True):
            self._html(_sub(interaction, "qti-simple-choice", {"identifier": key}), text)
        return "match_correct"

    def _essay(self, body: Element) -> None:
        self._declare("single", "string", [])
        if self.item.rubric:
            rubric = Element(_tag("qti-rubric-block"), {"view": "scorer", "use": "scoring"})
            self._html(_sub(rubric, "qti-content-body"), self.item.rubric)
            body.insert(1, rubric)
        _sub(body, "qti-extended-text-interaction", {"response-identifier": "RESPONSE"})
        return None


def _choice_keys(count: int) -> list[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [letters[n] if n < len(letters) else f"CHOICE_{n + 1}" for n in range(count)]


# Elements whose content is text or XHTML, never indented (white space there is content).
_CONTENT = {
    "div",
    "p",
    "qti-simple-choice",
    "qti-simple-associable-choice",
    "qti-content-body",
    "qti-value",
    "qti-base-value",
}


def _indent(element: Element, level: int = 0) -> None:
    local = _local(element.tag)
    if local in _CONTENT or not len(element):
        return
    padding = "\n" + "  " * (level + 1)
    element.text = padding
    for child in element:
        child.tail = padding
        _indent(child, level + 1)
    element[-1].tail = "\n" + "  " * level


class _HtmlToXml(HTMLParser):
    """hocso's HTML fragment as XHTML elements in the QTI namespace under `parent`."""

    def __init__(self, parent: Element, renamed: dict[str, str]):
        super().__init__(convert_charrefs=True)
        self.stack = [parent]
        self.renamed = renamed

    def feed_all(self, text: str) -> None:
        self.feed(_XML_INVALID.sub("", text))
        self.close()

    def _text(self, data: str) -> None:
        current = self.stack[-1]
        if len(current):
            current[-1].tail = (current[-1].tail or "") + data
        else:
            current.text = (current.text or "") + data

    def _open(self, tag: str, attrs: list[tuple[str, str | None]]) -> Element | None:
        if not _HTML_TAG.match(tag) or tag.startswith("qti-"):
            self._text(self.get_starttag_text() or "")
            return None
        attributes = {}
        for key, value in attrs:
            if _HTML_ATTRIBUTE.match(key):
                value = value or ""
                if tag == "img" and key == "src":
                    value = self.renamed.get(value, value)
                attributes[key] = value
        return _sub(self.stack[-1], tag, attributes)

    def handle_starttag(self, tag, attrs):
        element = self._open(tag, attrs)
        if element is not None and tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self._open(tag, attrs)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == _tag(tag):
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self._text(data)
