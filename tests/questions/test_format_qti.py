"""QTI exchange format: writing QTI 3.0 packages, reading QTI 3.0 and 2.1, round trips
(hocso.questions.formats.qti)."""

import io
import zipfile
from dataclasses import replace
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hocso.questions.formats import qti
from hocso.questions.interchange import (
    Choice,
    ItemData,
    ItemType,
    NumericAnswer,
    Pair,
    ProblemKind,
    Statement,
    TextAnswer,
)

from .items import PNG_1PX, short_numeric, short_text, single_choice, true_false_4

QTI3 = "{http://www.imsglobal.org/xsd/imsqtiasi_v3p0}"
QTI21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"


def round_trip(items):
    result = qti.read(qti.write(items))
    assert result.problems == []
    return result.items


def without_source(items):
    return [replace(item, source="") for item in items]


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def parse(xml: bytes) -> ElementTree.Element:
    # Our own output, parsed only to inspect its shape.
    return ElementTree.fromstring(xml)  # noqa: S314


def written_item(item: ItemData) -> ElementTree.Element:
    files = entries(qti.write([item]))
    [path] = [name for name in files if name.endswith(".xml") and name != "imsmanifest.xml"]
    return parse(files[path])


def package(files: dict[str, bytes | str], *, infos: list[zipfile.ZipInfo] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for info in infos:
            archive.writestr(info, b"x")
    return buffer.getvalue()


def manifest(*resources: tuple[str, str, str], namespace="http://www.imsglobal.org/xsd/imscp_v1p1"):
    body = "".join(
        f'<resource identifier="{identifier}" type="{kind}" href="{href}"><file href="{href}"/>'
        "</resource>"
        for identifier, kind, href in resources
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="{namespace}" identifier="M">'
        f"<organizations/><resources>{body}</resources></manifest>"
    )


def qti21_item(identifier: str, body: str, declarations: str = "", processing: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<assessmentItem xmlns="{QTI21}" identifier="{identifier}" title="Câu {identifier}" '
        f'adaptive="false" timeDependent="false">\n{declarations}\n'
        '<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>\n'
        f"<itemBody>\n{body}\n</itemBody>\n{processing}\n</assessmentItem>\n"
    )


def qti3_item(identifier: str, body: str, declarations: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<qti-assessment-item xmlns="{QTI3[1:-1]}" identifier="{identifier}" title="t" '
        f'time-dependent="false">\n{declarations}\n'
        f"<qti-item-body>\n{body}\n</qti-item-body>\n</qti-assessment-item>\n"
    )


MATCH_CORRECT_21 = (
    '<responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/'
    'match_correct"/>'
)
MAP_RESPONSE_21 = (
    '<responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/'
    'map_response"/>'
)

# The "Unattended Luggage" choice example of the QTI 2.1 implementation guide, retyped.
LUGGAGE_21 = qti21_item(
    "choice",
    "<p>Look at the text in the picture.</p>\n"
    '<p><img src="images/sign.png" alt="NEVER LEAVE LUGGAGE UNATTENDED"/></p>\n'
    '<choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="1">\n'
    "  <prompt>What does it say?</prompt>\n"
    '  <simpleChoice identifier="ChoiceA">You must stay with your luggage at all times.'
    "</simpleChoice>\n"
    '  <simpleChoice identifier="ChoiceB">Do not let someone else look after your luggage.'
    "</simpleChoice>\n"
    '  <simpleChoice identifier="ChoiceC">Remember your luggage when you leave.</simpleChoice>\n'
    "</choiceInteraction>",
    '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">'
    "<correctResponse><value>ChoiceA</value></correctResponse></responseDeclaration>",
    MATCH_CORRECT_21,
)


# --- the package ------------------------------------------------------------------------------


def test_written_package_lists_each_item_as_a_qti3_resource_with_its_images():
    item = single_choice(stem='<p>Xem hình <img src="đồ thị.png"></p>', identifier="T12-001")
    item.files = {"đồ thị.png": PNG_1PX}
    files = entries(qti.write([item]))
    assert sorted(files) == [
        "imsmanifest.xml",
        "items/T12-001/T12-001.xml",
        "items/T12-001/đồ thị.png",
    ]
    root = parse(files["imsmanifest.xml"])
    [resource] = root.iter("{http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1}resource")
    assert resource.get("type") == "imsqti_item_xmlv3p0"
    assert resource.get("href") == "items/T12-001/T12-001.xml"
    item_root = parse(files["items/T12-001/T12-001.xml"])
    assert item_root.tag == f"{QTI3}qti-assessment-item"
    assert item_root.find(f"{QTI3}qti-item-body/{QTI3}qti-choice-interaction") is not None
    assert files["items/T12-001/đồ thị.png"] == PNG_1PX


def test_writing_the_same_items_twice_gives_the_same_bytes():
    items = [single_choice(), true_false_4(), short_numeric()]
    assert qti.write(items) == qti.write(items)


def test_package_without_manifest_is_malformed():
    data = package({"item.xml": qti21_item("a", "")})
    result = qti.read(data)
    assert [p.kind for p in result.problems] == [ProblemKind.MALFORMED]
    assert "imsmanifest.xml" in result.problems[0].message


def test_package_without_an_assessment_test_reads_its_items():
    data = package(
        {
            "imsmanifest.xml": manifest(("R1", "imsqti_item_xmlv2p1", "luggage.xml")),
            "luggage.xml": LUGGAGE_21,
            "images/sign.png": PNG_1PX,
        }
    )
    [item] = round_trip_read(data)
    assert item.identifier == "choice"
    assert item.files == {"images/sign.png": PNG_1PX}


def round_trip_read(data):
    result = qti.read(data)
    assert result.problems == []
    return result.items


def test_missing_item_file_is_reported_and_the_other_items_are_read():
    data = package(
        {
            "imsmanifest.xml": manifest(
                ("R1", "imsqti_item_xmlv2p1", "gone.xml"),
                ("R2", "imsqti_item_xmlv2p1", "luggage.xml"),
            ),
            "luggage.xml": LUGGAGE_21,
        }
    )
    result = qti.read(data)
    assert [item.identifier for item in result.items] == ["choice"]
    [problem] = result.problems
    assert problem.kind == ProblemKind.MALFORMED
    assert problem.where.startswith("resource R1")
    assert problem.params["file"] == "gone.xml"


def test_qti_1_2_resources_are_unsupported_by_resource():
    data = package(
        {
            "imsmanifest.xml": manifest(
                ("OLD", "imsqti_xmlv1p2", "old.xml"), ("R2", "imsqti_item_xmlv2p1", "l.xml")
            ),
            "l.xml": LUGGAGE_21,
        }
    )
    result = qti.read(data)
    assert len(result.items) == 1
    assert [(p.kind, p.where.split(" (")[0]) for p in result.problems] == [
        (ProblemKind.UNSUPPORTED, "resource OLD")
    ]


@pytest.mark.parametrize(
    "name", ["../evil.xml", "/etc/passwd", "a/../../b.png", "C:/x.png", "a\\b"]
)
def test_zip_entries_that_leave_the_package_refuse_it_whole(name):
    data = package(
        {"imsmanifest.xml": manifest(("R", "imsqti_item_xmlv2p1", "l.xml")), "l.xml": LUGGAGE_21},
        infos=[zipfile.ZipInfo(name)],
    )
    result = qti.read(data)
    assert result.items == []
    assert [p.kind for p in result.problems] == [ProblemKind.MALFORMED]
    assert result.problems[0].params["file"] == name


def test_zip_that_inflates_beyond_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(qti, "MAX_ZIP_BYTES", 1000)
    data = package({"imsmanifest.xml": manifest(), "big.png": b"0" * 2000})
    result = qti.read(data)
    assert result.items == []
    assert [p.kind for p in result.problems] == [ProblemKind.MALFORMED]
    assert "quá lớn" in result.problems[0].message


def test_zip_with_too_many_entries_is_refused(monkeypatch):
    monkeypatch.setattr(qti, "MAX_ZIP_FILES", 3)
    data = package({f"f{n}.png": b"x" for n in range(4)})
    result = qti.read(data)
    assert result.problems[0].params == {"count": "4", "limit": "3"}


def test_zip_entry_with_damaged_data_is_malformed():
    text = manifest(("R", "imsqti_item_xmlv2p1", "l.xml"))
    data = package({"imsmanifest.xml": text, "l.xml": LUGGAGE_21})
    # The manifest is stored uncompressed: change a byte of it, its CRC no longer matches.
    damaged = data.replace(b"<organizations/>", b"<organizationz/>", 1)
    result = qti.read(damaged)
    assert result.items == []
    assert [p.kind for p in result.problems] == [ProblemKind.MALFORMED]
    assert "CRC" in result.problems[0].params["error"]


def test_corrupt_zip_is_malformed():
    data = qti.write([single_choice()])
    result = qti.read(data[: len(data) // 2])
    assert [p.kind for p in result.problems] == [ProblemKind.MALFORMED]


# --- malformed and unsafe XML -------------------------------------------------------------


def test_malformed_item_xml_names_the_file_and_line_and_the_rest_is_read():
    broken = "<?xml version='1.0'?>\n<assessmentItem>\n<itemBody>\n</assessmentItem>\n"
    data = package(
        {
            "imsmanifest.xml": manifest(
                ("R1", "imsqti_item_xmlv2p1", "items/broken.xml"),
                ("R2", "imsqti_item_xmlv2p1", "luggage.xml"),
            ),
            "items/broken.xml": broken,
            "luggage.xml": LUGGAGE_21,
        }
    )
    result = qti.read(data)
    assert [item.identifier for item in result.items] == ["choice"]
    [problem] = result.problems
    assert problem.kind == ProblemKind.MALFORMED
    assert problem.where == "items/broken.xml, line 4"
    assert problem.params["file"] == "items/broken.xml"
    assert problem.params["line"] == "4"


def test_malformed_single_file_gives_its_line():
    result = qti.read(b"<?xml version='1.0'?>\n\n<qti-assessment-item>\n<p>\n")
    assert [p.kind for p in result.problems] == [ProblemKind.MALFORMED]
    assert result.problems[0].where == "line 5"


def test_malformed_manifest_is_reported_with_its_line():
    data = package({"imsmanifest.xml": "<manifest>\n<resources>\n</manifest>"})
    [problem] = qti.read(data).problems
    assert problem.where == "imsmanifest.xml, line 3"


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<assessmentItem>&lol2;</assessmentItem>'
)


def test_doctype_is_refused_in_items_and_manifests():
    assert [p.kind for p in qti.read(BILLION_LAUGHS).problems] == [ProblemKind.MALFORMED]
    data = package({"imsmanifest.xml": BILLION_LAUGHS})
    [problem] = qti.read(data).problems
    assert problem.kind == ProblemKind.MALFORMED
    assert problem.where == "imsmanifest.xml, line 2"


def test_xml_that_is_not_an_item_is_malformed():
    result = qti.read(b"<quiz/>")
    assert [p.kind for p in result.problems] == [ProblemKind.MALFORMED]
    assert result.problems[0].params["tag"] == "quiz"


# --- unsupported constructs, item by item --------------------------------------------------

HOTSPOT_21 = qti21_item(
    "hot",
    '<hotspotInteraction responseIdentifier="RESPONSE" maxChoices="1">'
    '<object type="image/png" data="uk.png"/>'
    '<hotspotChoice identifier="A" shape="circle" coords="77,115,8"/></hotspotInteraction>',
    '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier"/>',
)
SLIDER_3 = qti3_item(
    "slide",
    '<qti-slider-interaction response-identifier="RESPONSE" lower-bound="0" upper-bound="10"/>',
)
UPLOAD_3 = qti3_item("up", '<qti-upload-interaction response-identifier="RESPONSE"/>')
TEMPLATE_21 = LUGGAGE_21.replace('identifier="choice"', 'identifier="tpl"').replace(
    "<outcomeDeclaration",
    '<templateDeclaration identifier="X" cardinality="single" baseType="integer"/>\n'
    "<outcomeDeclaration",
    1,
)
ADAPTIVE_21 = LUGGAGE_21.replace('identifier="choice"', 'identifier="ada"').replace(
    'adaptive="false"', 'adaptive="true"'
)
TWO_INTERACTIONS_3 = qti3_item(
    "two",
    '<qti-extended-text-interaction response-identifier="A"/>'
    '<qti-extended-text-interaction response-identifier="B"/>',
)
PRINTED_3 = qti3_item(
    "printed",
    '<p>x = <qti-printed-variable identifier="X"/></p>'
    '<qti-extended-text-interaction response-identifier="RESPONSE"/>',
    '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string"/>',
)


def test_unsupported_interactions_are_reported_item_by_item_and_the_rest_is_read():
    sources = {
        "hot.xml": HOTSPOT_21,
        "slide.xml": SLIDER_3,
        "luggage.xml": LUGGAGE_21,
        "up.xml": UPLOAD_3,
        "tpl.xml": TEMPLATE_21,
        "ada.xml": ADAPTIVE_21,
        "two.xml": TWO_INTERACTIONS_3,
        "printed.xml": PRINTED_3,
    }
    kinds = {name: "imsqti_item_xmlv3p0" if "qti-" in text else "imsqti_item_xmlv2p1"
             for name, text in sources.items()}  # fmt: skip
    data = package(
        {
            "imsmanifest.xml": manifest(*((n, kinds[n], n) for n in sources)),
            **sources,
        }
    )
    result = qti.read(data)
    assert [item.identifier for item in result.items] == ["choice"]
    reported = {p.where.split(" (")[0]: p for p in result.problems}
    assert set(reported) == {
        "item hot/hotspotInteraction",
        "item slide/sliderInteraction",
        "item up/uploadInteraction",
        "item tpl/templateDeclaration",
        "item ada",
        "item two/extendedTextInteraction",
        "item printed/printedVariable",
    }
    assert all(p.kind == ProblemKind.UNSUPPORTED for p in result.problems)
    assert reported["item hot/hotspotInteraction"].params == {"interaction": "hotspotInteraction"}
    assert reported["item two/extendedTextInteraction"].params == {"count": "2"}
    assert "hot.xml, line" in reported["item hot/hotspotInteraction"].where


def test_media_other_than_images_is_unsupported():
    xml = qti3_item(
        "vid",
        '<p><video src="a.mp4"/></p><qti-extended-text-interaction response-identifier="R"/>',
        '<qti-response-declaration identifier="R" cardinality="single" base-type="string"/>',
    )
    [problem] = qti.read(xml).problems
    assert problem.kind == ProblemKind.UNSUPPORTED
    assert problem.params == {"element": "video"}


# --- QTI 2.1 reading, from the spec's examples ------------------------------------------------


def test_qti21_choice_example_reads_stem_prompt_options_and_correct_answer():
    [item] = round_trip_read(LUGGAGE_21.encode())
    assert item.type == ItemType.SINGLE_CHOICE
    assert item.name == "Câu choice"
    assert item.stem == (
        "<p>Look at the text in the picture.</p>\n"
        '<p><img src="images/sign.png" alt="NEVER LEAVE LUGGAGE UNATTENDED"></p>\n'
        "<div>What does it say?</div>"
    )
    assert [c.fraction for c in item.choices] == [1, 0, 0]
    assert item.choices[1].text == "Do not let someone else look after your luggage."
    # shuffle="false": every option stays in place.
    assert all(c.pinned for c in item.choices)
    assert item.points == 1
    assert item.files == {}  # a lone file carries no images


def test_qti21_multiple_response_with_mapping_and_inline_feedback():
    xml = qti21_item(
        "mr",
        '<choiceInteraction responseIdentifier="RESPONSE" shuffle="true" maxChoices="0">'
        "<prompt>Chọn các số nguyên tố</prompt>"
        '<simpleChoice identifier="A">2<feedbackInline outcomeIdentifier="FEEDBACK" '
        'identifier="A" showHide="show">Đúng, 2 là số nguyên tố chẵn duy nhất</feedbackInline>'
        "</simpleChoice>"
        '<simpleChoice identifier="B">3</simpleChoice>'
        '<simpleChoice identifier="C" fixed="true">4 &amp; 6</simpleChoice>'
        "</choiceInteraction>",
        '<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">'
        "<correctResponse><value>A</value><value>B</value></correctResponse>"
        '<mapping lowerBound="0" upperBound="1" defaultValue="-1">'
        '<mapEntry mapKey="A" mappedValue="0.5"/><mapEntry mapKey="B" mappedValue="0.5"/>'
        "</mapping></responseDeclaration>"
        '<outcomeDeclaration identifier="MAXSCORE" cardinality="single" baseType="float">'
        "<defaultValue><value>0.25</value></defaultValue></outcomeDeclaration>",
        MAP_RESPONSE_21,
    )
    [item] = round_trip_read(xml.encode())
    assert item.type == ItemType.MULTIPLE_RESPONSE
    assert item.stem == "Chọn các số nguyên tố"
    assert item.points == Decimal("0.25")
    assert item.choices == [
        Choice("2", Decimal("0.5"), "Đúng, 2 là số nguyên tố chẵn duy nhất", False),
        Choice("3", Decimal("0.5"), "", False),
        Choice("4 &amp; 6", Decimal(-1), "", True),
    ]


def test_qti21_multiple_response_scored_all_or_nothing_shares_the_right_options():
    xml = qti21_item(
        "mc",
        '<choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="3">'
        '<simpleChoice identifier="A">a</simpleChoice><simpleChoice identifier="B">b</simpleChoice>'
        '<simpleChoice identifier="C">c</simpleChoice><simpleChoice identifier="D">d</simpleChoice>'
        "</choiceInteraction>",
        '<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">'
        "<correctResponse><value>A</value><value>B</value><value>C</value></correctResponse>"
        "</responseDeclaration>",
        MATCH_CORRECT_21,
    )
    [item] = round_trip_read(xml.encode())
    assert [c.fraction for c in item.choices] == [Decimal("0.3333333")] * 3 + [0]


def test_qti21_text_entry_inside_a_paragraph_with_case_insensitive_variants():
    xml = qti21_item(
        "te",
        "<p>Thủ đô của Việt Nam là "
        '<textEntryInteraction responseIdentifier="RESPONSE" expectedLength="15"/>.</p>',
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">'
        "<correctResponse><value>Hà Nội</value></correctResponse>"
        '<mapping defaultValue="0"><mapEntry mapKey="Hà Nội" mappedValue="1" caseSensitive="false"/>'
        '<mapEntry mapKey="Ha Noi" mappedValue="0.5" caseSensitive="false"/></mapping>'
        "</responseDeclaration>",
        MAP_RESPONSE_21,
    )
    [item] = round_trip_read(xml.encode())
    assert item.type == ItemType.SHORT_TEXT
    assert item.stem == "<p>Thủ đô của Việt Nam là .</p>"
    assert item.case_sensitive is False
    assert item.text_answers == [
        TextAnswer("Hà Nội", Decimal(1)),
        TextAnswer("Ha Noi", Decimal("0.5")),
    ]


def test_qti21_text_entry_without_mapping_is_case_sensitive_like_qti_matching():
    xml = qti21_item(
        "te2",
        '<p><textEntryInteraction responseIdentifier="RESPONSE"/></p>',
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">'
        "<correctResponse><value>York</value></correctResponse></responseDeclaration>",
        MATCH_CORRECT_21,
    )
    [item] = round_trip_read(xml.encode())
    assert item.case_sensitive is True
    assert item.text_answers == [TextAnswer("York")]


def test_text_entry_variants_that_disagree_on_case_are_unsupported():
    xml = qti21_item(
        "te3",
        '<p><textEntryInteraction responseIdentifier="RESPONSE"/></p>',
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">'
        '<mapping><mapEntry mapKey="a" mappedValue="1" caseSensitive="true"/>'
        '<mapEntry mapKey="b" mappedValue="1" caseSensitive="false"/></mapping>'
        "</responseDeclaration>",
    )
    [problem] = qti.read(xml).problems
    assert problem.kind == ProblemKind.UNSUPPORTED
    assert problem.where.startswith("item te3/textEntryInteraction")


def test_qti21_float_text_entry_is_a_numeric_answer_from_its_correct_response():
    xml = qti21_item(
        "num",
        '<p><textEntryInteraction responseIdentifier="RESPONSE"/></p>',
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="float">'
        "<correctResponse><value>3.50</value></correctResponse></responseDeclaration>",
        MATCH_CORRECT_21,
    )
    [item] = round_trip_read(xml.encode())
    assert item.type == ItemType.SHORT_NUMERIC
    assert item.numeric_answers == [NumericAnswer(Decimal("3.5"), Decimal(0))]


def test_qti21_match_example_reads_pairs_and_unused_answers_as_distractors():
    xml = qti21_item(
        "match",
        '<matchInteraction responseIdentifier="RESPONSE" shuffle="true" maxAssociations="4">'
        "<prompt>Ghép nhân vật với vở kịch.</prompt>"
        "<simpleMatchSet>"
        '<simpleAssociableChoice identifier="C" matchMax="1">Capulet</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="D" matchMax="1">Demetrius</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="L" matchMax="1">Lysander</simpleAssociableChoice>'
        "</simpleMatchSet><simpleMatchSet>"
        '<simpleAssociableChoice identifier="M" matchMax="4">A Midsummer-Night\'s Dream'
        "</simpleAssociableChoice>"
        '<simpleAssociableChoice identifier="R" matchMax="4">Romeo and Juliet'
        "</simpleAssociableChoice>"
        '<simpleAssociableChoice identifier="T" matchMax="4">The Tempest</simpleAssociableChoice>'
        "</simpleMatchSet></matchInteraction>",
        '<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="directedPair">'
        "<correctResponse><value>C R</value><value>D M</value><value>L M</value></correctResponse>"
        "</responseDeclaration>",
        MAP_RESPONSE_21,
    )
    [item] = round_trip_read(xml.encode())
    assert item.type == ItemType.MATCHING
    assert item.stem == "Ghép nhân vật với vở kịch."
    assert item.pairs == [
        Pair("Capulet", "Romeo and Juliet"),
        Pair("Demetrius", "A Midsummer-Night's Dream"),
        Pair("Lysander", "A Midsummer-Night's Dream"),
        Pair("", "The Tempest"),
    ]


def test_qti21_order_and_extended_text_with_a_scorer_rubric():
    order = qti21_item(
        "ord",
        '<orderInteraction responseIdentifier="RESPONSE" shuffle="true">'
        '<simpleChoice identifier="A">Hà Nội</simpleChoice>'
        '<simpleChoice identifier="B">Huế</simpleChoice>'
        '<simpleChoice identifier="C">Sài Gòn</simpleChoice></orderInteraction>',
        '<responseDeclaration identifier="RESPONSE" cardinality="ordered" baseType="identifier">'
        "<correctResponse><value>C</value><value>B</value><value>A</value></correctResponse>"
        "</responseDeclaration>",
        MATCH_CORRECT_21,
    )
    essay = qti21_item(
        "ess",
        '<rubricBlock view="scorer"><p>2 điểm: nêu đủ ý.</p></rubricBlock>'
        "<p>Phân tích bài thơ.</p>"
        '<extendedTextInteraction responseIdentifier="RESPONSE"/>',
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string"/>',
    )
    data = package(
        {
            "imsmanifest.xml": manifest(
                ("R1", "imsqti_item_xmlv2p1", "ord.xml"), ("R2", "imsqti_item_xmlv2p1", "ess.xml")
            ),
            "ord.xml": order,
            "ess.xml": essay,
        }
    )
    ordering, written = round_trip_read(data)
    assert ordering.type == ItemType.ORDERING
    assert ordering.order == ["Sài Gòn", "Huế", "Hà Nội"]
    assert written.type == ItemType.ESSAY
    assert written.stem == "<p>Phân tích bài thơ.</p>"
    assert written.rubric == "<p>2 điểm: nêu đủ ý.</p>"


def test_foreign_correct_and_incorrect_feedback_is_kept_in_the_general_feedback():
    xml = LUGGAGE_21.replace(
        "</assessmentItem>",
        '<modalFeedback outcomeIdentifier="FEEDBACK" identifier="correct" showHide="show">'
        "Chính xác.</modalFeedback>"
        '<modalFeedback outcomeIdentifier="FEEDBACK" identifier="incorrect" showHide="show">'
        "<p>Đọc lại biển báo.</p></modalFeedback></assessmentItem>",
    )
    [item] = round_trip_read(xml.encode())
    assert item.general_feedback == "Chính xác.\n<p>Đọc lại biển báo.</p>"


def test_foreign_qti3_item_reads_prompt_feedback_block_and_candidate_rubric():
    xml = qti3_item(
        "q3",
        '<qti-rubric-block view="candidate" use="instructions"><qti-content-body>'
        "<p>Đọc kỹ đề.</p></qti-content-body></qti-rubric-block>"
        '<qti-choice-interaction response-identifier="RESPONSE" max-choices="1" shuffle="true">'
        "<qti-prompt>Chọn một</qti-prompt>"
        '<qti-simple-choice identifier="X">x</qti-simple-choice>'
        '<qti-simple-choice identifier="Y" fixed="true">y</qti-simple-choice>'
        "</qti-choice-interaction>"
        '<qti-feedback-block outcome-identifier="FEEDBACK" identifier="Y" show-hide="show">'
        "<qti-content-body><p>Giải thích</p></qti-content-body></qti-feedback-block>",
        '<qti-response-declaration identifier="RESPONSE" cardinality="single" '
        'base-type="identifier"><qti-correct-response><qti-value>Y</qti-value>'
        "</qti-correct-response></qti-response-declaration>"
        '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float" '
        'normal-maximum="2"/>',
    )
    [item] = round_trip_read(xml.encode())
    assert item.stem == "<p>Đọc kỹ đề.</p>\n<div>Chọn một</div>"
    assert item.choices == [Choice("x"), Choice("y", Decimal(1), pinned=True)]
    assert item.general_feedback == "<p>Giải thích</p>"
    assert item.points == 2


# --- QTI 3 writing conventions ---------------------------------------------------------------


def test_single_choice_with_only_right_and_wrong_uses_the_match_correct_template():
    root = written_item(single_choice())
    processing = root.find(f"{QTI3}qti-response-processing")
    assert processing.get("template").endswith("/rptemplates/match_correct.xml")
    assert root.find(f"{QTI3}qti-response-declaration/{QTI3}qti-mapping") is None


def test_penalties_and_feedback_write_a_mapping_and_full_processing():
    item = single_choice()
    item.choices[1].fraction = Decimal("-0.25")
    item.choices[0].feedback = "<b>Đúng</b>"
    root = written_item(item)
    entries_ = root.findall(f".//{QTI3}qti-map-entry")
    assert [(e.get("map-key"), e.get("mapped-value")) for e in entries_] == [
        ("A", "1"),
        ("B", "-0.25"),
    ]
    processing = root.find(f"{QTI3}qti-response-processing")
    assert processing.get("template") is None
    assert processing.find(f".//{QTI3}qti-map-response") is not None
    [modal] = root.findall(f"{QTI3}qti-modal-feedback")
    assert modal.get("identifier") == "A"
    assert round_trip([item])[0].choices == item.choices


def test_pinned_options_are_fixed_in_a_shuffled_interaction():
    item = single_choice(wrong=("3", "5", "Cả ba đáp án trên"))
    item.choices[3].pinned = True
    root = written_item(item)
    interaction = root.find(f".//{QTI3}qti-choice-interaction")
    assert interaction.get("shuffle") == "true"
    assert [c.get("fixed") for c in interaction] == [None, None, None, "true"]
    assert [c.pinned for c in round_trip([item])[0].choices] == [False, False, False, True]


def test_true_false_4_is_a_match_grid_scored_on_the_2025_scale():
    root = written_item(true_false_4())
    interaction = root.find(f".//{QTI3}qti-match-interaction")
    assert interaction.get("class") == "hocso-true-false-4"
    values = [v.text for v in root.findall(f".//{QTI3}qti-correct-response/{QTI3}qti-value")]
    assert values == ["S1 TRUE", "S2 FALSE", "S3 TRUE", "S4 FALSE"]
    table = root.findall(f".//{QTI3}qti-match-table-entry")
    assert [(e.get("source-value"), e.get("target-value")) for e in table] == [
        ("1", "0.1"),
        ("2", "0.25"),
        ("3", "0.5"),
        ("4", "1"),
    ]
    assert root.find(f".//{QTI3}qti-lookup-outcome-value").get("identifier") == "SCORE"


def test_true_false_4_without_the_marker_reads_as_matching_statements_with_true_or_false():
    data = qti.write([true_false_4()])
    files = entries(data)
    path = next(name for name in files if name.endswith(".xml") and "items/" in name)
    files[path] = files[path].replace(b' class="hocso-true-false-4"', b"")
    [item] = round_trip_read(package(files))
    assert item.type == ItemType.MATCHING
    assert [(p.left, p.right) for p in item.pairs] == [
        ("Ý a", "Đúng"),
        ("Ý b", "Sai"),
        ("Ý c", "Đúng"),
        ("Ý d", "Sai"),
    ]


def test_numeric_tolerance_is_an_absolute_equal_and_answers_come_back_best_first():
    item = short_numeric()
    item.numeric_answers = [
        NumericAnswer(Decimal("3"), Decimal("0.5"), Decimal("0.5"), "gần đúng"),
        NumericAnswer(Decimal("3.5"), Decimal("0.01")),
        NumericAnswer(Decimal("-2"), Decimal(0), Decimal("0.25")),
    ]
    root = written_item(item)
    tests = root.findall(f".//{QTI3}qti-equal")
    assert [(t.get("tolerance-mode"), t.get("tolerance")) for t in tests] == [
        ("absolute", "0.01"),
        ("absolute", "0.5"),
        ("exact", None),
    ]
    [read_back] = round_trip([item])
    assert read_back.numeric_answers == [item.numeric_answers[i] for i in (1, 0, 2)]


def test_relative_tolerance_is_unsupported():
    data = qti.write([short_numeric()])
    files = entries(data)
    path = next(name for name in files if name.startswith("items/") and name.endswith(".xml"))
    files[path] = files[path].replace(b'tolerance-mode="exact"', b'tolerance-mode="relative"')
    [problem] = qti.read(package(files)).problems
    assert problem.kind == ProblemKind.UNSUPPORTED
    assert problem.params == {"mode": "relative"}
    assert "/equal" in problem.where


def test_short_text_case_rule_is_on_every_map_entry():
    item = short_text(answers=("Hà Nội", "HN"), case_sensitive=True)
    root = written_item(item)
    assert [e.get("case-sensitive") for e in root.iter(f"{QTI3}qti-map-entry")] == ["true"] * 2


def test_identifier_qti_cannot_hold_travels_in_the_manifest_metadata():
    items = [single_choice(identifier="Đề 1/câu 2"), single_choice(identifier="")]
    files = entries(qti.write(items))
    assert "items/ITEM-1/ITEM-1.xml" in files
    assert "items/ITEM-2/ITEM-2.xml" in files
    assert [item.identifier for item in round_trip(items)] == ["Đề 1/câu 2", ""]


def test_a_lone_item_file_keeps_its_qti_identifier():
    files = entries(qti.write([single_choice(identifier="Q-7")]))
    [item] = round_trip_read(files["items/Q-7/Q-7.xml"])
    assert item.identifier == "Q-7"


def test_tags_and_category_travel_as_lom_keywords_and_taxon_path():
    item = single_choice(tags={"subject": "TOAN", "grade": "12", "nguồn": ""})
    item.category = ("Toán 12", "Hàm số")
    files = entries(qti.write([item]))
    lom = "{http://ltsc.ieee.org/xsd/LOM}"
    root = parse(files["imsmanifest.xml"])
    keywords = [s.text for s in root.iter(f"{lom}string") if s.text and "=" in s.text]
    assert keywords == ["subject=TOAN", "grade=12"]
    [read_back] = round_trip([item])
    assert read_back.tags == item.tags
    assert read_back.category == ("Toán 12", "Hàm số")


def test_unsafe_file_names_are_written_under_safe_names_and_references_follow():
    item = single_choice(stem='<p><img src="../../etc/x.png"> và <img src="ok.png"></p>')
    item.files = {"../../etc/x.png": b"evil", "ok.png": PNG_1PX}
    files = entries(qti.write([item]))
    assert all(".." not in name for name in files)
    [read_back] = round_trip([item])
    assert read_back.stem == '<p><img src="file-1.png"> và <img src="ok.png"></p>'
    assert read_back.files == {"file-1.png": b"evil", "ok.png": PNG_1PX}


def test_files_no_text_shows_still_travel_with_their_item():
    item = single_choice()
    item.files = {"phụ lục/bảng.png": PNG_1PX}
    assert round_trip([item])[0].files == item.files


def test_html_is_written_as_xhtml_and_normalised_on_the_way_back():
    item = single_choice(stem="<P>a<br/>b &nbsp;c <i>nghiêng<p>x</p>")
    root = written_item(item)
    stem = root.find(f"{QTI3}qti-item-body/{QTI3}div")
    assert stem.get("class") == "hocso-stem"
    assert stem.find(f"{QTI3}p/{QTI3}br") is not None
    assert round_trip([item])[0].stem == "<p>a<br>b \xa0c <i>nghiêng<p>x</p></i></p>"


def test_markup_that_looks_like_qti_in_a_text_stays_text():
    item = single_choice(stem="<qti-printed-variable identifier='X'/> là gì?")
    assert round_trip([item])[0].stem == ("&lt;qti-printed-variable identifier='X'/&gt; là gì?")


# --- round trips ---------------------------------------------------------------------------

_WORDS = [
    "Hà Nội",
    "Đúng",
    "sai",
    "ước số",
    "\\(x^2 &lt; 1\\)",
    "\\[\\frac{a}{b}\\]",
    "a &amp; b",
    "&lt;p&gt;",
    "3 &gt; 2",
    '"trích"',
    "'",
    "50%",
    "\n",
    "  ",
    "ĐỀ",
]
_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Cn"))
_PLAIN_CHARS = st.text(_CHARS, max_size=4).map(
    lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
)
_IMAGES = ["hình 1.png", "đồ thị/a.png", "x&y.png"]


def _attribute(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


_LEAF = st.one_of(
    st.sampled_from(_WORDS),
    _PLAIN_CHARS,
    st.just("<br>"),
    st.sampled_from(_IMAGES).map(lambda name: f'<img src="{_attribute(name)}" alt="">'),
)
_FRAGMENT = st.recursive(
    st.lists(_LEAF, max_size=3).map("".join),
    lambda inner: st.tuples(
        st.sampled_from(["p", "b", "i", "sub", "sup", "span", "em", "strong"]),
        st.sampled_from(["", ' class="hl"', ' title="a &amp; &quot;b&quot;"']),
        st.lists(inner, max_size=3).map("".join),
    ).map(lambda t: f"<{t[0]}{t[1]}>{t[2]}</{t[0]}>"),
    max_leaves=6,
)


def _rich(required: bool = True):
    fragment = _FRAGMENT.map(str.strip)
    if not required:
        return fragment
    return st.tuples(fragment, st.sampled_from([w for w in _WORDS if w.strip()]), fragment).map(
        lambda t: (t[0] + t[1] + t[2]).strip()
    )


_RICH = _rich()
_MAYBE = _rich(False)
_PLAIN = st.text(_CHARS, min_size=1, max_size=8).map(str.strip).filter(bool)
_DECIMAL = st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False)


@st.composite
def _common(draw, item_type):
    files = {
        name: draw(st.binary(min_size=1, max_size=8))
        for name in draw(st.sets(st.sampled_from(_IMAGES)))
    }
    return ItemData(
        type=item_type,
        stem=draw(_RICH),
        name=draw(
            st.one_of(st.just(""), _PLAIN, st.sampled_from(["Câu 1\nphần a", " có khoảng "]))
        ),
        identifier=draw(st.sampled_from(["", "T12-001", "Đề 1", "001", "Q_1", "a b"])),
        category=tuple(draw(st.lists(_PLAIN, max_size=3))),
        points=draw(st.decimals(min_value=0, max_value=100, places=4, allow_nan=False)),
        general_feedback=draw(_MAYBE),
        tags=draw(
            st.dictionaries(_PLAIN.filter(lambda k: "=" not in k), _PLAIN | st.just(""), max_size=3)
        ),
        files=files,
    )


_OTHER_FRACTIONS = st.sampled_from(
    [Decimal(0), Decimal("-0.25"), Decimal(-1), Decimal("0.5"), Decimal(1)]
)


@st.composite
def _single_choice(draw):
    item = draw(_common(ItemType.SINGLE_CHOICE))
    fractions = draw(
        st.permutations([Decimal(1), *draw(st.lists(_OTHER_FRACTIONS, min_size=1, max_size=5))])
    )
    item.choices = [Choice(draw(_RICH), f, draw(_MAYBE), draw(st.booleans())) for f in fractions]
    return item


@st.composite
def _multiple_response(draw):
    item = draw(_common(ItemType.MULTIPLE_RESPONSE))
    right = draw(st.integers(min_value=1, max_value=4))
    share = (Decimal(1) / right).quantize(Decimal("0.0000001"))
    wrong = draw(st.lists(st.sampled_from([Decimal(0), Decimal("-0.5"), Decimal(-1)]), max_size=3))
    fractions = draw(st.permutations([share] * right + wrong + [Decimal(0)]))
    item.choices = [Choice(draw(_RICH), f, draw(_MAYBE), draw(st.booleans())) for f in fractions]
    return item


@st.composite
def _true_false(draw):
    item = draw(_common(ItemType.TRUE_FALSE))
    item.correct = draw(st.booleans())
    item.feedback_true, item.feedback_false = draw(_MAYBE), draw(_MAYBE)
    return item


@st.composite
def _true_false_4(draw):
    item = draw(_common(ItemType.TRUE_FALSE_4))
    item.statements = [Statement(draw(_RICH), draw(st.booleans()), draw(_MAYBE)) for _ in "abcd"]
    return item


@st.composite
def _short_text(draw):
    item = draw(_common(ItemType.SHORT_TEXT))
    item.case_sensitive = draw(st.booleans())
    texts = draw(st.lists(st.one_of(_PLAIN, st.sampled_from(["Hà Nội", "a < b & c", "x\ny"])),
                          min_size=1, max_size=4, unique=True))  # fmt: skip
    fractions = [Decimal(1)] + [
        draw(st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1)])) for _ in texts[1:]
    ]
    item.text_answers = [
        TextAnswer(t, f, draw(_MAYBE)) for t, f in zip(texts, fractions, strict=True)
    ]
    return item


