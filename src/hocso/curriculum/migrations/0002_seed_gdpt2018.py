"""Seed the subjects of the 2018 General Education Program per grade (DOMAIN.md §3).

The data lives here, frozen with the migration, rather than in an importable module: a later
correction is a new migration, and a fresh database replays exactly what existing ones got.

Sources and confidence (as in DOMAIN.md: sure / likely / unsure):
- Grades 1–9, subjects and yearly periods: the tables "Kế hoạch giáo dục" of the Chương trình
  tổng thể (Thông tư 32/2018/TT-BGDĐT). **sure** — the per-grade totals the program states
  (875, 875, 980, 1050, 1050 for grades 1–5 without optional subjects; 1015, 1015, 1032, 1032
  for grades 6–9) are reproduced by these figures and checked by a test.
  Note: Công nghệ is 35 periods in grades 6–7 and 52 in grades 8–9.
- Primary Nghệ thuật (70 periods) is seeded as its two parts, Âm nhạc and Mĩ thuật, 35 each:
  they are taught by different teachers and a Circular 27 transcript gives each its own level.
  The 35/35 split follows the subject programs of Âm nhạc and Mĩ thuật. **likely**
- Grades 10–12: Lịch sử compulsory with 52 periods (Thông tư 13/2022/TT-BGDĐT), 4 electives of 9
  at 70 periods each; the other compulsory figures from Thông tư 32/2018. **likely**
  The learning topics (chuyên đề học tập, 35 periods per chosen subject) are not subjects and
  are not seeded.
- Circular 27 periodic tests (end of term I and end of year) for the compulsory Tiếng Việt,
  Toán, Ngoại ngữ 1, Lịch sử và Địa lí, Khoa học, Tin học và Công nghệ; grades 4–5 also at
  mid-term for Tiếng Việt and Toán (DOMAIN.md §2). **likely** — the optional Ngoại ngữ 1 of
  grades 1–2 is not listed among the subjects with a periodic test. **unsure**
- Optional subjects outside DOMAIN.md §3 (Tiếng dân tộc thiểu số, Ngoại ngữ 2) are not seeded;
  a province officer adds them when a school teaches them (Khmer in Trà Vinh).
"""

import unicodedata

from django.db import migrations

SCORED, COMMENT, PRIMARY = "scored", "comment", "primary"
ELECTIVE = "10-12-elective"

# code, name, the subject's own assessment mode (grades 6–12; "primary" for primary-only ones).
# The list order is the display order.
SUBJECTS = [
    ("TV", "Tiếng Việt", PRIMARY),
    ("NV", "Ngữ văn", SCORED),
    ("TOAN", "Toán", SCORED),
    ("NN1", "Ngoại ngữ 1", SCORED),
    ("DD", "Đạo đức", PRIMARY),
    ("GDCD", "Giáo dục công dân", SCORED),
    ("TNXH", "Tự nhiên và Xã hội", PRIMARY),
    ("LSDL", "Lịch sử và Địa lí", SCORED),
    ("KH", "Khoa học", PRIMARY),
    ("KHTN", "Khoa học tự nhiên", SCORED),
    ("LS", "Lịch sử", SCORED),
    ("DL", "Địa lí", SCORED),
    ("GDKTPL", "Giáo dục kinh tế và pháp luật", SCORED),
    ("VL", "Vật lí", SCORED),
    ("HH", "Hoá học", SCORED),
    ("SH", "Sinh học", SCORED),
    ("TINCN", "Tin học và Công nghệ", PRIMARY),
    ("CN", "Công nghệ", SCORED),
    ("TIN", "Tin học", SCORED),
    # Circular 22: the arts, physical education, experiential activities and local content are
    # assessed by comment only.
    ("GDTC", "Giáo dục thể chất", COMMENT),
    ("GDQPAN", "Giáo dục quốc phòng và an ninh", SCORED),
    ("NT", "Nghệ thuật", COMMENT),
    ("AN", "Âm nhạc", COMMENT),
    ("MT", "Mĩ thuật", COMMENT),
    ("HDTN", "Hoạt động trải nghiệm", COMMENT),
    ("GDDP", "Nội dung giáo dục của địa phương", COMMENT),
]

HDTN_SECONDARY_NAME = "Hoạt động trải nghiệm, hướng nghiệp"


def _row(grade, code, periods, **options):
    values = {
        "name": "",
        "is_compulsory": True,
        "elective_group": "",
        "assessment_mode": PRIMARY if grade <= 5 else "",
        "has_periodic_tests": False,
        "has_midterm_tests": False,
    }
    values.update(options)
    values["periods_per_year"] = periods
    return grade, code, values


