"""The server starts on each stack and answers its health checks."""

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer


async def test_ready(server: InProcessServer, anonymous: Http) -> None:
    """GET /readyz answers 200 when the database and broker are reachable."""
    response = await anonymous.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


async def test_comment_reaches_watcher(server: InProcessServer, company: Http, agency: Http) -> None:
    """A comment posted through REST reaches a subscribed watcher as a sequenced event."""
    thread = await company.thread()
    socket = await Socket.open(server.ws_url)
    subscribed = await socket.subscribe(f"thread:{thread['id']}", since=thread["seq"])
    assert subscribed["seq"] == thread["seq"]
    posted = await agency.comment(thread["id"], "의견입니다")
    (event,) = await socket.events(1)
    assert event["seq"] == posted["seq"]
    assert event["data"]["comment"]["body"] == "의견입니다"
    await socket.close()
