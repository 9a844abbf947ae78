"""`hocso grant-role` and `hocso token`, through call_command and through the `hocso` entry point."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from hocso.__main__ import main
from hocso.accounts.models import ApiToken, AuditEntry, Role, RoleAssignment, User
from hocso.accounts.services import token_user

from ..factories import UserFactory


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def entry_point(monkeypatch):
    """Run `hocso …` in-process. Django closes connections after a command; inside a test's
    transaction that would drop the test database's state, so that one step is skipped."""
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def hocso(*argv):
        main(["hocso", *argv])

    return hocso


# --- grant-role -------------------------------------------------------------------------------


def test_grant_role_gives_an_existing_user_the_role(tree):
    user = UserFactory(username="co_hoa")
    output = run("grant_role", "co_hoa", "school_admin", "84000001")
    assert RoleAssignment.objects.filter(
        user=user, role=Role.SCHOOL_ADMIN, org_unit=tree.school_a
    ).exists()
    assert "co_hoa" in output and "84000001" in output
    entry = AuditEntry.objects.get(action="role.grant")
    assert entry.actor is None  # the command line acts as the system
    assert entry.detail == {"role": "school_admin"}


def test_grant_role_twice_says_so_and_keeps_one_assignment(tree):
    UserFactory(username="co_hoa")
    run("grant_role", "co_hoa", "teacher", "84000001")
    output = run("grant_role", "co_hoa", "teacher", "84000001")
    assert "không thay đổi" in output
    assert RoleAssignment.objects.filter(user__username="co_hoa").count() == 1


def test_grant_role_with_create_user_prints_a_one_time_password_that_works(tree):
    output = run("grant_role", "so_moi", "province_officer", "84", "--create-user")
    user = User.objects.get(username="so_moi")
    password = output.splitlines()[0].rsplit(": ", 1)[1].strip()
    assert len(password) >= 12
    assert user.check_password(password)
    assert "changepassword" in output
    assert user.role_assignments.get().org_unit == tree.province


def test_grant_role_with_create_user_leaves_an_existing_password_alone(tree):
    user = UserFactory(username="co_hoa")
    output = run("grant_role", "co_hoa", "teacher", "84000001", "--create-user")
    user.refresh_from_db()
    assert user.check_password("Mat-khau-2025")
    assert "Mật khẩu" not in output


def test_grant_role_to_an_unknown_user_without_create_user_fails(tree):
    with pytest.raises(CommandError, match="--create-user"):
        run("grant_role", "khong_co", "teacher", "84000001")
    assert not User.objects.filter(username="khong_co").exists()


def test_grant_role_with_an_unknown_role_lists_the_roles(tree):
    UserFactory(username="co_hoa")
    with pytest.raises(CommandError) as info:
        run("grant_role", "co_hoa", "hieu_truong", "84000001")
    message = str(info.value)
    assert "hieu_truong" in message
    assert all(role in message for role in Role.values)


def test_grant_role_on_an_unknown_unit_fails_and_creates_no_user(tree):
    with pytest.raises(CommandError, match="99999999"):
        run("grant_role", "so_moi", "teacher", "99999999", "--create-user")
    assert not User.objects.filter(username="so_moi").exists()


def test_grant_role_refuses_an_invalid_new_username(tree):
    with pytest.raises(CommandError):
        run("grant_role", "tên có dấu cách", "teacher", "84000001", "--create-user")
    assert not User.objects.filter(username="tên có dấu cách").exists()


def test_hocso_grant_role_entry_point_with_hyphen(tree, entry_point, capsys):
    UserFactory(username="co_hoa")
    entry_point("grant-role", "co_hoa", "guardian", "84000001")
    assert RoleAssignment.objects.filter(user__username="co_hoa", role="guardian").exists()
    assert "co_hoa" in capsys.readouterr().out


def test_hocso_grant_role_entry_point_exits_non_zero_on_error(tree, entry_point, capsys):
    with pytest.raises(SystemExit) as info:
        entry_point("grant-role", "khong_co", "teacher", "84000001")
    assert info.value.code != 0
    assert "khong_co" in capsys.readouterr().err


# --- token ------------------------------------------------------------------------------------


def test_token_prints_a_working_token_on_its_last_line(tree, users):
    output = run("token", "admin_a")
    secret = output.strip().splitlines()[-1]
    assert token_user(secret) == users.admin_a
    assert ApiToken.objects.get().key_hash != secret


def test_token_with_a_name(tree, users):
    run("token", "admin_a", "--name", "Đồng bộ SMAS")
    assert ApiToken.objects.get().name == "Đồng bộ SMAS"


def test_each_token_command_makes_a_new_token(tree, users):
    first = run("token", "admin_a").strip().splitlines()[-1]
    second = run("token", "admin_a").strip().splitlines()[-1]
    assert first != second
    assert token_user(first) == token_user(second) == users.admin_a


def test_token_for_an_unknown_user_fails(db):
    with pytest.raises(CommandError, match="khong_co"):
        run("token", "khong_co")
    assert not ApiToken.objects.exists()


def test_token_for_a_deactivated_user_fails(db):
    UserFactory(username="nghi_viec", is_active=False)
    with pytest.raises(CommandError):
        run("token", "nghi_viec")
    assert not ApiToken.objects.exists()


def test_hocso_token_entry_point_last_line_opens_the_api(client, tree, users, entry_point, capsys):
    entry_point("token", users.province.username)
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    response = client.get("/api/v1/schools", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_hocso_token_entry_point_exits_non_zero_for_an_unknown_user(db, entry_point, capsys):
    with pytest.raises(SystemExit) as info:
        entry_point("token", "khong_co")
    assert info.value.code != 0
    assert "khong_co" in capsys.readouterr().err
