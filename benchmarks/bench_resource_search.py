"""Search the resource library: 100,000 resources, p50/p95 over a fixed set of queries, on SQLite
and on PostgreSQL, each against a floor.

Figure: resources.selectors.resources_search as a teacher (scope filter: province-wide plus their
school's resources; folding; every word required, the last a prefix; title hits first, then
bm25 / ts_rank, then the newest), the first page of 20 evaluated plus the total count — what the
search page and the API do.
Floor: the same match as one raw full-text statement through the DB-API, ranked by the same
score, plus its count (SQLite: `fts MATCH ?` ORDER BY bm25; PostgreSQL: the indexed
search_vector `@@ to_tsquery` ORDER BY ts_rank) — no scope, no title tier, no joins.

Prints, one line per database:
  resource_search (sqlite): 100000 resources p50 X ms p95 Y ms; floor p50 Z ms (the same match
  as one raw FTS query); ratio R
The databases are generated once (var/bench/resources.sqlite3, and PostgreSQL database
hocso_bench_resources, or HOCSO_BENCH_PG_URL) and kept. `--db sqlite|postgresql` runs one.
"""

import os
import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

N = int(os.environ.get("N", "100000"))
PAGE = 20
PG_URL = os.environ.get(
    "HOCSO_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/hocso_bench_resources"
)
SCHOOLS = 40

# What teachers type: with or without diacritics, unfinished last words, one to four words.
QUERIES = [
    "phân số", "phan so", "hinh hoc", "tam giac vuong", "quang hop", "dien tro",
    "phuong trinh bac", "luc bat", "truyện đồng thoại", "lich su viet nam", "dia li",
    "tieng anh lop 6", "bai giang", "on tap chuong", "de kiem tra giua ki", "thi nghiem",
    "mô phỏng", "sach giao khoa", "ham so", "xac suat thong ke", "văn bản nghị luận",
    "chuyen dong thang", "hoa hoc huu co", "ph", "so nguyen t", "Định luật Ôm",
]  # fmt: skip

SUBJECTS = {
    "TOAN": ["Phân số", "Số thập phân", "Số nguyên tố", "Hình học trực quan", "Tam giác vuông",
             "Định lí Py-ta-go", "Phương trình bậc hai", "Hàm số bậc nhất", "Đồ thị hàm số",
             "Xác suất thống kê", "Tỉ lệ thức", "Căn bậc hai", "Hệ phương trình", "Đường tròn",
             "Lượng giác", "Đạo hàm", "Tích phân", "Số phức", "Vectơ", "Dãy số"],
    "NV": ["Truyện đồng thoại", "Thơ lục bát", "Văn bản nghị luận", "Truyện cổ tích",
           "Kí và tùy bút", "Thơ Đường luật", "Truyện ngắn hiện đại", "Tục ngữ ca dao",
           "Văn bản thông tin", "Bi kịch", "Truyện Kiều", "Chiếu dời đô"],
    "KHTN": ["Quang hợp ở thực vật", "Điện trở", "Định luật Ôm", "Chuyển động thẳng đều",
             "Tế bào", "Nguyên tử", "Bảng tuần hoàn", "Phản ứng hóa học", "Lực ma sát",
             "Năng lượng", "Hệ tiêu hóa", "Sinh sản ở thực vật", "Ánh sáng"],
    "LSDL": ["Lịch sử Việt Nam thời Lý", "Địa lí tự nhiên Việt Nam", "Khởi nghĩa Hai Bà Trưng",
             "Văn minh sông Hồng", "Khí hậu nhiệt đới gió mùa", "Dân cư và đô thị hóa",
             "Chiến thắng Bạch Đằng", "Biển đảo Việt Nam", "Đồng bằng sông Cửu Long"],
    "NN1": ["My family", "School things", "Tiếng Anh giao tiếp", "Thì hiện tại đơn",
           "Từ vựng chủ đề môi trường", "Kĩ năng nghe", "Ngữ pháp câu bị động"],
    "TIN": ["Thuật toán", "Lập trình Python", "Bảng tính điện tử", "An toàn thông tin",
            "Mạng máy tính", "Cơ sở dữ liệu", "Trí tuệ nhân tạo"],
    "HH": ["Hóa học hữu cơ", "Ancol và phenol", "Este và lipit", "Kim loại kiềm",
            "Cân bằng hóa học", "Điện phân"],
    "VL": ["Dao động điều hòa", "Sóng cơ", "Dòng điện xoay chiều", "Con lắc đơn",
           "Chuyển động ném ngang", "Định luật Niu-tơn", "Khúc xạ ánh sáng"],
}  # fmt: skip
KINDS = [
    ("document", "Bài giảng"), ("document", "Phiếu học tập"), ("video", "Video bài học"),
    ("document", "Đề kiểm tra giữa kì"), ("html5", "Mô phỏng"), ("ebook", "Sách giáo khoa"),
    ("document", "Ôn tập chương"), ("image", "Sơ đồ tư duy"), ("scorm", "Bài học tương tác"),
    ("audio", "Bài nghe"), ("link", "Học liệu trực tuyến"), ("document", "Giáo án"),
]  # fmt: skip
SENTENCES = [
    "Tài liệu dành cho giáo viên và học sinh {grade_text}, bám sát chương trình GDPT 2018.",
    "Nội dung gồm phần lí thuyết, ví dụ minh họa và bài tập vận dụng về {topic_lower}.",
    "Học sinh tự học ở nhà hoặc thảo luận nhóm trên lớp.",
    "Có đáp án và hướng dẫn chấm chi tiết.",
    "Phù hợp với bộ sách Kết nối tri thức với cuộc sống.",
    "Phù hợp với bộ sách Chân trời sáng tạo và Cánh diều.",
    "Thời lượng khoảng {minutes} phút, có thể trình chiếu trên lớp.",
    "Giáo viên có thể chỉnh sửa để phù hợp với đối tượng học sinh vùng khó khăn.",
    "Bài học giúp các em hiểu rõ {topic_lower} qua hình ảnh trực quan.",
    "Tổ chuyên môn {school} biên soạn năm học {year}.",
]
AUTHORS = ["Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Minh Đức", "Phạm Thu Hà", "Đặng Quốc Bảo",
           "Võ Thị Mai", "Huỳnh Tấn Phát", "Bùi Ngọc Ánh", "Đỗ Hoàng Nam", "Thạch Sô Phia"]  # fmt: skip


