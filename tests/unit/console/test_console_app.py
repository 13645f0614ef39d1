"""The console's pages, auth, CSRF and error handling, over an in-memory ring desk."""

from __future__ import annotations

import re

import httpx
import pytest

from fraudgraph.errors import GraphUnavailableError
from tests.unit.console.console_fakes import BASE, READER, REVIEWER, FakeDesk, client, login


@pytest.fixture
def desk() -> FakeDesk:
    d = FakeDesk()
    d.add("RING-low", 0.55)
    d.add("RING-high", 0.97)
    d.add("RING-done", 0.80, status="CONFIRMED")
    return d


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found, "page has no CSRF field"
    return found.group(1)


def _review(http: httpx.Client, ring_id: str, **form: str) -> httpx.Response:
    return http.post(f"/rings/{ring_id}/review", data=form)


def test_pages_need_a_login(desk: FakeDesk) -> None:
    with client(desk) as http:
        for path in ("/rings", "/rings/RING-high"):
            page = http.get(path)
            assert page.status_code == 303
            assert page.headers["location"] == f"/login?next={path}"
        assert http.get("/login").status_code == 200


def test_a_bad_token_is_refused_and_sets_no_cookie(desk: FakeDesk) -> None:
    with client(desk) as http:
        page = login(http, "not-a-token")
        assert page.status_code == 401
        assert "This token is not valid." in page.text
        assert "set-cookie" not in page.headers
        assert http.get("/rings").status_code == 303


def test_login_sets_a_strict_http_only_cookie_and_shows_the_queue_by_score(
    desk: FakeDesk,
) -> None:
    with client(desk) as http:
        page = login(http, READER)
        assert page.status_code == 303
        cookie = page.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        queue = http.get("/rings")
    assert queue.status_code == 200
    order = [queue.text.index(f">{rid}<") for rid in ("RING-high", "RING-done", "RING-low")]
    assert order == sorted(order)
    assert "token-" in queue.text  # a token without a name is shown by its digest prefix


def test_the_queue_filters_by_status(desk: FakeDesk) -> None:
    with client(desk) as http:
        login(http, READER)
        page = http.get("/rings", params={"status": "confirmed"})
        assert page.status_code == 200
        assert ">RING-done<" in page.text
        assert ">RING-high<" not in page.text
        empty = http.get("/rings", params={"status": "ESCALATED"})
        assert 'data-testid="empty"' in empty.text
        bad = http.get("/rings", params={"status": "NOPE"})
    assert bad.status_code == 400
    assert "unknown status" in bad.text


def test_the_ring_page_draws_members_and_identifiers(desk: FakeDesk) -> None:
    with client(desk) as http:
        login(http, REVIEWER)
        page = http.get("/rings/RING-high")
    assert page.status_code == 200
    svg = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert svg.count("<circle") == 2  # the two members
    assert svg.count("<rect") == 1  # the device they share
    assert svg.count("<line") == 2
    assert "k-Device" in svg
    assert "dev-RING-high" in page.text  # evidence
    assert "C1 applied with device" in page.text  # timeline
    assert "2025-06-15" in page.text  # the timeline's epoch seconds, as a date
    assert 'data-testid="review-form"' in page.text
    assert 'value="confirm"' in page.text
    assert 'value="reopen"' not in page.text  # OPEN cannot be reopened


def test_a_reader_sees_no_review_form_and_cannot_review(desk: FakeDesk) -> None:
    with client(desk) as http:
        login(http, READER)
        page = http.get("/rings/RING-high")
        assert 'data-testid="review-form"' not in page.text
        refused = _review(http, "RING-high", decision="confirm", csrf=_csrf(page))
    assert refused.status_code == 403
    assert "review" in refused.text
    assert desk.events["RING-high"] == []


def test_a_reviewer_records_a_decision_under_the_tokens_name(desk: FakeDesk) -> None:
    with client(desk) as http:
        login(http, REVIEWER)
        csrf = _csrf(http.get("/rings/RING-high"))
        done = _review(http, "RING-high", decision="confirm", note="same device <b>", csrf=csrf)
        assert done.status_code == 303
        assert done.headers["location"] == "/rings/RING-high?done=CONFIRMED"
        page = http.get(done.headers["location"])
    assert desk.rings["RING-high"]["status"] == "CONFIRMED"
    assert desk.events["RING-high"] == [
        {"reviewer": "alice", "action": "REVIEW", "from_status": "OPEN",
         "to_status": "CONFIRMED", "note": "same device <b>", "at": None}
    ]  # fmt: skip
    assert "Decision recorded: CONFIRMED" in page.text
    assert "same device &lt;b&gt;" in page.text  # escaped in the audit trail


def test_assign_sets_the_assignee(desk: FakeDesk) -> None:
    with client(desk) as http:
        login(http, REVIEWER)
        csrf = _csrf(http.get("/rings/RING-low"))
        _review(http, "RING-low", decision="assign", assignee="bob", csrf=csrf)
    assert desk.rings["RING-low"]["status"] == "IN_REVIEW"
    assert desk.rings["RING-low"]["assignee"] == "bob"


