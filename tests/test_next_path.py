"""Where the login page may send the browser afterwards: one same-origin `next` rule
(server/text/nextpath.py), the same cases as the browser's (tests/js/nextpath.test.mjs)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from server.text.nextpath import same_origin_path
from tests.support.clients import Http
from tests.support.servers import InProcessServer

CASES = json.loads((Path(__file__).parent / "fixtures" / "next_paths.json").read_text())["cases"]


@pytest.mark.parametrize(("given", "expected"), CASES)
def test_next_is_a_path_on_this_site_or_home(given: str, expected: str) -> None:
    """A `next` that is a plain path on this site is kept; any other site, scheme, backslash,
    control character or encoded form of one leads to "/"."""
    assert same_origin_path(given) == expected


def test_no_next_leads_home() -> None:
    """Without a `next`, or with one longer than any path of the app, the browser goes to "/"."""
    assert same_origin_path(None) == "/"
    assert same_origin_path("/" + "a" * 3000) == "/"


async def test_login_page_drops_a_foreign_next(server: InProcessServer, anonymous: Http) -> None:
    """GET /login?next=<another site> answers 303 to the plain /login; a path on this site is served."""
    foreign = [given for given, expected in CASES if given not in (expected, "")]
    for given in foreign:
        answer = await anonymous.get(f"/login?next={quote(given, safe='')}", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login", given
    kept = await anonymous.get(f"/login?next={quote('/threads/1?sort=new', safe='')}", follow_redirects=False)
    assert kept.status_code == 200 and "text/html" in kept.headers["content-type"]
    assert (await anonymous.get("/login", follow_redirects=False)).status_code == 200
