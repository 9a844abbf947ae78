"""Logging in, the failed-login throttle, and how passwords are stored."""

import importlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher

from hocso.accounts.models import FailedLogin

from ..factories import UserFactory

PASSWORD = "Mat-khau-2025"
LOCKED = "Đăng nhập sai quá nhiều lần"
INVALID = "Tên đăng nhập hoặc mật khẩu không đúng"


@pytest.fixture
def user(db):
    return UserFactory(username="co_lan")


def login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def test_a_user_logs_in_with_the_right_password(client, user):
    response = login(client, "co_lan", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_as(client) == str(user.pk)


def test_a_wrong_password_is_refused_with_a_vietnamese_message(client, user):
    response = login(client, "co_lan", "sai-mat-khau")
    assert response.status_code == 200
    assert INVALID in response.content.decode()
    assert logged_in_as(client) is None
    assert FailedLogin.objects.filter(username="co_lan").count() == 1


def test_after_too_many_failures_even_the_right_password_is_refused(client, user):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(client, "co_lan", "sai-mat-khau")
    response = login(client, "co_lan", PASSWORD)
    assert LOCKED in response.content.decode()
    assert logged_in_as(client) is None


def test_one_failure_fewer_than_the_limit_still_lets_the_right_password_in(client, user):
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login(client, "co_lan", "sai-mat-khau")
    login(client, "co_lan", PASSWORD)
    assert logged_in_as(client) == str(user.pk)


def test_a_success_clears_the_failures(client, user):
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login(client, "co_lan", "sai-mat-khau")
    login(client, "co_lan", PASSWORD)
    assert not FailedLogin.objects.filter(username="co_lan").exists()
    client.logout()
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login(client, "co_lan", "sai-mat-khau")
    login(client, "co_lan", PASSWORD)
    assert logged_in_as(client) == str(user.pk)


def test_the_lock_counts_the_username_in_any_case(client, user):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(client, "CO_LAN", "sai-mat-khau")
    assert LOCKED in login(client, "co_lan", PASSWORD).content.decode()


def test_the_lock_of_one_user_does_not_lock_another(client, user):
    other = UserFactory(username="thay_son")
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(client, "co_lan", "sai-mat-khau")
    login(client, "thay_son", PASSWORD)
    assert logged_in_as(client) == str(other.pk)


def test_failures_older_than_the_window_no_longer_count(client, user):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(client, "co_lan", "sai-mat-khau")
    past = FailedLogin.objects.first().created_at - timedelta(
        seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1
    )
    FailedLogin.objects.update(created_at=past)
    login(client, "co_lan", PASSWORD)
    assert logged_in_as(client) == str(user.pk)


def test_many_failures_from_one_address_lock_that_address(client, db):
    limit = settings.LOGIN_MAX_FAILURES * 4
    for n in range(limit):
        login(client, f"ai_do_{n}", "sai-mat-khau")
    victim = UserFactory(username="hieu_truong")
    assert LOCKED in login(client, "hieu_truong", PASSWORD).content.decode()
    assert logged_in_as(client) is None
    assert victim.pk


def test_an_inactive_user_cannot_log_in(client, user):
    user.is_active = False
    user.save()
    login(client, "co_lan", PASSWORD)
    assert logged_in_as(client) is None


def test_the_real_settings_hash_passwords_with_argon2():
    """Tests swap in a fast hasher (conftest), so read the settings module itself."""
    real = importlib.import_module("hocso.settings")
    assert real.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_a_password_set_under_the_real_hashers_is_stored_as_argon2(db, settings):
    real = importlib.import_module("hocso.settings")
    settings.PASSWORD_HASHERS = real.PASSWORD_HASHERS
    user = UserFactory(username="argon")
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert PASSWORD not in user.password
    assert check_password(PASSWORD, user.password)
