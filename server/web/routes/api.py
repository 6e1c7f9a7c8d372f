"""The public HTTP API of docs/protocol.md."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.contract.errors import Invalid
from server.domain import policy
from server.domain.accounts import token_hash
from server.domain.logins import DEVICE_COOKIE, DEVICE_COOKIE_DAYS
from server.events import public
from server.store.models import Account
from server.web import shapes
from server.web.context import SESSION_COOKIE, caller, ok, pending_caller, services
from server.web.operation import Operation


async def start_session(request: Request, body: shapes.Login) -> Response:
    svc = services(request)
    await svc.logins.admit(request.client.host if request.client else None)
    # The login's budget is spent before the password is checked (an unknown login spends one
    # too): past it, 429 at once, however many addresses send attempts at the same moment.
    attempt = await svc.logins.attempt(body.login, request.cookies.get(DEVICE_COOKIE))
    token, account = await svc.discussion.login(
        body.login, body.password, staff_only=svc.settings.local_login == "staff"
    )
    await svc.logins.succeeded(attempt)
    answer = {"account": public.me(account)}
    if svc.factors.required_for(account):
        # The session is made but owes its second factor (or its enrolment) before anything else.
        answer.update(await svc.factors.state(account))
    response = ok(answer)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=svc.settings.session_days * 86_400,
        httponly=True,
        samesite="lax",
        secure=svc.settings.cookie_secure,
        path="/",
    )
    # This browser now has a budget of its own for this login (it outlives logout: v1.2).
    response.set_cookie(
        DEVICE_COOKIE,
        svc.logins.device_cookie(account.login),
        max_age=DEVICE_COOKIE_DAYS * 86_400,
        httponly=True,
        samesite="strict",
        secure=svc.settings.cookie_secure,
        path="/api/session",
    )
    return response


async def end_session(request: Request, body: shapes.Empty) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    logout_url = None
    if token:
        svc = services(request)
        account = await caller(request) or await pending_caller(request)
        if account is not None and account.via == "oidc" and svc.oidc is not None:
            # RP-initiated logout: the browser goes on to end the provider's session too.
            logout_url = await svc.oidc.end_session_url(
                await svc.signon.id_token_of(token), svc.settings.public_url.rstrip("/") + "/"
            )
        account_id = await svc.discussion.logout(token)
        if account_id is not None:
            # The account's sockets opened with this session lose what they may no longer read
            # here at once (every other process hears it through the broker: `logout`).
            svc.hub.revoke(account_id, token_hash(token))
    # A password session answers 204 as in v1; a single sign-on one says where to end the
    # provider's session (v1.2 allows both for password sessions).
    response = ok({"logout_url": logout_url}) if logout_url else Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


async def me(request: Request, account: Account) -> Response:
    return ok(public.me(account))


async def current_session(request: Request) -> Response:
    """Who is logged in, without a 401 for anonymous readers (pages ask this on every load)."""
    account = await caller(request)
    if account is None and (pending := await pending_caller(request)) is not None:
        # Logged in with a password (or the portal), the second factor still owed.
        return ok({"account": public.me(pending), **await services(request).factors.state(pending)})
    return ok({"account": public.me(account) if account else None})


async def list_threads(request: Request, query: shapes.ThreadsQuery) -> Response:
    svc = services(request)
    if query.q and query.q.strip():
        await svc.searches.check(request.client.host if request.client else None)
    threads, items, next_cursor = await svc.reader.list_threads(
        kind=query.kind,
        status=query.status,
        sort=query.sort,
        q=query.q,
        cursor=query.cursor,
        limit=query.limit,
        viewer=await caller(request),
        outcome=query.outcome,
        category=query.category,
        since=query.since,
        until=query.until,
    )
    watchers = await svc.hub.watchers([t.id for t in threads if t.id is not None])
    for item in items:
        item["counts"]["watchers"] = watchers.get(item["id"], 0)
    return ok({"items": items, "next_cursor": next_cursor})


async def similar_threads(request: Request, query: shapes.SimilarQuery) -> Response:
    """Proposals like a title being written (the composer) or read (the thread page)."""
    svc = services(request)
    await svc.searches.check(request.client.host if request.client else None)
    items = await svc.reader.similar(query.title, query.limit or 5, query.exclude)
    return ok({"items": items})


async def create_thread(request: Request, account: Account, body: shapes.NewThread) -> Response:
    thread = await services(request).discussion.create_thread(
        account, body.kind, body.title, body.body, body.category, body.links, body.attachments
    )
    return ok(thread, 201)


async def get_thread(request: Request) -> Response:
    svc = services(request)
    thread_id = request.path_params["thread_id"]
    viewer = await caller(request)
    thread = await svc.reader.thread(thread_id, viewer)
    thread["counts"]["watchers"] = (await svc.hub.watchers([thread_id])).get(thread_id, 0)
    await svc.desk.links.decorate(thread)
    if viewer is not None and viewer.id is not None:
        thread["following"] = await svc.notices.following(viewer.id, thread_id)
        if policy.is_staff(viewer):
            thread["followers"] = await svc.notices.followers(thread_id)
    return ok(thread)


async def change_thread(request: Request, account: Account, body: shapes.ThreadChange) -> Response:
    """Staff change a proposal's status; its author edits the title and/or body (v1.1)."""
    svc = services(request)
    thread_id = request.path_params["thread_id"]
    if body.status is not None:
        if body.title is not None or body.body is not None:
            raise Invalid("change the status or edit the text, not both at once", {"status": "not_allowed"})
        await svc.discussion.set_status(account, thread_id, body.status)
    else:
        await svc.editing.edit_thread(account, thread_id, body.title, body.body)
    return ok(await svc.reader.thread(thread_id, account))


