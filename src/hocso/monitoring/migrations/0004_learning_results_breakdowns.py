"""The catalog's disaggregations and the learning-result distribution (issue 7).

- Adds the indicator `learning_results` (the share of secondary learners whose year learning
  result is Đạt or better, broken down by level: the distribution), outside the plan, no target.
- Sets `disaggregations` of the seeded indicators to the breakdowns their source now gives
  (monitoring/sources.py): every additive source by the school attributes (school level,
  ownership, urban/rural), the learner-based ones also by gender and ethnicity.

The data is frozen here, like 0002. Idempotent (matched by code). Reversible: going back removes
`learning_results` (with its computed values and report figures) and restores the disaggregations of 0002.
"""

import unicodedata

from django.db import migrations

LEVEL, OWNERSHIP, AREA = "school_level", "ownership", "area"
GENDER, ETHNICITY, RESULT = "gender", "ethnicity", "result"

SCHOOL = [LEVEL, OWNERSHIP, AREA]
LEARNERS = [*SCHOOL, GENDER, ETHNICITY]

DISAGGREGATIONS = {
    "learners_valid_id": LEARNERS,
    "teachers_with_record": SCHOOL,
    "facilities_managed": SCHOOL,
    "learners_online_ready": LEARNERS,
    "schools_using_platform": SCHOOL,
    "enrollment": LEARNERS,
    "dropout_rate": LEARNERS,
    "repetition_rate": LEARNERS,
    "learner_teacher_ratio": SCHOOL,
    "average_class_size": SCHOOL,
    "khmer_share": LEARNERS,
}

# What 0002 seeded, restored when going back.
PREVIOUS = {
    "learners_valid_id": [LEVEL, GENDER],
    "teachers_with_record": [],
    "facilities_managed": [],
    "learners_online_ready": [LEVEL, GENDER],
    "schools_using_platform": [],
    "enrollment": [LEVEL, GENDER],
    "dropout_rate": [LEVEL, GENDER],
    "repetition_rate": [LEVEL, GENDER],
    "learner_teacher_ratio": [],
    "average_class_size": [],
    "khmer_share": [LEVEL, GENDER],
}

LEARNING_RESULTS = {
    "code": "learning_results",
    "name": "Tỉ lệ học sinh có kết quả học tập cả năm từ mức Đạt trở lên",
    "name_en": "Learners whose year learning result is Pass or better",
    "definition": "Số học sinh trung học (lớp 6 đến lớp 12) của năm học có kết quả học tập cả "
    "năm ở mức Tốt, Khá hoặc Đạt trên tổng số học sinh trung học của năm học đã có kết quả học "
    "tập cả năm. Phân tổ theo mức (Tốt, Khá, Đạt, Chưa đạt) cho phân bố kết quả học tập: số học "
    "sinh ở mức đó trên tổng số học sinh đã có kết quả.",
    "unit": "percent",
    "source": "learning_results",
    "lowest_level": "school",
    "disaggregations": [RESULT, *SCHOOL],
    "higher_is_better": True,
    "in_plan": False,
    "order": 150,  # after the last seeded statistic (khmer_share, 140)
}


def _nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def forwards(apps, schema_editor):
    Indicator = apps.get_model("monitoring", "Indicator")
    for code, breakdowns in DISAGGREGATIONS.items():
        Indicator.objects.filter(code=code).update(disaggregations=list(breakdowns))
    fields = {key: _nfc(value) for key, value in LEARNING_RESULTS.items() if key != "code"}
    Indicator.objects.update_or_create(code=LEARNING_RESULTS["code"], defaults=fields)


def backwards(apps, schema_editor):
    Indicator = apps.get_model("monitoring", "Indicator")
    StatReportFigure = apps.get_model("monitoring", "StatReportFigure")
    # Report figures protect their indicator: the ones of the removed indicator go with it.
    StatReportFigure.objects.filter(indicator__code=LEARNING_RESULTS["code"]).delete()
    Indicator.objects.filter(code=LEARNING_RESULTS["code"]).delete()
    for code, breakdowns in PREVIOUS.items():
        Indicator.objects.filter(code=code).update(disaggregations=list(breakdowns))


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0003_reports_alerts_forecasts")]

    operations = [migrations.RunPython(forwards, backwards)]