def generate(rng: random.Random) -> None:
    """The province, its schools, a teacher, and N resources (bulk insert; the full-text index
    fills through its triggers on SQLite and its GIN index on PostgreSQL)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from hocso.accounts.models import Role
    from hocso.accounts.services import role_grant
    from hocso.core import bulk
    from hocso.core.text import fold
    from hocso.curriculum.models import Subject
    from hocso.orgs.models import OrgKind, OrgUnit, SchoolType
    from hocso.orgs.services import orgunit_create
    from hocso.resources.models import Licence, Resource, ResourceStatus, Sharing

    province = OrgUnit.objects.filter(code="86").first() or orgunit_create(
        actor=None, code="86", name="Tỉnh Vĩnh Long", kind=OrgKind.PROVINCE
    )
    commune = OrgUnit.objects.filter(code="29500").first() or orgunit_create(
        actor=None, code="29500", name="Phường 9", kind=OrgKind.COMMUNE, parent=province
    )
    schools = [
        OrgUnit.objects.filter(code=f"86{n:06d}").first()
        or orgunit_create(
            actor=None,
            code=f"86{n:06d}",
            name=f"THCS số {n}",
            kind=OrgKind.SCHOOL,
            parent=commune,
            school_type=SchoolType.LOWER_SECONDARY,
        )  # fmt: skip
        for n in range(1, SCHOOLS + 1)
    ]
    teacher, created = get_user_model().objects.get_or_create(username="bench_teacher")
    if created:
        role_grant(actor=None, user=teacher, role=Role.TEACHER, org_unit=schools[0])
    subjects = {s.code: s for s in Subject.objects.filter(code__in=SUBJECTS)}
    missing = N - Resource.objects.count()
    now = timezone.now()
    licences = list(Licence.values)
    rows = []
    for n in range(missing):
        code = rng.choice(list(subjects))
        topic = rng.choice(SUBJECTS[code])
        kind, lead = rng.choice(KINDS)
        grade = rng.randint(6, 12)
        span = 0 if rng.random() < 0.8 else rng.randint(1, 3)
        grade_to = min(12, grade + span)
        title = f"{lead} {topic} – {subjects[code].name} {grade}"
        school = rng.choice(schools)
        description = " ".join(
            s.format(
                topic_lower=topic.lower(),
                grade_text=f"lớp {grade}",
                minutes=rng.choice((15, 45)),
                school=school.name,
                year="2025-2026",
            )  # fmt: skip
            for s in rng.sample(SENTENCES, 3)
        )
        authors = ", ".join(rng.sample(AUTHORS, rng.randint(1, 2)))
        roll = rng.random()
        status, sharing = (
            (ResourceStatus.PUBLISHED, Sharing.PROVINCE)
            if roll < 0.8
            else (ResourceStatus.PUBLISHED, Sharing.SCHOOL)
            if roll < 0.95
            else (ResourceStatus.DRAFT, Sharing.SCHOOL)
        )
        rows.append(
            {
                "title": title, "description": description, "type": kind,
                "subject_id": subjects[code].pk, "grade_from": grade, "grade_to": grade_to,
                "language": "vi", "licence": rng.choice(licences), "authors": authors,
                "org_unit_id": school.pk, "created_by_id": None, "status": status,
                "sharing": sharing, "current_version_id": None, "external_id": None,
                "search_title": fold(title), "search_body": fold(f"{description} {authors}"),
                "published_at": now - timedelta(minutes=n)
                if status == ResourceStatus.PUBLISHED else None,
            }
        )  # fmt: skip
        if len(rows) == 5000:
            bulk.insert(Resource, rows)
            rows = []
    bulk.insert(Resource, rows)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO resources_resource_fts(resources_resource_fts) "
                           "VALUES ('optimize')")  # fmt: skip
            cursor.execute("ANALYZE")
        else:
            cursor.execute("VACUUM ANALYZE resources_resource")


def _pg_database() -> None:
    """Create the PostgreSQL benchmark database if it is not there."""
    import psycopg

    name = PG_URL.rsplit("/", 1)[1]
    server = PG_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


def run(db: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _setup import Stopwatch, percentile, say, use_database

    if db == "postgresql":
        _pg_database()
        os.environ["HOCSO_BENCH_DATABASE_URL"] = PG_URL
    use_database("resources")
    from django.contrib.auth import get_user_model
    from django.db import connection

    from hocso.resources import search
    from hocso.resources.models import Resource
    from hocso.resources.selectors import resources_search

    if Resource.objects.count() < N:
        say(f"bench_resource_search ({db}): generating {N} resources once…")
        generate(random.Random(6))
    teacher = get_user_model().objects.get(username="bench_teacher")
    total = Resource.objects.count()

    def through_selector(q: str) -> int:
        results = resources_search(actor=teacher, q=q)
        list(results[:PAGE])
        return results.count()

    def floor(q: str) -> int:
        words = search.query_words(q)
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                match = search.fts5_query(words)
                cursor.execute(
                    "SELECT rowid FROM resources_resource_fts WHERE resources_resource_fts "
                    "MATCH %s ORDER BY bm25(resources_resource_fts, 10.0, 1.0) LIMIT %s",
                    [match, PAGE],
                )
                cursor.fetchall()
                cursor.execute(
                    "SELECT count(*) FROM resources_resource_fts WHERE resources_resource_fts "
                    "MATCH %s",
                    [match],
                )
            else:
                vector, query = "search_vector", "to_tsquery('simple'::regconfig, %s)"
                cursor.execute(
                    f"SELECT id FROM resources_resource WHERE {vector} @@ {query} "  # noqa: S608
                    f"ORDER BY ts_rank({vector}, {query}) DESC LIMIT %s",
                    [search.tsquery(words), search.tsquery(words), PAGE],
                )
                cursor.fetchall()
                cursor.execute(
                    f"SELECT count(*) FROM resources_resource WHERE {vector} @@ {query}",  # noqa: S608
                    [search.tsquery(words)],
                )
            return cursor.fetchone()[0]

    def measure(fn) -> list[float]:
        for q in QUERIES[:3]:  # warm caches
            fn(q)
        samples = []
        for _round in range(3):
            for q in QUERIES:
                with Stopwatch() as watch:
                    fn(q)
                samples.append(watch.seconds * 1000)
        return samples

    counts = {q: through_selector(q) for q in QUERIES}
    say(f"  matches per query ({db}): " + ", ".join(f"{q!r}={n}" for q, n in counts.items()))
    figure = measure(through_selector)
    base = measure(floor)
    p50, p95 = percentile(figure, 0.5), percentile(figure, 0.95)
    f50 = percentile(base, 0.5)
    print(
        f"resource_search ({connection.vendor}): {total} resources p50 {p50:.1f} ms "
        f"p95 {p95:.1f} ms; floor p50 {f50:.1f} ms (the same match as one raw FTS query); "
        f"ratio {p50 / f50:.1f}",
        flush=True,
    )


def main() -> int:
    if "--db" in sys.argv:
        run(sys.argv[sys.argv.index("--db") + 1])
        return 0
    # One process per database: Django is set up once per process.
    for db in ("sqlite", "postgresql"):
        subprocess.run([sys.executable, __file__, "--db", db], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
