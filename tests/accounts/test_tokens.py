"""Personal API tokens: Bearer auth on the API, hashed at rest, revocable."""

import hashlib

import pytest
from django.db import connection
from django.utils import timezone

from hocso.accounts.models import ApiToken, AuditEntry
from hocso.accounts.services import token_create, token_revoke, token_user

URL = "/api/v1/schools"


@pytest.fixture
def secret(users):
    return token_create(user=users.admin_a, name="Máy chủ trường")


def auth(value: str) -> dict:
    return {"Authorization": value}


def test_a_valid_token_opens_the_api(client, users, secret):
    response = client.get(URL, headers=auth(f"Bearer {secret}"))
    assert response.status_code == 200
    assert [i["code"] for i in response.json()["items"]] == ["84000001"]


def test_no_header_is_401(client, users):
    assert client.get(URL).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer garbage", "Bearer hs_garbage", "Bearer ", "Token {secret}", "Basic YWRtaW46YWRtaW4=",
     "Bearer {secret}x"],
)  # fmt: skip
def test_a_wrong_or_malformed_token_is_401(client, users, secret, header):
    assert client.get(URL, headers=auth(header.format(secret=secret))).status_code == 401


def test_a_revoked_token_is_401(client, users, secret):
    token = ApiToken.objects.get()
    token_revoke(user=users.admin_a, token_id=token.pk)
    assert client.get(URL, headers=auth(f"Bearer {secret}")).status_code == 401


def test_another_user_cannot_revoke_my_token(client, users, secret):
    token = ApiToken.objects.get()
    token_revoke(user=users.admin_c, token_id=token.pk)
    assert client.get(URL, headers=auth(f"Bearer {secret}")).status_code == 200


def test_the_token_of_a_deactivated_user_is_401(client, users, secret):
    users.admin_a.is_active = False
    users.admin_a.save()
    assert client.get(URL, headers=auth(f"Bearer {secret}")).status_code == 401


def test_only_a_hash_of_the_token_is_stored(users, secret):
    token = ApiToken.objects.get()
    assert token.key_hash != secret
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix)
    assert len(token.prefix) < len(secret) - 20
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        rows = cursor.fetchall()
    assert not any(secret in str(value) for row in rows for value in row)
    audit_text = str(list(AuditEntry.objects.values_list("detail", flat=True)))
    assert secret not in audit_text


def test_each_token_is_different_and_long(users):
    secrets = {token_create(user=users.admin_a) for _ in range(5)}
    assert len(secrets) == 5
    assert all(len(s) >= 40 for s in secrets)


def test_use_stamps_the_token_at_most_once_a_minute(users, secret):
    assert token_user(secret) == users.admin_a
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    token_user(secret)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=timezone.now() - timezone.timedelta(minutes=2))
    token_user(secret)
    assert ApiToken.objects.get().last_used_at > first


def test_creating_a_token_is_audited_without_the_secret(users, secret):
    entry = AuditEntry.objects.get(action="token.create")
    assert entry.actor == users.admin_a
    assert entry.detail == {"name": "Máy chủ trường"}


def test_the_browser_session_also_opens_the_api(client, users):
    client.force_login(users.admin_a)
    response = client.get(URL)
    assert response.status_code == 200
    assert [i["code"] for i in response.json()["items"]] == ["84000001"]