@pytest.mark.parametrize("csrf", [None, "", "0" * 64])
def test_a_review_without_the_sessions_csrf_token_is_refused(
    desk: FakeDesk, csrf: str | None
) -> None:
    form = {"decision": "confirm"} | ({} if csrf is None else {"csrf": csrf})
    with client(desk) as http:
        login(http, REVIEWER)
        page = _review(http, "RING-high", **form)
    assert page.status_code == 403
    assert "CSRF" in page.text
    assert desk.rings["RING-high"]["status"] == "OPEN"


def test_a_csrf_token_of_another_console_does_not_work(desk: FakeDesk) -> None:
    with client(desk, secret=b"a" * 32) as other:
        login(other, REVIEWER)
        foreign = _csrf(other.get("/rings/RING-high"))
    with client(desk, secret=b"b" * 32) as http:
        login(http, REVIEWER)
        assert _review(http, "RING-high", decision="confirm", csrf=foreign).status_code == 403


def test_a_post_from_another_site_is_refused(desk: FakeDesk) -> None:
    with client(desk) as http:
        login(http, REVIEWER)
        csrf = _csrf(http.get("/rings/RING-high"))
        page = http.post(
            "/rings/RING-high/review",
            data={"decision": "confirm", "csrf": csrf},
            headers={"Origin": "http://evil.example"},
        )
        same_site = http.post(
            "/rings/RING-high/review",
            data={"decision": "dismiss", "csrf": csrf},
            headers={"Origin": BASE},
        )
    assert page.status_code == 403
    assert same_site.status_code == 303
    assert desk.rings["RING-high"]["status"] == "DISMISSED"


@pytest.mark.parametrize(
    ("path", "form", "status", "text"),
    [
        ("/rings/RING-nope/review", {"decision": "confirm"}, 404, "no ring"),
        ("/rings/RING-high/review", {"decision": "approve"}, 400, "unknown decision"),
        ("/rings/RING-done/review", {"decision": "escalate"}, 400, "cannot go from"),
        ("/rings/RING%20x/review", {"decision": "confirm"}, 400, "ring_id"),
        ("/rings/RING-high/review", {"decision": "confirm", "note": "x" * 2001}, 400, "note"),
        ("/rings/RING-high/review", {"decision": "confirm", "note": "a\x00b"}, 400, "control"),
    ],
)
def test_bad_reviews_get_a_clear_error_page(
    desk: FakeDesk, path: str, form: dict[str, str], status: int, text: str
) -> None:
    with client(desk) as http:
        login(http, REVIEWER)
        csrf = _csrf(http.get("/rings/RING-high"))
        page = http.post(path, data=form | {"csrf": csrf})
    assert page.status_code == status
    assert text in page.text
    assert 'data-testid="error-status"' in page.text
    assert all(not events for events in desk.events.values())


def test_unknown_pages_and_methods_are_errors_not_crashes(desk: FakeDesk) -> None:
    with client(desk) as http:
        login(http, READER)
        assert http.get("/rings/RING-nope").status_code == 404
        assert http.get("/nowhere").status_code == 404
        assert http.put("/rings").status_code == 405
        assert http.post("/rings/RING-high", data={}).status_code == 404


def test_an_unreachable_graph_is_a_503(desk: FakeDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise GraphUnavailableError("Neo4j is not reachable")

    monkeypatch.setattr(desk, "list_rings", down)
    with client(desk) as http:
        login(http, READER)
        page = http.get("/rings")
    assert page.status_code == 503
    assert "Neo4j is not reachable" in page.text


def test_text_from_the_graph_is_escaped(desk: FakeDesk) -> None:
    desk.rings["RING-high"]["explanation_en"] = "<script>alert(1)</script>"
    with client(desk) as http:
        login(http, READER)
        page = http.get("/rings")
    assert "<script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_every_page_sends_the_security_headers(desk: FakeDesk) -> None:
    with client(desk) as http:
        page = http.get("/login")
        css = http.get("/static/console.css")
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ".k-Device" in css.text


def test_login_only_redirects_within_the_site(desk: FakeDesk) -> None:
    with client(desk) as http:
        inside = http.post("/login", data={"token": READER, "next": "/rings/RING-low"})
        outside = http.post("/login", data={"token": READER, "next": "//evil.example/x"})
    assert inside.headers["location"] == "/rings/RING-low"
    assert outside.headers["location"] == "/rings"


def test_logout_needs_the_csrf_token_and_clears_the_cookie(desk: FakeDesk) -> None:
    with client(desk) as http:
        login(http, READER)
        csrf = _csrf(http.get("/rings"))
        assert http.post("/logout", data={}).status_code == 403
        out = http.post("/logout", data={"csrf": csrf})
        assert out.status_code == 303
        assert "Max-Age=0" in out.headers["set-cookie"]
        assert http.get("/rings").status_code == 303


def test_an_oversized_or_non_form_body_is_refused(desk: FakeDesk) -> None:
    with client(desk) as http:
        big = http.post("/login", content=b"token=" + b"x" * 70_000,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        json_body = http.post("/login", json={"token": READER})
    assert big.status_code == 413
    assert json_body.status_code == 415


def test_a_ring_in_an_unknown_state_renders_without_review_buttons(desk: FakeDesk) -> None:
    desk.rings["RING-high"]["status"] = "ARCHIVED"
    with client(desk) as http:
        login(http, REVIEWER)
        page = http.get("/rings/RING-high")
    assert page.status_code == 200
    assert 'name="decision"' not in page.text
    assert "ARCHIVED" in page.text