async def withdraw_thread(request: Request, account: Account, body: shapes.Empty) -> Response:
    svc = services(request)
    thread_id = request.path_params["thread_id"]
    await svc.editing.withdraw_thread(account, thread_id)
    return ok(await svc.reader.thread(thread_id, account))


async def thread_revisions(request: Request) -> Response:
    svc = services(request)
    return ok(await svc.editing.revisions("thread", request.path_params["thread_id"], await caller(request)))


async def edit_comment(request: Request, account: Account, body: shapes.EditedComment) -> Response:
    return ok(await services(request).editing.edit_comment(account, request.path_params["id"], body.body))


async def delete_comment(request: Request, account: Account, body: shapes.Empty) -> Response:
    return ok(await services(request).editing.withdraw_comment(account, request.path_params["id"]))


async def comment_revisions(request: Request) -> Response:
    svc = services(request)
    return ok(await svc.editing.revisions("comment", request.path_params["id"], await caller(request)))


async def edit_answer(request: Request, account: Account, body: shapes.EditedAnswer) -> Response:
    svc = services(request)
    if svc.settings.answer_approval == "required":
        # The answer workflow: the edit waits for approval as a pending revision.
        return ok(await svc.workflow.revise(account, request.path_params["id"], body.body), 202)
    return ok(await svc.editing.edit_answer(account, request.path_params["id"], body.body))


async def answer_revisions(request: Request) -> Response:
    svc = services(request)
    return ok(await svc.editing.revisions("answer", request.path_params["id"], await caller(request)))


async def list_comments(request: Request, query: shapes.CommentsQuery) -> Response:
    svc = services(request)
    data = await svc.reader.comments(
        request.path_params["thread_id"], query.after_seq, query.limit, await caller(request)
    )
    return ok(data)


async def post_comment(request: Request, account: Account, body: shapes.NewComment) -> Response:
    comment = await services(request).discussion.post_comment(
        account, request.path_params["thread_id"], body.body, body.parent_id, body.attachments
    )
    # A held comment (pre-moderation) is accepted but not yet published.
    return ok(comment, 202 if comment.get("held") else 201)


async def _recommend(request: Request, account: Account, target: str, on: bool) -> Response:
    result = await services(request).discussion.recommend(account, target, request.path_params["id"], on)
    return ok(result)


async def recommend_thread(request: Request, account: Account, body: shapes.Empty) -> Response:
    return await _recommend(request, account, "thread", True)


async def withdraw_thread_recommendation(request: Request, account: Account, body: shapes.Empty) -> Response:
    return await _recommend(request, account, "thread", False)


async def recommend_comment(request: Request, account: Account, body: shapes.Empty) -> Response:
    return await _recommend(request, account, "comment", True)


async def withdraw_comment_recommendation(request: Request, account: Account, body: shapes.Empty) -> Response:
    return await _recommend(request, account, "comment", False)


async def report_comment(request: Request, account: Account, body: shapes.ReportBody) -> Response:
    report = await services(request).discussion.report(
        account, request.path_params["id"], body.reason, body.category
    )
    return ok(report, 201)


async def post_answer(request: Request, account: Account, body: shapes.NewAnswer) -> Response:
    if body.draft:
        draft = await services(request).workflow.draft(
            account, request.path_params["thread_id"], body.body, body.outcome
        )
        return ok(draft, 201)
    answer = await services(request).discussion.answer(
        account, request.path_params["thread_id"], body.body, body.outcome, body.attachments
    )
    return ok(answer, 201)


async def hide_comment(request: Request, account: Account, body: shapes.ReasonBody) -> Response:
    comment_id = request.path_params["id"]
    return ok(await services(request).discussion.moderate(account, comment_id, True, body.reason))


async def restore_comment(request: Request, account: Account, body: shapes.OptionalReasonBody) -> Response:
    return ok(
        await services(request).discussion.moderate(account, request.path_params["id"], False, body.reason)
    )


THREAD = "/api/threads/{thread_id:id}"

