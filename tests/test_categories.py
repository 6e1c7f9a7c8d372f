"""The managed category list: staff add, rename and retire; writers choose from it; the board
filters by it (`?category=` slug, stable across renames); the export names it."""

from __future__ import annotations

from tests.support.clients import Http, unique


async def _add(staff: Http, name: str, **extra: str) -> dict:
    response = await staff.post("/api/staff/categories", json={"name": name, **extra})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _listed(client: Http, **params: str) -> dict[str, dict]:
    response = await client.get("/api/categories", params=params)
    assert response.status_code == 200, response.text
    return {c["slug"]: c for c in response.json()["items"]}


async def _post(client: Http, category: str | None, title: str = "분류 제안") -> dict:
    body = {"kind": "proposal", "title": title, "body": "본문"}
    if category is not None:
        body["category"] = category
    return await client.post("/api/threads", json=body)  # type: ignore[no-any-return]


async def test_the_starting_list_and_choosing_from_it(company: Http, anonymous: Http) -> None:
    """A new database has the well-known categories; a thread takes one by name or slug and keeps
    v1's `category` string; text that is not on the list is a 422 and nothing is stored."""
    listed = await _listed(anonymous)
    assert listed["e-procurement"]["name"] == "전자조달"
    assert listed["contracts"]["name_en"] == "Contracts"
    by_name = await _post(company, "전자조달")
    assert by_name.status_code == 201, by_name.text
    assert by_name.json()["category"] == "전자조달"
    by_slug = await _post(company, "contracts")
    assert by_slug.json()["category"] == "계약제도"
    refused = await _post(company, unique("아무 분류"))
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {"category": "unknown"}
    assert (await _post(company, None)).json()["category"] is None


async def test_staff_add_rename_retire(company: Http, staff: Http, anonymous: Http) -> None:
    """Staff add a category; a rename reaches the threads already in it; a retired one stays on
    them and in the filter but cannot be chosen; the board filters by slug with counts."""
    slug = unique("slug").lower().replace("_", "-")
    name = unique("공동계약")
    added = await _add(staff, name, name_en="Joint contracts", slug=slug)
    assert added["slug"] == slug and added["retired"] is False and added["count"] == 0
    assert (await company.post("/api/staff/categories", json={"name": unique("x")})).status_code == 403
    assert (await staff.post("/api/staff/categories", json={"name": name})).status_code == 409

    first = (await _post(company, name, "공동계약 제안 하나")).json()
    second = (await _post(company, slug, "공동계약 제안 둘")).json()
    other = (await _post(company, "전자조달", "다른 분류")).json()
    assert (await _listed(anonymous, kind="proposal"))[slug]["count"] == 2

    renamed = unique("공동수급")
    response = await staff.patch(f"/api/staff/categories/{added['id']}", json={"name": renamed})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == renamed and response.json()["count"] == 2
    assert (await anonymous.get(f"/api/threads/{first['id']}")).json()["category"] == renamed

    page = (await anonymous.get("/api/threads", params={"category": slug, "limit": 100})).json()["items"]
    assert [t["id"] for t in page] == [second["id"], first["id"]]
    assert other["id"] not in {t["id"] for t in page}
    by_name = (await anonymous.get("/api/threads", params={"category": renamed})).json()["items"]
    assert [t["id"] for t in by_name] == [second["id"], first["id"]]

    retired = await staff.patch(f"/api/staff/categories/{added['id']}", json={"retired": True})
    assert retired.json()["retired"] is True
    refused = await _post(company, slug)
    assert refused.status_code == 422 and refused.json()["error"]["fields"] == {"category": "retired"}
    assert (await anonymous.get(f"/api/threads/{first['id']}")).json()["category"] == renamed
    assert (await _listed(anonymous))[slug]["retired"] is True
    again = await staff.patch(f"/api/staff/categories/{added['id']}", json={"retired": False})
    assert again.json()["retired"] is False

    events = (await staff.get("/api/staff/events", params={"type": "category.changed"})).json()["items"]
    changes = [e["payload"] for e in events if e["payload"]["category"]["id"] == added["id"]]
    assert changes[0]["changed"] == {"name": renamed} and changes[0]["previous"] == {"name": name}
    csv = (await staff.get("/api/staff/events", params={"format": "csv", "type": "thread.created"})).text
    assert ",title,category," in csv.splitlines()[0]
    assert "전자조달" in csv


async def test_unknown_filter_is_empty(anonymous: Http) -> None:
    page = (await anonymous.get("/api/threads", params={"category": "no-such-category"})).json()
    assert page["items"] == []