def grade_subject_rows():
    """(grade, subject code, field values) for every seeded grade subject."""
    rows = []
    tested = {"has_periodic_tests": True}
    tested_midterm = {"has_periodic_tests": True, "has_midterm_tests": True}
    music = {"name": "Nghệ thuật (Âm nhạc)"}
    art = {"name": "Nghệ thuật (Mĩ thuật)"}

    # Grades 1–5 (Circular 27).
    tieng_viet = {1: 420, 2: 350, 3: 245, 4: 245, 5: 245}
    toan = {1: 105, 2: 175, 3: 175, 4: 175, 5: 175}
    for grade in range(1, 6):
        core = tested_midterm if grade >= 4 else tested
        rows.append(_row(grade, "TV", tieng_viet[grade], **core))
        rows.append(_row(grade, "TOAN", toan[grade], **core))
        if grade <= 2:
            rows.append(_row(grade, "NN1", 70, is_compulsory=False))
        else:
            rows.append(_row(grade, "NN1", 140, **tested))
        rows.append(_row(grade, "DD", 35))
        if grade <= 3:
            rows.append(_row(grade, "TNXH", 70))
        else:
            rows.append(_row(grade, "LSDL", 70, **tested))
            rows.append(_row(grade, "KH", 70, **tested))
        if grade >= 3:
            rows.append(_row(grade, "TINCN", 70, **tested))
        rows.append(_row(grade, "GDTC", 70))
        rows.append(_row(grade, "AN", 35, **music))
        rows.append(_row(grade, "MT", 35, **art))
        rows.append(_row(grade, "HDTN", 105))

    # Grades 6–9 (Circular 22).
    for grade in range(6, 10):
        rows.append(_row(grade, "NV", 140))
        rows.append(_row(grade, "TOAN", 140))
        rows.append(_row(grade, "NN1", 105))
        rows.append(_row(grade, "GDCD", 35))
        rows.append(_row(grade, "LSDL", 105))
        rows.append(_row(grade, "KHTN", 140))
        rows.append(_row(grade, "CN", 35 if grade <= 7 else 52))
        rows.append(_row(grade, "TIN", 35))
        rows.append(_row(grade, "GDTC", 70))
        rows.append(_row(grade, "NT", 70, name="Nghệ thuật (Âm nhạc, Mĩ thuật)"))
        rows.append(_row(grade, "HDTN", 105, name=HDTN_SECONDARY_NAME))
        rows.append(_row(grade, "GDDP", 35))

    # Grades 10–12 (Circular 22): compulsory subjects, then the electives (4 of these 9).
    for grade in range(10, 13):
        rows.append(_row(grade, "NV", 105))
        rows.append(_row(grade, "TOAN", 105))
        rows.append(_row(grade, "NN1", 105))
        rows.append(_row(grade, "LS", 52))
        rows.append(_row(grade, "GDTC", 70))
        rows.append(_row(grade, "GDQPAN", 35))
        rows.append(_row(grade, "HDTN", 105, name=HDTN_SECONDARY_NAME))
        rows.append(_row(grade, "GDDP", 35))
        for code in ("DL", "GDKTPL", "VL", "HH", "SH", "CN", "TIN", "AN", "MT"):
            rows.append(_row(grade, code, 70, is_compulsory=False, elective_group=ELECTIVE))
    return rows


def _nfc(text):
    return unicodedata.normalize("NFC", text)


def seed(apps, schema_editor):
    """Create or update every seeded row; running it again changes nothing."""
    Subject = apps.get_model("curriculum", "Subject")
    GradeSubject = apps.get_model("curriculum", "GradeSubject")
    subjects = {}
    for position, (code, name, mode) in enumerate(SUBJECTS, start=1):
        subjects[code], _ = Subject.objects.update_or_create(
            code=code,
            defaults={"name": _nfc(name), "assessment_mode": mode, "sort_order": position * 10},
        )
    for grade, code, values in grade_subject_rows():
        values = {**values, "name": _nfc(values["name"])}
        GradeSubject.objects.update_or_create(
            grade=grade, subject=subjects[code], defaults=values
        )


def unseed(apps, schema_editor):
    """Remove the seeded rows only: subjects and grade rows added since stay."""
    Subject = apps.get_model("curriculum", "Subject")
    GradeSubject = apps.get_model("curriculum", "GradeSubject")
    for grade, code, _values in grade_subject_rows():
        GradeSubject.objects.filter(grade=grade, subject__code=code).delete()
    seeded_codes = [code for code, _name, _mode in SUBJECTS]
    Subject.objects.filter(code__in=seeded_codes, grade_subjects__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("curriculum", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
