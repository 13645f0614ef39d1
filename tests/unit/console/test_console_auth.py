"""Console sessions: tokens and their holders, the cookie, CSRF tokens bound to the session."""

from __future__ import annotations

from fraudgraph.console.console_auth import COOKIE, ConsoleAuth
from fraudgraph.service.token_authority import TokenAuthority
from tests.unit.console.console_fakes import READER, REVIEWER, authority


def test_a_named_token_records_its_holder_and_a_plain_one_its_digest() -> None:
    auth = ConsoleAuth(authority())
    reviewer = auth.principal(REVIEWER)
    reader = auth.principal(READER)
    assert reviewer is not None
    assert reader is not None
    assert reviewer.name == "alice"
    assert reviewer.scopes == frozenset({"review"})
    assert reader.name == f"token-{TokenAuthority.digest(READER)[:8]}"
    assert auth.allows(reviewer, "review")
    assert not auth.allows(reader, "review")


def test_unknown_empty_and_oversized_tokens_have_no_principal() -> None:
    auth = ConsoleAuth(authority())
    assert auth.principal(None) is None
    assert auth.principal("") is None
    assert auth.principal("nope") is None
    long_token = "x" * 600
    big = ConsoleAuth(TokenAuthority({TokenAuthority.digest(long_token): "admin"}))
    assert big.principal(long_token) is None


def test_the_session_cookie_round_trips_tokens_with_odd_characters() -> None:
    token = "a b;c=d%/é"
    header = ConsoleAuth.session_cookie(token)
    name, _, rest = header.partition("=")
    value = rest.split(";")[0]
    assert name == COOKIE
    assert " " not in value
    assert ";" not in value
    assert ConsoleAuth.token_from({COOKIE: value}) == token
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= {p.strip() for p in header.split(";")}
    assert ConsoleAuth.token_from({}) is None
    assert "Max-Age=0" in ConsoleAuth.logout_cookie()


def test_csrf_tokens_are_bound_to_the_session_and_the_key() -> None:
    auth = ConsoleAuth(authority(), secret=b"1" * 32)
    mine = auth.csrf_token(REVIEWER)
    assert auth.csrf_ok(REVIEWER, mine)
    assert not auth.csrf_ok(READER, mine)
    assert not auth.csrf_ok(REVIEWER, None)
    assert not auth.csrf_ok(REVIEWER, "")
    assert not auth.csrf_ok(REVIEWER, mine[:-1] + ("0" if mine[-1] != "0" else "1"))
    assert ConsoleAuth(authority(), secret=b"2" * 32).csrf_token(REVIEWER) != mine
    assert mine != auth.csrf_token(READER)
