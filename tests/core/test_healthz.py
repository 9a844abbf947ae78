from django.db import OperationalError


def test_healthz_reports_ok_with_a_working_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_needs_no_login(client, db):
    client.logout()
    assert client.get("/healthz").status_code == 200


def test_healthz_is_503_when_the_database_fails(client, db, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OperationalError("database is gone")

    monkeypatch.setattr("hocso.core.views.connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405
