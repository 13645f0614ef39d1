"""The review console as a WSGI application.

Why WSGI from the standard library (``wsgiref``) with Jinja2 templates, and not a framework:
the console is a handful of server-rendered pages for a few reviewers, so it needs no
dependency beyond Jinja2 (escaping by default), it starts instantly, and it works without
internet: the stylesheet is package data, the ring graph is inline SVG laid out in Python, and
no page runs JavaScript (the Content-Security-Policy forbids it).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Final
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, Undefined, select_autoescape

from fraudgraph.console.console_auth import ConsoleAuth
from fraudgraph.console.ring_desk import RingDesk
from fraudgraph.console.ring_graph import RingGraph
from fraudgraph.console.web_request import WebRequest
from fraudgraph.console.web_response import HttpError, WebResponse
from fraudgraph.errors import GraphError, InvalidInputError, NotFoundError
from fraudgraph.rings.ring_candidate import split_key
from fraudgraph.rings.ring_store import TRANSITIONS, RingStatus
from fraudgraph.service.call_context import Principal
from fraudgraph.service.field_rules import FieldRules

LOG = logging.getLogger("fraudgraph.console")
AUDIT = logging.getLogger("fraudgraph.audit")
QUEUE_LIMIT: Final = 200
MAX_NOTE: Final = 2000
#: Form action -> (status it moves the ring to, button text).
ACTIONS: Final[dict[str, tuple[RingStatus, str]]] = {
    "assign": (RingStatus.IN_REVIEW, "Assign & start review"),
    "confirm": (RingStatus.CONFIRMED, "Confirm fraud"),
    "dismiss": (RingStatus.DISMISSED, "Dismiss"),
    "escalate": (RingStatus.ESCALATED, "Escalate"),
    "reopen": (RingStatus.OPEN, "Reopen"),
}
_RING_PATH: Final = re.compile(r"/rings/([^/]+)(/review)?")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Session = tuple[str, Principal]


class ConsoleApp:
    """Routes requests to pages; every failure becomes an error page with a fitting status."""

    def __init__(self, desk: RingDesk, auth: ConsoleAuth) -> None:
        self._desk = desk
        self._auth = auth
        self._env = Environment(
            loader=PackageLoader("fraudgraph.console", "templates"),
            autoescape=select_autoescape(["html"]),
        )
        self._env.filters["when"] = _when

    def __call__(
        self, environ: Mapping[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        response = self.handle(environ)
        start_response(response.status_line(), response.all_headers())
        return [response.body]

    def handle(self, environ: Mapping[str, Any]) -> WebResponse:
        """The response to one request."""
        try:
            request = WebRequest.from_environ(environ)
            return self._route(request)
        except HttpError as exc:
            return self._error(exc)
        except NotFoundError as exc:
            return self._error(HttpError(404, "Not found", str(exc)))
        except InvalidInputError as exc:
            return self._error(HttpError(400, "Not accepted", str(exc)))
        except GraphError as exc:
            LOG.warning("graph error: %s", exc)
            return self._error(HttpError(503, "Graph unavailable", str(exc)))
        except Exception:
            LOG.exception("console request failed")
            return self._error(HttpError(500, "Internal error", "The request failed; see logs."))

    def _route(self, req: WebRequest) -> WebResponse:
        if req.method not in {"GET", "POST"}:
            raise HttpError(405, "Method not allowed", f"{req.method} is not supported.")
        if req.method == "POST" and not req.same_origin():
            raise HttpError(403, "Forbidden", "The form was sent from another site.")
        if req.path == "/":
            return WebResponse.redirect("/rings")
        if req.path == "/static/console.css":
            return self._stylesheet()
        if req.path == "/login":
            return self._login(req) if req.method == "POST" else self._login_page(req)
        if req.path == "/logout" and req.method == "POST":
            self._checked_session(req)
            return WebResponse.redirect("/login", cookie=self._auth.logout_cookie())
        if req.path == "/rings" and req.method == "GET":
            return self._queue(req)
        match = _RING_PATH.fullmatch(req.path)
        if match and req.method == "GET" and not match.group(2):
            return self._ring(req, match.group(1))
        if match and req.method == "POST" and match.group(2):
            return self._review(req, match.group(1))
        raise HttpError(404, "Not found", f"There is no page {req.path}.")

    # --- pages

    def _login_page(self, req: WebRequest, error: str = "", status: int = 200) -> WebResponse:
        target = _local_path(req.query.get("next") or req.form.get("next", ""))
        return self._page("login.html", status, None, error=error, next=target)

    def _login(self, req: WebRequest) -> WebResponse:
        token = req.form.get("token", "").strip()
        principal = self._auth.principal(token)
        if principal is None:
            return self._login_page(req, "This token is not valid.", status=401)
        LOG.info("console login by %s", principal.name)
        target = _local_path(req.form.get("next", "")) or "/rings"
        return WebResponse.redirect(target, cookie=self._auth.session_cookie(token))

    def _queue(self, req: WebRequest) -> WebResponse:
        session = self._session(req)
        if session is None:
            return _to_login(req)
        status = req.query.get("status", "").upper()
        if status and status not in RingStatus.__members__:
            raise HttpError(400, "Not accepted", f"status: unknown status {status!r}")
        rings = self._desk.list_rings(status or None, 0.0, QUEUE_LIMIT)
        statuses = [s.value for s in RingStatus]
        return self._page("queue.html", 200, session, rings=rings, chosen=status,
                          statuses=statuses, limit=QUEUE_LIMIT)  # fmt: skip

    def _ring(self, req: WebRequest, ring_id: str) -> WebResponse:
        session = self._session(req)
        if session is None:
            return _to_login(req)
        ring_id = FieldRules.identifier(ring_id, "ring_id")
        data = self._desk.get(ring_id)
        ring = data["ring"]
        scores = {str(m["key"]): float(m["score"] or 0.0) for m in data["members"]}
        binding_edges, member_edges = self._desk.edges(ring_id)
        evidence = json.loads(ring.get("evidence") or "{}")
        actions = _actions(str(ring.get("status") or ""))
        done = req.query.get("done", "").upper()
        return self._page(
            "ring.html", 200, session, ring=ring, ring_id=ring_id, evidence=evidence,
            members=_members(scores), events=data["events"], actions=actions,
            graph=RingGraph.build(scores, binding_edges, member_edges),
            done=done if done in RingStatus.__members__ else "",
        )  # fmt: skip

    def _review(self, req: WebRequest, ring_id: str) -> WebResponse:
        _, principal = self._checked_session(req)
        if not self._auth.allows(principal, "review"):
            raise HttpError(403, "Forbidden", "Recording a decision needs the 'review' scope.")
        ring_id = FieldRules.identifier(ring_id, "ring_id")
        action = req.form.get("decision", "")
        if action not in ACTIONS:
            raise HttpError(400, "Not accepted", f"decision: unknown decision {action!r}")
        note = FieldRules.text(req.form.get("note", ""), "note", max_len=MAX_NOTE)
        assignee = FieldRules.text(req.form.get("assignee", ""), "assignee", max_len=128)
        target = ACTIONS[action][0]
        previous = self._desk.review(
            ring_id, target.value, principal.name, note, assignee.strip() or None
        )
        AUDIT.info(
            "ring reviewed",
            extra={"ring_id": ring_id, "verdict": target.value, "reviewer": principal.name,
                   "from_status": previous, "via": "console"},
        )  # fmt: skip
        return WebResponse.redirect(f"/rings/{quote(ring_id, safe='')}?done={target.value}")

    def _stylesheet(self) -> WebResponse:
        css = resources.files("fraudgraph.console").joinpath("static/console.css").read_bytes()
        return WebResponse(200, css, "text/css; charset=utf-8", [("Cache-Control", "max-age=300")])

    def _error(self, exc: HttpError) -> WebResponse:
        return self._page("error.html", exc.status, None, title=exc.title, detail=exc.detail)

    def _page(
        self, template: str, code: int, session: Session | None, **context: Any
    ) -> WebResponse:
        user = csrf = None
        can_review = False
        if session is not None:
            token, principal = session
            user, csrf = principal.name, self._auth.csrf_token(token)
            can_review = self._auth.allows(principal, "review")
        html = self._env.get_template(template).render(
            user=user, csrf=csrf, can_review=can_review, status_code=code, **context
        )
        return WebResponse(code, html.encode("utf-8"))

    # --- sessions

    def _session(self, req: WebRequest) -> Session | None:
        token = self._auth.token_from(dict(req.cookies))
        principal = self._auth.principal(token)
        if token is None or principal is None:
            return None
        return token, principal

    def _checked_session(self, req: WebRequest) -> Session:
        """The session of a POST that changes something: logged in and with the CSRF token."""
        session = self._session(req)
        if session is None:
            raise HttpError(401, "Not logged in", "Log in with a token first.")
        if not self._auth.csrf_ok(session[0], req.form.get("csrf")):
            raise HttpError(403, "Forbidden", "The form's CSRF token is missing or wrong.")
        return session


def _actions(status: str) -> list[tuple[str, str]]:
    """(form action, button text) of the moves allowed from ``status`` (none if unknown)."""
    if status.upper() not in RingStatus.__members__:
        return []
    allowed = TRANSITIONS[RingStatus(status.upper())]
    return [(name, text) for name, (to, text) in ACTIONS.items() if to in allowed]


def _to_login(req: WebRequest) -> WebResponse:
    return WebResponse.redirect(f"/login?next={quote(req.path, safe='/')}")


def _local_path(target: str) -> str:
    """``target`` when it is a path of this site (never another host), else empty."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


def _members(scores: Mapping[str, float]) -> list[tuple[str, str, float]]:
    """(kind, key, score) of every member, highest score first."""
    rows = [(*split_key(member), score) for member, score in scores.items()]
    return sorted(rows, key=lambda r: (-r[2], r[0], r[1]))


def _when(value: Any) -> str:
    """Epoch seconds or a Neo4j/Python datetime as ``YYYY-MM-DD HH:MM UTC``; '' for none."""
    if value is None or value == "" or isinstance(value, Undefined):
        return ""
    if isinstance(value, int | float):
        if value <= 0:
            return ""
        moment = datetime.fromtimestamp(float(value), UTC)
    else:
        native = value.to_native() if hasattr(value, "to_native") else value
        if not isinstance(native, datetime):
            return str(native)
        moment = native.astimezone(UTC) if native.tzinfo else native
    return moment.strftime("%Y-%m-%d %H:%M UTC")
