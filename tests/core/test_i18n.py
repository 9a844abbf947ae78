"""The English interface: the footer's language switch turns the pages English, and every message
of the English catalogue is translated (scripts/check_translations.py, also run by hand after
`make messages`)."""

import importlib.util
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "check_translations", ROOT / "scripts" / "check_translations.py"
)
check_translations = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_translations)
ENGLISH_PO = check_translations.ENGLISH


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogue():
    """`make test` compiles the catalogues first; a bare `pytest` after editing the .po
    compiles it here (the .mo is not in git)."""
    mo = ENGLISH_PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < ENGLISH_PO.stat().st_mtime:
        subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(ENGLISH_PO)], check=True)
        # Entering/leaving an override of LOCALE_PATHS drops Django's cached catalogues.
        with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
            pass


def _switch_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return response


@pytest.mark.django_db
def test_login_page_is_vietnamese_by_default(client):
    body = client.get(reverse("login")).content.decode()

    assert '<html lang="vi">' in body
    assert '<h1 class="h3 mb-3">Đăng nhập</h1>' in body


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", [None, "xx", "fr"])
def test_an_english_browser_still_gets_vietnamese_until_the_user_switches(client, cookie):
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie

    body = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})

    assert '<html lang="vi">' in body.content.decode()


@pytest.mark.django_db
def test_language_switch_turns_the_login_page_english(client):
    _switch_to_english(client)

    body = client.get(reverse("login")).content.decode()

    assert '<html lang="en">' in body
    assert '<h1 class="h3 mb-3">Log in</h1>' in body
    assert ">Username</label>" in body and ">Password</label>" in body
    assert "Đăng nhập" not in body


def test_school_page_in_english(client, users, tree, year):
    client.force_login(users.admin_a)
    _switch_to_english(client)

    body = client.get(reverse("orgs:school", args=[tree.school_a.code])).content.decode()

    assert "Completeness of the digital records" in body
    assert "Teachers and staff" in body
    assert "Classes of school year 2025-2026" in body
    assert "Export to Excel" in body and "Import from Excel" in body
    assert "Lower secondary · Public" in body
    assert "No learner or staff records yet." in body


def test_language_cookie_alone_selects_english(client, users, tree):
    client.force_login(users.teacher_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    body = client.get(reverse("registry:export", args=[tree.school_a.code])).content.decode()

    assert '<h1 class="h3 mb-3">Export lists to Excel</h1>' in body
    assert "— Choose a school year —" in body


def test_every_entry_of_the_english_catalogue_is_translated():
    assert check_translations.untranslated(ENGLISH_PO) == []


SAMPLE = r"""# header comment
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"

#: a.py:1
msgid "Đã dịch"
msgstr "Translated"

#: b.html:2
#, fuzzy, python-format
msgid "Mờ %(n)s"
msgstr "Fuzzy %(n)s"

#: c.py:3
msgid ""
"Hai "
"dòng"
msgstr ""

#: d.html:4
#, python-format
msgid "%(n)s mục"
msgid_plural "%(n)s mục"
msgstr[0] "%(n)s item"
msgstr[1] ""

#: e.py:5
msgctxt "role"
msgid "Học sinh"
msgstr ""
"Stu"
"dent"

#~ msgid "Cũ"
#~ msgstr ""
"""


def test_the_check_reports_empty_fuzzy_and_half_translated_plural_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(SAMPLE, encoding="utf-8")

    assert check_translations.untranslated(po) == [
        "b.html:2: fuzzy: 'Mờ %(n)s'",
        "c.py:3: untranslated: 'Hai dòng'",
        "d.html:4: untranslated: '%(n)s mục'",
    ]
    assert check_translations.main([str(po)]) == 1
