"""Seed the indicator catalog: the digital-transformation plan's indicators with their 2025 and
2030 targets, and the usual education statistics (issue 7).

The data lives here, frozen with the migration, like the curriculum seed: a later correction is a
new migration, and a fresh database replays exactly what existing ones got.

- Idempotent: indicators are matched by code and targets by (indicator, year), so running the
  seed again updates them in place and never duplicates a row.
- Reversible: going back removes the seeded indicators, with their targets and computed values
  (values are derived data; `hocso monitoring recompute` rebuilds them).
- `source` names the key of monitoring/sources.py that computes the indicator. The two
  indicators whose data does not exist on the platform yet (the online share of the curriculum,
  e-service dossiers processed online) have a blank source: the catalog lists them as "no data
  source yet" and no value is ever made up for them.
- Targets are in the indicator's unit (a percent as 0–100) for the end of the calendar year;
  the statistics outside the plan have none.
"""

import unicodedata
from decimal import Decimal

from django.db import migrations

PERCENT, RATIO, COUNT, AVERAGE = "percent", "ratio", "count", "average"
SCHOOL, COMMUNE, PROVINCE = "school", "commune", "province"
LEVEL, GENDER = "school_level", "gender"

# The list order is the catalog's display order (`order` = 10, 20, …).
INDICATORS = [
    # --- the plan's indicators -------------------------------------------------------------
    {
        "code": "learners_valid_id",
        "name": "Tỉ lệ người học có hồ sơ số với mã định danh cá nhân hợp lệ",
        "name_en": "Learners with a digital record and a valid personal ID",
        "definition": "Số người học đang học (có ghi danh trong năm học) có mã định danh cá "
        "nhân 12 chữ số hợp lệ trên tổng số người học đang học.",
        "unit": PERCENT,
        "source": "learners_valid_id",
        "lowest_level": SCHOOL,
        "disaggregations": [LEVEL, GENDER],
        "in_plan": True,
        "targets": {2025: 100},
    },
    {
        "code": "teachers_with_record",
        "name": "Tỉ lệ giáo viên có hồ sơ số",
        "name_en": "Teachers with a digital record",
        "definition": "Số giáo viên, hiệu trưởng, phó hiệu trưởng đang công tác có hồ sơ đầy "
        "đủ (mã định danh cá nhân, ngày sinh, trình độ chuyên môn) trên tổng số giáo viên, hiệu "
        "trưởng, phó hiệu trưởng đang công tác.",
        "unit": PERCENT,
        "source": "teachers_with_record",
        "lowest_level": SCHOOL,
        "disaggregations": [],
        "in_plan": True,
        "targets": {2025: 100},
    },
    {
        "code": "facilities_managed",
        "name": "Tỉ lệ cơ sở giáo dục quản lí cơ sở vật chất, thiết bị trên môi trường số",
        "name_en": "Schools managing their facilities and equipment digitally",
        "definition": "Số cơ sở giáo dục đã cập nhật phòng học (ít nhất một phòng) và thiết bị "
        "(ít nhất một thiết bị) trên hệ thống trên tổng số cơ sở giáo dục.",
        "unit": PERCENT,
        "source": "facilities_managed",
        # One school is 0% or 100%: the share means something from the commune up.
        "lowest_level": COMMUNE,
        "disaggregations": [],
        "in_plan": True,
        "targets": {2025: 80, 2030: 100},
    },
    {
        "code": "learners_online_ready",
        "name": "Tỉ lệ học sinh phổ thông đủ điều kiện học trực tuyến (thiết bị và kết nối)",
        "name_en": "General-education learners able to study online (device and connection)",
        "definition": "Số học sinh phổ thông đang học có thiết bị học tập (điện thoại, máy "
        "tính, máy tính bảng) và có kết nối internet tại nhà trên tổng số học sinh phổ thông "
        "đang học.",
        "unit": PERCENT,
        "source": "learners_online_ready",
        "lowest_level": SCHOOL,
        "disaggregations": [LEVEL, GENDER],
        "in_plan": True,
        "targets": {2025: 50, 2030: 100},
    },
    {
        "code": "curriculum_covered",
        "name": "Tỉ lệ nội dung chương trình có học liệu số được phê duyệt",
        "name_en": "Curriculum covered by approved digital learning resources",
        "definition": "Số chủ đề (nội dung cấp cuối) của Chương trình giáo dục phổ thông 2018 "
        "có ít nhất một học liệu số đã được duyệt và xuất bản, dùng được tại đơn vị, trên tổng "
        "số chủ đề.",
        "unit": PERCENT,
        "source": "curriculum_covered",
        "lowest_level": SCHOOL,
        "disaggregations": [],
        "in_plan": True,
        "targets": {2025: 50, 2030: 100},
    },
    {
        "code": "schools_using_platform",
        "name": "Tỉ lệ cơ sở giáo dục sử dụng nền tảng số trong quản lí",
        "name_en": "Schools using the platform for management",
        "definition": "Số cơ sở giáo dục có tài khoản quản trị nhà trường và có nhập điểm trên "
        "hệ thống trong năm học trên tổng số cơ sở giáo dục.",
        "unit": PERCENT,
        "source": "schools_using_platform",
        "lowest_level": COMMUNE,
        "disaggregations": [],
        "in_plan": True,
        "targets": {2025: 100},
    },
    {
        "code": "online_curriculum_share",
        "name": "Tỉ lệ nội dung chương trình được dạy học trực tuyến",
        "name_en": "Share of the curriculum taught online",
        "definition": "Tỉ lệ nội dung chương trình được tổ chức dạy học theo hình thức trực "
        "tuyến. Chưa có nguồn dữ liệu: hệ thống chưa ghi nhận các tiết dạy trực tuyến.",
        "unit": PERCENT,
        "source": "",
        "lowest_level": SCHOOL,
        "disaggregations": [],
        "in_plan": True,
        "targets": {},
    },
    {
        "code": "eservices_online",
        "name": "Tỉ lệ hồ sơ dịch vụ công được tiếp nhận và xử lí trực tuyến",
        "name_en": "Citizen e-service dossiers processed online",
        "definition": "Số hồ sơ thủ tục hành chính thuộc lĩnh vực giáo dục được tiếp nhận và "
        "xử lí trực tuyến trên tổng số hồ sơ. Chưa có nguồn dữ liệu: dịch vụ công trực tuyến "
        "chưa có trên hệ thống.",
        "unit": PERCENT,
        "source": "",
        "lowest_level": PROVINCE,
        "disaggregations": [],
        "in_plan": True,
        "targets": {},
    },
    # --- the usual education statistics (no plan target) -----------------------------------
    {
        "code": "enrollment",
        "name": "Số người học",
        "name_en": "Enrollment",
        "definition": "Số người học đang học (có ghi danh trong năm học), phân theo cấp học.",
        "unit": COUNT,
        "source": "enrollment",
        "lowest_level": SCHOOL,
        "disaggregations": [LEVEL, GENDER],
        "in_plan": False,
        "targets": {},
    },
    {
        "code": "dropout_rate",
        "name": "Tỉ lệ học sinh bỏ học",
        "name_en": "Drop-out rate",
        "definition": "Số lượt ghi danh của năm học kết thúc với lí do bỏ học trên tổng số lượt "
        "ghi danh của năm học.",
        "unit": PERCENT,
        "source": "dropout_rate",
        "lowest_level": SCHOOL,
        "disaggregations": [LEVEL, GENDER],
        "higher_is_better": False,
        "in_plan": False,
        "targets": {},
    },
    {
        "code": "repetition_rate",
        "name": "Tỉ lệ học sinh lưu ban",
        "name_en": "Repetition rate",
        "definition": "Số lượt ghi danh của năm học bắt đầu với lí do học lại (lưu ban) trên "
        "tổng số lượt ghi danh của năm học.",
        "unit": PERCENT,
        "source": "repetition_rate",
        "lowest_level": SCHOOL,
        "disaggregations": [LEVEL, GENDER],
        "higher_is_better": False,
        "in_plan": False,
        "targets": {},
    },
    {
        "code": "learner_teacher_ratio",
        "name": "Tỉ số học sinh trên giáo viên",
        "name_en": "Learner/teacher ratio",
        "definition": "Số người học đang học trên số giáo viên đang công tác.",
        "unit": RATIO,
        "source": "learner_teacher_ratio",
        "lowest_level": SCHOOL,
        "disaggregations": [],
        "higher_is_better": False,
        "in_plan": False,
        "targets": {},
    },
    {
        "code": "average_class_size",
        "name": "Sĩ số bình quân một lớp",
        "name_en": "Average class size",
        "definition": "Số lượt ghi danh có lớp trong năm học trên số lớp của năm học.",
        "unit": AVERAGE,
        "source": "average_class_size",
        "lowest_level": SCHOOL,
        "disaggregations": [],
        "higher_is_better": False,
        "in_plan": False,
        "targets": {},
    },
    {
        "code": "khmer_share",
        "name": "Tỉ lệ học sinh dân tộc Khmer",
        "name_en": "Share of Khmer learners",
        "definition": "Số người học đang học là người dân tộc Khmer trên tổng số người học "
        "đang học.",
        "unit": PERCENT,
        "source": "khmer_share",
        "lowest_level": SCHOOL,
        "disaggregations": [LEVEL, GENDER],
        "in_plan": False,
        "targets": {},
    },
]

SEEDED_CODES = [row["code"] for row in INDICATORS]


def _nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def seed_indicators(apps, schema_editor):
    Indicator = apps.get_model("monitoring", "Indicator")
    Target = apps.get_model("monitoring", "Target")
    for position, row in enumerate(INDICATORS, start=1):
        fields = {key: _nfc(value) for key, value in row.items() if key not in ("code", "targets")}
        fields.setdefault("higher_is_better", True)
        fields["order"] = position * 10
        indicator, _created = Indicator.objects.update_or_create(code=row["code"], defaults=fields)
        for year, value in row["targets"].items():
            Target.objects.update_or_create(
                indicator=indicator, year=year, defaults={"value": Decimal(value)}
            )


def unseed_indicators(apps, schema_editor):
    Indicator = apps.get_model("monitoring", "Indicator")
    Indicator.objects.filter(code__in=SEEDED_CODES).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(seed_indicators, unseed_indicators)]
