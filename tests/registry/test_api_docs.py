"""The API describes itself: OpenAPI 3 at /api/v1/openapi.json and the interactive docs page."""


def test_openapi_document_lists_the_routes_and_bearer_auth(client, db):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    document = spec.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/students" in document["paths"]
    assert "/api/v1/students/{student_id}" in document["paths"]
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_docs_page_responds_and_loads_the_document(client, db):
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "openapi.json" in docs.content.decode()


def test_responses_are_utf8_json_with_vietnamese_text_unescaped(client, tree, users):
    client.force_login(users.province)
    response = client.get("/api/v1/schools", {"q": "ly tu trong"})
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "THCS Lý Tự Trọng".encode() in response.content
    assert b"\\u" not in response.content