@st.composite
def _short_numeric(draw):
    item = draw(_common(ItemType.SHORT_NUMERIC))
    others = draw(st.lists(st.sampled_from([Decimal(1), Decimal("0.5"), Decimal(0)]), max_size=3))
    # Best fraction first: the order QTI's first-match processing keeps.
    fractions = sorted([Decimal(1), *others], reverse=True)
    item.numeric_answers = [
        NumericAnswer(
            draw(_DECIMAL),
            draw(st.decimals(min_value=0, max_value=100, places=4, allow_nan=False)),
            f,
            draw(_MAYBE),
        )
        for f in fractions
    ]
    return item


@st.composite
def _matching(draw):
    item = draw(_common(ItemType.MATCHING))
    rights = draw(st.lists(_RICH, min_size=1, max_size=3))
    item.pairs = [
        Pair(draw(_RICH), draw(st.sampled_from(rights))) for _ in range(draw(st.integers(2, 4)))
    ]
    used = {pair.right for pair in item.pairs}
    distractors = draw(st.lists(_RICH.filter(lambda r: r not in used), max_size=2, unique=True))
    item.pairs += [Pair("", right) for right in distractors]
    return item


@st.composite
def _ordering(draw):
    item = draw(_common(ItemType.ORDERING))
    item.order = draw(st.lists(_RICH, min_size=2, max_size=5))
    return item


@st.composite
def _essay(draw):
    item = draw(_common(ItemType.ESSAY))
    item.rubric = draw(_MAYBE)
    return item


_ITEMS = st.one_of(
    _single_choice(),
    _multiple_response(),
    _true_false(),
    _true_false_4(),
    _short_text(),
    _short_numeric(),
    _matching(),
    _ordering(),
    _essay(),
)


@settings(max_examples=120, deadline=None)
@given(st.lists(_ITEMS, min_size=1, max_size=4))
def test_every_supported_item_reads_back_exactly_after_writing(items):
    assert without_source(round_trip(items)) == items


@settings(max_examples=40, deadline=None)
@given(st.lists(_ITEMS, min_size=1, max_size=3))
def test_reading_and_writing_a_written_package_again_changes_nothing(items):
    first = qti.write(items)
    assert qti.write(qti.read(first).items) == first


@settings(max_examples=30, deadline=None)
@given(_ITEMS)
def test_every_written_item_file_is_a_qti3_item_in_its_namespace(item):
    root = written_item(item)
    assert root.tag == f"{QTI3}qti-assessment-item"
    assert all(
        element.tag.startswith(QTI3) for element in root.iter() if isinstance(element.tag, str)
    )
