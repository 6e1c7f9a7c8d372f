"""Unknown pages: browsers get the app with status 404 (it draws a not-found page); API clients get
the JSON error body."""

from __future__ import annotations

from pathlib import Path

from tests.support.clients import Http
from tests.support.servers import InProcessServer

HTML = {"accept": "text/html,application/xhtml+xml"}


async def test_missing_thread_page_is_a_404_for_browsers_and_api_clients(
    server: InProcessServer, anonymous: Http
) -> None:
    """/threads/999999 is a 404 in HTML for a browser and in the JSON error body for anything else."""
    page = await anonymous.get("/threads/999999", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<main" in page.text
    api = await anonymous.get("/threads/999999", headers={"accept": "application/json"})
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"


async def test_existing_thread_page_is_the_app(server: InProcessServer, company: Http) -> None:
    """A thread that exists is served the app with 200."""
    thread = await company.thread()
    page = await company.get(f"/threads/{thread['id']}", headers=HTML)
    assert page.status_code == 200 and "<main" in page.text


async def test_unknown_path_is_html_for_browsers_and_json_for_api_clients(
    server: InProcessServer, anonymous: Http
) -> None:
    """An unknown path: the app with 404 for a browser; an unknown /api path is always JSON."""
    page = await anonymous.get("/nope", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    plain = await anonymous.get("/nope")
    assert plain.status_code == 404 and plain.json()["error"]["code"] == "not_found"
    api = await anonymous.get("/api/nope", headers=HTML)
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def test_no_shown_string_names_a_setting() -> None:
    """The strings the app and the dashboard show name no environment variable: staff read
    "사전 검토는 꺼져 있습니다", not TONG_HOLD_ENABLED."""
    import re

    root = Path(__file__).resolve().parent.parent / "static"
    for path in [root / "js" / "i18n.js", root / "staff" / "strings.js", *root.glob("js/strings*.js")]:
        if not path.exists():
            continue
        shown = re.findall(r"^\s*\"[\w.]+\":\s*\"([^\"]*)\"", path.read_text(), flags=re.M)
        assert shown, path
        assert not [s for s in shown if re.search(r"\bTONG_[A-Z_]+", s)], path
