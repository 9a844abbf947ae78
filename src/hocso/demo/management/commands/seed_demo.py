"""`hocso seed-demo --scale small|province [--seed N] [--if-empty]`: load the demo province."""

import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from hocso.assessment.models import Level, PrimaryOutcome
from hocso.demo.accounts import DemoAccount, demo_accounts
from hocso.demo.load import Summary, load_demo
from hocso.demo.plan import SCALES
from hocso.monitoring import hooks
from hocso.orgs.models import OrgUnit, SchoolType
from hocso.questions.models import ItemStatus

DEFAULT_SEED = 2025


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A plain-text table that lines up in a terminal (Vietnamese letters are one cell wide)."""
    widths = [max(_width(r[i]) for r in (header, *rows)) for i in range(len(header))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [
        line,
        "| " + " | ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)) + " |",
        line,
    ]
    out += [
        "| " + " | ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    out.append(line)
    return "\n".join(out)


class Command(BaseCommand):
    @property
    def help(self):  # translated when asked for, in the active language
        return _(
            "Nạp dữ liệu mẫu: một tỉnh mô phỏng theo Trà Vinh (từ 01/7/2025 thuộc tỉnh Vĩnh Long) "
            "với trường, lớp, học sinh, phụ huynh, giáo viên, phòng học, thiết bị, sổ điểm và "
            "kết quả học tập, rồi in các tài khoản mẫu. Cùng một --seed cho cùng một dữ liệu."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="small",
            help=_(
                "small: 13 trường ở 3 huyện cũ, vài nghìn học sinh, sổ điểm và học bạ số cả năm "
                "học 2025-2026, sổ điểm học kì I năm học 2026-2027 (đến cuối tháng 11), dưới một "
                "phút; province: ~430 trường, ~215.000 học sinh, ~14.000 cán bộ, sổ điểm học kì I "
                "năm học 2026-2027 (cả năm 2025-2026 và học bạ số ở các trường có tài khoản mẫu), "
                "khoảng 10 phút"
            ),
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=_("hạt giống ngẫu nhiên (mặc định 2025)")
        )
        parser.add_argument(
            "--no-grades",
            action="store_true",
            help=_(
                "không tạo phân công giảng dạy, sổ điểm và kết quả học tập (nạp nhanh hơn nhiều)"
            ),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("chỉ nạp khi cơ sở dữ liệu chưa có đơn vị nào; nếu đã có thì không làm gì"),
        )

    def handle(self, *args, scale, seed, if_empty, no_grades=False, **options):
        if OrgUnit.objects.exists():
            if not if_empty:
                self._print_accounts(demo_accounts())
                raise CommandError(
                    _(
                        "Cơ sở dữ liệu đã có dữ liệu đơn vị, không nạp dữ liệu mẫu chồng lên. Dùng "
                        "một cơ sở dữ liệu trống (hocso migrate trên tệp mới), hoặc thêm --if-empty "
                        "để bỏ qua khi đã có dữ liệu."
                    )
                )
            self.stdout.write(
                _("Cơ sở dữ liệu đã có dữ liệu đơn vị: không nạp thêm dữ liệu mẫu (--if-empty).")
            )
            self._print_accounts(demo_accounts())
            return

        show_progress = scale == "province" or options["verbosity"] >= 2
        self.stdout.write(
            _("Đang tạo dữ liệu mẫu (quy mô %(scale)s, seed %(seed)s)…")
            % {"scale": scale, "seed": seed}
        )
        # The loader recomputes every indicator at its end: nothing to queue per save meanwhile.
        with hooks.paused():
            summary = load_demo(
                scale=SCALES[scale], seed=seed, grades=not no_grades,
                progress=self._progress if show_progress else _silent,
            )  # fmt: skip
        self._print_summary(summary)
        self._print_accounts(summary.accounts)

    def _progress(self, stage: str, done: int, total: int) -> None:
        labels = {
            "org": _("Cây đơn vị và cải cách 01/7/2025"),
            "staff": _("Cán bộ, giáo viên"),
            "students": _("Học sinh, phụ huynh, lượt học (theo trường)"),
            "facilities": _("Phòng học và thiết bị"),
            "grades": _("Phân công giảng dạy, sổ điểm, chuyên cần và rèn luyện (theo trường)"),
            "results": _("Kết quả học tập (theo trường và năm học)"),
            "transcripts": _("Cấp học bạ số (theo lớp)"),
            "questions": _("Ngân hàng câu hỏi và ma trận đề"),
            "exams": _("Bài thi trực tuyến (làm bài, chấm, phân tích)"),
            "resources": _("Kho học liệu số (tải lên, duyệt)"),
            "history": _("Lịch sử năm học 2022-2023 đến nay (lớp, lượt học)"),
            "monitoring": _("Giám sát: số trẻ sinh, nghỉ học, báo cáo, chỉ tiêu, cảnh báo"),
        }
        self.stderr.write(f"  {labels.get(stage, stage)}: {_number(done)}/{_number(total)}")

    def _print_summary(self, s: Summary) -> None:
        n = _number
        type_labels = dict(SchoolType.choices)
        schools = ", ".join(
            f"{type_labels.get(kind, kind)} {n(count)}" for kind, count in s.schools.items()
        )
        lines = [
            _("Đã nạp dữ liệu mẫu trong %(seconds).1f giây (quy mô %(scale)s, seed %(seed)s).")
            % {"seconds": s.seconds, "scale": s.scale, "seed": s.seed},
            _("  Đơn vị: %(units)s (trong đó %(communes)s xã/phường)")
            % {"units": n(s.org_units), "communes": n(s.communes)},
            _("  Cơ sở giáo dục: %(total)s — %(detail)s")
            % {"total": n(sum(s.schools.values())), "detail": schools},
            _("  Học sinh đang học: %(studying)s (Khơ-me %(khmer).1f%%); tổng số hồ sơ: %(total)s")
            % {
                "studying": n(s.learners_studying),
                "khmer": s.khmer_share * 100,
                "total": n(s.learners_total),
            },
            _(
                "  Cán bộ, giáo viên: %(staff)s; lớp: %(classes)s; lượt học: %(enrollments)s; phụ huynh: %(guardians)s"
            )
            % {
                "staff": n(s.staff),
                "classes": n(s.classes),
                "enrollments": n(s.enrollments),
                "guardians": n(s.guardians),
            },
            _("  Phòng: %(rooms)s; thiết bị: %(equipment)s")
            % {"rooms": n(s.rooms), "equipment": n(s.equipment)},
            *_grades_lines(s.grades),
            *_transcripts_lines(s.transcripts),
            *_questions_lines(s.questions),
            *_exams_lines(s.exams),
            *_resources_lines(s.resources),
            *_monitoring_lines(s.history, s.monitoring),
            _(
                "Lưu ý: chỉ sinh phần tỉnh Trà Vinh cũ của tỉnh Vĩnh Long. Tỉnh Trà Vinh (84) và 9 "
                "huyện/thị/thành hết hiệu lực ngày 30/6/2025, đơn vị kế thừa là tỉnh Vĩnh Long (86); "
                "các xã/phường giữ mã cũ và được chuyển trực thuộc tỉnh Vĩnh Long từ 01/7/2025."
            ),
        ]
        self.stdout.write("\n".join(lines))

    def _print_accounts(self, accounts: list[DemoAccount]) -> None:
        if not accounts:
            self.stdout.write(_("Không có tài khoản mẫu nào trong cơ sở dữ liệu này."))
            return
        self.stdout.write(_("Tài khoản mẫu:"))
        header = (_("Tài khoản"), _("Mật khẩu"), _("Vai trò"), _("Đơn vị"))
        rows = [(a.username, a.password, a.role, a.org_unit) for a in accounts]
        self.stdout.write(format_table(header, rows))


def _grades_lines(g) -> list[str]:
    """What the grade books hold and how the learners did, per term and year."""
    if g is None:
        return []
    term_names = {1: _("học kì I"), 2: _("học kì II")}
    covered = ", ".join(f"{term_names[term]} {year}" for year, term in g.terms)
    lines = [
        _(
            "  Sổ điểm (%(covered)s): %(scores)s điểm; phân công giảng dạy: %(assignments)s; "
            "chuyên cần và rèn luyện: %(records)s; lớp-học kì đã duyệt và khóa: %(locked)s "
            "(%(seconds).1f giây, trong đó tính kết quả %(results).1f giây)"
        )
        % {
            "covered": covered,
            "scores": _number(g.scores),
            "assignments": _number(g.assignments),
            "records": _number(g.term_records),
            "locked": _number(g.locked),
            "seconds": g.seconds,
            "results": g.results_seconds,
        }
    ]
    period_names = {0: _("cả năm"), **term_names}
    levels = dict(Level.choices)
    # Term I, term II, then the year.
    for (year, period), counts in sorted(g.levels.items(), key=lambda i: (i[0][0], not i[0][1])):
        decided = ", ".join(
            f"{levels[code]} {_number(counts[code])}" for code in Level.values if counts.get(code)
        )
        undecided = (
            _("chưa đủ điểm %(n)s") % {"n": _number(counts[None])} if counts.get(None) else ""
        )
        shown = "; ".join(part for part in (decided, undecided) if part)
        lines.append(
            _("  Kết quả học tập %(period)s %(year)s: %(levels)s")
            % {"period": period_names[period], "year": year, "levels": shown or "—"}
        )
    if g.primary_levels:
        lines.append(
            _("  Tiểu học: %(levels)s mức đạt được môn học, %(traits)s mức phẩm chất, năng lực")
            % {"levels": _number(g.primary_levels), "traits": _number(g.primary_traits)}
        )
    outcomes = dict(PrimaryOutcome.choices)
    for year, counts in sorted(g.primary_outcomes.items()):
        decided = ", ".join(
            f"{outcomes[code]} {_number(counts[code])}"
            for code in PrimaryOutcome.values
            if counts.get(code)
        )
        undecided = (
            _("chưa đủ đánh giá %(n)s") % {"n": _number(counts[None])} if counts.get(None) else ""
        )
        shown = "; ".join(part for part in (decided, undecided) if part)
        lines.append(
            _("  Kết quả cả năm tiểu học %(year)s: %(outcomes)s")
            % {"year": year, "outcomes": shown or "—"}
        )
    return lines


def _transcripts_lines(t) -> list[str]:
    if t is None:
        return []
    line = _(
        "  Học bạ số năm học %(year)s: đã cấp %(issued)s bản cho học sinh khối 6–12 và "
        "%(primary)s bản cho học sinh tiểu học (%(seconds).1f giây)"
    ) % {
        "year": t.year,
        "issued": _number(t.issued),
        "primary": _number(t.primary_issued),
        "seconds": t.seconds,
    }
    if t.skipped:
        line += _("; chưa đủ kết quả để cấp: %(n)s") % {"n": _number(t.skipped)}
    return [line]


def _questions_lines(q) -> list[str]:
    if q is None:
        return []
    statuses = dict(ItemStatus.choices)
    detail = ", ".join(
        f"{statuses[code]} {_number(q.by_status[code])}"
        for code in ItemStatus.values
        if q.by_status.get(code)
    )
    return [
        _(
            "  Ngân hàng câu hỏi: %(items)s câu hỏi, %(subjects)s môn, %(topics)s chủ đề (%(detail)s); "
            "ma trận đề thi tốt nghiệp 2025 môn Toán: %(blueprint)s (%(seconds).1f giây)"
        )
        % {
            "items": _number(q.items),
            "subjects": q.subjects,
            "topics": q.topics,
            "detail": detail,
            "blueprint": q.blueprint,
            "seconds": q.seconds,
        }
    ]


def _exams_lines(e) -> list[str]:
    if e is None:
        return []
    return [
        _(
            "  Thi trực tuyến: %(sessions)s bài thi, %(attempts)s bài làm, %(responses)s câu trả "
            "lời; đã chấm và phân tích: %(midterm)s; đang mở cho học sinh: %(review)s"
        )
        % {
            "sessions": e.sessions,
            "attempts": _number(e.attempts),
            "responses": _number(e.responses),
            "midterm": e.midterm,
            "review": e.review,
        }
    ]


def _resources_lines(r) -> list[str]:
    """The demo library: how many resources by status and how much of the curriculum they cover."""
    if r is None:
        return []
    from hocso.resources.models import ResourceStatus

    statuses = dict(ResourceStatus.choices)
    detail = ", ".join(
        f"{statuses[code]} {_number(r.by_status[code])}"
        for code in ResourceStatus.values
        if r.by_status.get(code)
    )
    return [
        _(
            "  Kho học liệu số: %(resources)s học liệu (%(detail)s; dùng chung toàn tỉnh "
            "%(province)s); bao phủ %(covered)s/%(topics)s chủ đề của chương trình (%(share).0f%%); "
            "%(usage)s lượt sử dụng, %(ratings)s đánh giá (%(seconds).1f giây)"
        )
        % {
            "resources": _number(r.resources),
            "detail": detail,
            "province": _number(r.province_wide),
            "covered": _number(r.covered),
            "topics": _number(r.topics),
            "share": r.share * 100,
            "usage": _number(r.usage_events),
            "ratings": _number(r.ratings),
            "seconds": r.seconds,
        }
    ]


def _monitoring_lines(h, m) -> list[str]:
    """The five school years of history and what the monitoring centre shows."""
    lines = []
    if h is not None:
        lines.append(
            _(
                "  Lịch sử %(years)s năm học: thêm %(classes)s lớp, %(enrollments)s lượt học, "
                "%(learners)s hồ sơ (bỏ học %(dropouts)s; lưu ban %(repeats)s) (%(seconds).1f giây)"
            )
            % {
                "years": h.years,
                "classes": _number(h.classes),
                "enrollments": _number(h.enrollments),
                "learners": _number(h.learners),
                "dropouts": _number(h.drop_outs),
                "repeats": _number(h.repeats),
                "seconds": h.seconds,
            }
        )
    if m is not None:
        from hocso.monitoring.models import ReportStatus

        statuses = dict(ReportStatus.choices)
        reports = ", ".join(
            f"{statuses.get(code, code)} {_number(n)}" for code, n in m.reports.items()
        )
        lines.append(
            _(
                "  Giám sát: số trẻ sinh %(births)s dòng; ngày nghỉ học %(absences)s (%(risk)s học "
                "sinh nguy cơ bỏ học); báo cáo đầu năm: %(reports)s; giá trị chỉ tiêu "
                "%(values)s; cảnh báo: %(alerts)s (%(seconds).1f giây)"
            )
            % {
                "births": _number(m.births),
                "absences": _number(m.absences),
                "risk": m.at_risk,
                "reports": reports or "—",
                "values": _number(m.values),
                "alerts": m.alerts or "—",
                "seconds": m.seconds,
            }
        )
    return lines


def _number(value: int) -> str:
    """Vietnamese digit grouping: 215.000."""
    return f"{value:,}".replace(",", ".")


def _silent(stage: str, done: int, total: int) -> None:
    return None
