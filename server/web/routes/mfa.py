"""A second factor for staff (v1.2; domain/mfa.py): enrolment, the factor at login, step-up.

Every operation here also takes a session that gave its password but still owes its factor
(`pending_ok`): that is how the login finishes. Where TONG_STAFF_MFA is off they answer 404
`mfa_off`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.contract.errors import ErrorCode, NotFound, Unauthorized
from server.domain import policy
from server.events import public
from server.store.models import Account
from server.web import shapes
from server.web.context import ok, services, session_hash
from server.web.operation import Operation


def _session(request: Request) -> str:
    if not services(request).factors.required:
        raise NotFound("this server asks no second factor (TONG_STAFF_MFA=off)", code=ErrorCode.MFA_OFF)
    hashed = session_hash(request)
    if hashed is None:  # the account came from this cookie: cannot happen
        raise Unauthorized("log in first", code=ErrorCode.LOGIN_REQUIRED)
    return hashed


def _staff(account: Account) -> None:
    policy.require_staff(account, "use a second factor")


async def begin_totp(request: Request, account: Account, body: shapes.Empty) -> Response:
    session = _session(request)
    return ok(await services(request).factors.begin_totp(account, session))


async def confirm_totp(request: Request, account: Account, body: shapes.CodeBody) -> Response:
    session = _session(request)
    factors = services(request).factors
    codes = await factors.confirm_totp(account, session, body.code)
    return ok({"recovery_codes": codes, "methods": await factors.methods(account)})


async def key_options(request: Request, account: Account, body: shapes.Empty) -> Response:
    session = _session(request)
    return ok({"publicKey": await services(request).factors.registration_options(account, session)})


async def register_key(request: Request, account: Account, body: shapes.KeyBody) -> Response:
    session = _session(request)
    factors = services(request).factors
    codes = await factors.register_key(account, session, body.credential)
    return ok({"recovery_codes": codes, "methods": await factors.methods(account)})


async def factor_options(request: Request, account: Account, body: shapes.Empty) -> Response:
    session = _session(request)
    _staff(account)
    return ok({"publicKey": await services(request).factors.assertion_options(account, session)})


async def give_factor(request: Request, account: Account, body: shapes.FactorBody) -> Response:
    session = _session(request)
    _staff(account)
    method = await services(request).factors.give(account, session, body.code, body.webauthn)
    return ok({"account": public.me(account), "method": method})


operations = [
    Operation("POST", "/api/me/mfa/totp", begin_totp,
              "Staff: start enrolling an authenticator app (its secret and otpauth URI)", "session",
              who="account", body=shapes.Empty, body_optional=True, answer=shapes.TotpSecret,
              also=(404,), pending_ok=True),
    Operation("POST", "/api/me/mfa/totp/confirm", confirm_totp,
              "Staff: confirm the app with its first code; the first recovery codes, shown once",
              "session", who="account", body=shapes.CodeBody, answer=shapes.Enrolled, also=(404,),
              pending_ok=True),
    Operation("POST", "/api/me/mfa/webauthn/options", key_options,
              "Staff: WebAuthn creation options for a new security key", "session", who="account",
              body=shapes.Empty, body_optional=True, answer=shapes.KeyOptions, also=(404,), pending_ok=True),
    Operation("POST", "/api/me/mfa/webauthn", register_key,
              "Staff: register the security key; the first recovery codes, shown once", "session",
              who="account", body=shapes.KeyBody, answer=shapes.Enrolled, also=(404,), pending_ok=True),
    Operation("POST", "/api/session/mfa/options", factor_options,
              "Staff: WebAuthn request options to sign in (or step up) with a security key", "session",
              who="account", body=shapes.Empty, body_optional=True, answer=shapes.KeyOptions, also=(404,),
              pending_ok=True),
    Operation("POST", "/api/session/mfa", give_factor,
              "Staff: give the second factor (TOTP or recovery code, or a security key's answer)",
              "session", who="account", body=shapes.FactorBody, answer=shapes.FactorGiven, also=(404,),
              pending_ok=True),
]  # fmt: skip