operations = [
    Operation("POST", "/api/session", start_session, "Log in: sets the session cookie", "session",
              body=shapes.Login, answer=shapes.SessionOut, also=(401,)),
    Operation("DELETE", "/api/session", end_session, "Log out: the cookie stops working", "session",
              body=shapes.Empty, status=204, body_optional=True, also_answers=((200, shapes.LoggedOut),)),
    Operation("GET", "/api/session", current_session, "Who is logged in (null when nobody)", "session",
              answer=shapes.SessionOut),
    Operation("GET", "/api/me", me, "The caller", "session", who="account", answer=shapes.Me),
    Operation("GET", "/api/threads", list_threads, "Threads, newest or by another order", "threads",
              query=shapes.ThreadsQuery, answer=shapes.ThreadPage, also=(429,)),
    Operation("GET", "/api/threads/similar", similar_threads,
              "Up to five proposals like a title, best first (search's index)", "threads",
              query=shapes.SimilarQuery, answer=shapes.SimilarPage, also=(429,)),
    Operation("POST", "/api/threads", create_thread, "Post a thread (change threads: staff)", "threads",
              who="account", body=shapes.NewThread, status=201, answer=shapes.ThreadOut, also=(403,)),
    Operation("GET", THREAD, get_thread, "A thread with its official answers and seq", "threads",
              answer=shapes.ThreadOut),
    Operation("PATCH", THREAD, change_thread,
              "Change a proposal's status (staff), or edit its title and body (its author)", "threads",
              who="account", body=shapes.ThreadChange, answer=shapes.ThreadOut, also=(403, 409)),
    Operation("POST", THREAD + "/withdraw", withdraw_thread,
              "Withdraw a proposal (its author, while it has no final answer)", "threads",
              who="account", body=shapes.Empty, answer=shapes.ThreadOut, also=(403, 409), body_optional=True),
    Operation("GET", THREAD + "/revisions", thread_revisions, "A thread's versions (labels only)", "threads",
              answer=shapes.Revisions),
    Operation("GET", THREAD + "/comments", list_comments, "A thread's comments in seq order", "comments",
              query=shapes.CommentsQuery, answer=shapes.CommentPage),
    Operation("POST", THREAD + "/comments", post_comment, "Comment, or reply to a top-level comment",
              "comments", who="account", body=shapes.NewComment, status=201, answer=shapes.CommentOut,
              also_answers=((202, shapes.HeldOut),)),
    Operation("PUT", "/api/threads/{id:id}/recommendation", recommend_thread, "Recommend a thread",
              "recommendations", who="account", body=shapes.Empty, answer=shapes.Recommendation,
              also=(409,), body_optional=True),
    Operation("DELETE", "/api/threads/{id:id}/recommendation", withdraw_thread_recommendation,
              "Withdraw a thread recommendation", "recommendations", who="account", body=shapes.Empty,
              answer=shapes.Recommendation, body_optional=True),
    Operation("PUT", "/api/comments/{id:id}/recommendation", recommend_comment, "Recommend a comment",
              "recommendations", who="account", body=shapes.Empty, answer=shapes.Recommendation,
              also=(409,), body_optional=True),
    Operation("DELETE", "/api/comments/{id:id}/recommendation", withdraw_comment_recommendation,
              "Withdraw a comment recommendation", "recommendations", who="account", body=shapes.Empty,
              answer=shapes.Recommendation, body_optional=True),
    Operation("PATCH", "/api/comments/{id:id}", edit_comment, "Edit a comment (its author, for a while)",
              "comments", who="account", body=shapes.EditedComment, answer=shapes.CommentOut,
              also=(403, 409)),
    Operation("DELETE", "/api/comments/{id:id}", delete_comment,
              "Delete a comment (its author): kept in place, body null", "comments", who="account",
              body=shapes.Empty, answer=shapes.CommentOut, also=(403, 409), body_optional=True),
    Operation("GET", "/api/comments/{id:id}/revisions", comment_revisions,
              "A comment's versions (labels only; no text once hidden or deleted)", "comments",
              answer=shapes.Revisions),
    Operation("POST", "/api/comments/{id:id}/reports", report_comment, "Report a comment for moderation",
              "moderation", who="account", body=shapes.ReportBody, status=201, answer=shapes.ReportOut,
              also=(409,)),
    Operation("POST", THREAD + "/answers", post_answer, "Official answer (final with an outcome)",
              "threads", who="staff", body=shapes.NewAnswer, status=201, answer=shapes.AnswerOrDraft,
              also=(409,)),
    Operation("PATCH", "/api/answers/{id:id}", edit_answer,
              "Correct an official answer (staff; a pending revision when approval is required)", "threads",
              who="staff", body=shapes.EditedAnswer, answer=shapes.AnswerOut,
              also_answers=((202, shapes.DraftOut),)),
    Operation("GET", "/api/answers/{id:id}/revisions", answer_revisions, "An answer's versions", "threads",
              answer=shapes.Revisions),
    Operation("POST", "/api/comments/{id:id}/hide", hide_comment, "Hide a comment (never deleted)",
              "moderation", who="moderator", body=shapes.ReasonBody, answer=shapes.CommentOut, also=(409,)),
    Operation("POST", "/api/comments/{id:id}/restore", restore_comment, "Restore a hidden comment",
              "moderation", who="moderator", body=shapes.OptionalReasonBody, answer=shapes.CommentOut,
              also=(409,), body_optional=True),
]  # fmt: skip
