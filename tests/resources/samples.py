"""Small real files of every kind the library accepts, built in memory for tests.

Each returns bytes that the real tools accept: a PDF made by fpdf2 with Vietnamese text, a PNG
and a JPEG made by Pillow, DOCX/PPTX with the parts Word and PowerPoint write, an MP4 box header,
and zips (SCORM 1.2 packages, HTML5 simulations, and hostile archives).
"""

import io
import zipfile

from fpdf import FPDF
from PIL import Image

from hocso.assessment.transcript_pdf import FONT, FONT_DIR


def pdf_bytes(*pages: str) -> bytes:
    pdf = FPDF()
    pdf.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.set_font(FONT, size=14)
    for text in pages or ("Phân số và số thập phân",):
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def png_bytes(size=(64, 48), color=(30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size=(64, 48), color=(200, 60, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG")
    return out.getvalue()


def mp4_bytes() -> bytes:
    """An ISO base-media header (ftyp box, brand isom) followed by filler: enough to sniff."""
    ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    return ftyp + b"\x00\x00\x00\x08free" + bytes(2048)


def _zip(members: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="{part}" ContentType="{type}"/>
</Types>"""


def docx_bytes(*paragraphs: str) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    types = CONTENT_TYPES.format(
        part="/word/document.xml",
        type="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    )
    return _zip({"[Content_Types].xml": types, "word/document.xml": document})


def pptx_bytes(*slides: str) -> bytes:
    members: dict[str, bytes | str] = {}
    for number, text in enumerate(slides or ("Trang chiếu",), start=1):
        members[f"ppt/slides/slide{number}.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
            'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            f"<p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p>"
            "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
        )
    types = CONTENT_TYPES.format(
        part="/ppt/presentation.xml",
        type="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    )
    return _zip(
        {"[Content_Types].xml": types, "ppt/presentation.xml": "<p:presentation/>", **members}
    )


def scorm_manifest(href: str = "index.html", title: str = "Phân số") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="HOCSO-TEST" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>{title}</title>
      <item identifier="ITEM1" identifierref="RES1"><title>{title}</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormtype="sco" href="{href}">
      <file href="{href}"/>
    </resource>
  </resources>
</manifest>"""


SCO_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>SCO</title></head>
<body><p>Bài học</p></body></html>"""


def scorm_zip(href: str = "index.html", extra: dict[str, bytes | str] | None = None) -> bytes:
    return _zip({"imsmanifest.xml": scorm_manifest(href), href: SCO_PAGE, **(extra or {})})


def html5_zip(extra: dict[str, bytes | str] | None = None) -> bytes:
    return _zip({"index.html": SCO_PAGE, "app.js": "console.log('sim');", **(extra or {})})


def zip_slip_zip() -> bytes:
    return _zip({"imsmanifest.xml": scorm_manifest(), "index.html": SCO_PAGE, "../evil.txt": "x"})


def zip_bomb_zip(megabytes: int = 50) -> bytes:
    """One member of `megabytes` MB of zeros: it compresses about 1000:1."""
    return _zip({"index.html": SCO_PAGE, "zeros.bin": bytes(megabytes * 1024 * 1024)})
