"""A second factor for staff (v1.2): TOTP apps and WebAuthn security keys, recovery codes, the
session's state between the password and the factor, and step-up for the acts that unmask or
destroy (a reveal, a role change, an erasure).

Where `TONG_STAFF_MFA=required`, a staff session whose `factor_at` is null is *pending*: the web
layer treats it as no session at all, except for the few operations that finish the login (give
the factor, or enrol the first one). `factor_at` is stamped each time the session gives a factor;
step-up (`require_recent_factor`) asks that it be within `STEP_UP_WINDOW` of now.

What is stored: a TOTP secret encrypted with AES-GCM under the MFA key (`Settings.resolved_mfa_key`:
TONG_MFA_KEY, else derived from TONG_SECRET_KEY; neither is in the database or its backups), the
account id as associated data so a row copied to another account does not decrypt; a security
key's credential id and public key (public by nature); recovery codes as HMAC-SHA256 under a key
derived from the same MFA key (they are long random strings: a slow hash would add nothing).
WebAuthn challenges live on the session row, single use, so any process may answer them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, func, or_, select, update
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from server.contract.errors import Conflict, ErrorCode, Invalid, RateLimited, Unauthorized
from server.contract.vocabulary import STAFF, EventType
from server.domain import policy
from server.domain.ratelimit import Counter, per_second
from server.events.seam import EventLog
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import Account, AccountFactor, AccountSession, RecoveryCode, utcnow

TOTP = "totp"
WEBAUTHN = "webauthn"
RECOVERY = "recovery"
# The acts that unmask or destroy need a factor given this recently (PROTOCOL v1.2).
STEP_UP_WINDOW = policy.STEP_UP_WINDOW
# A WebAuthn ceremony takes a person a few seconds; the browser's own timeout is 60 s.
CHALLENGE_TTL = timedelta(minutes=5)
# RFC 6238's 30 s step; one step either side allows for a phone's clock and typing time
# (RFC 6238 §5.2 recommends at most one step of network delay).
TOTP_WINDOW_STEPS = 1
# Ten codes of 10 base32 characters (50 bits each): enough for a lost phone and the next visit.
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Attempts at a factor per account: a six-digit code guessed at 10 tries per 5 minutes, three codes
# valid at a time, takes about four months on average; the owner mistyping twice is not slowed.
ATTEMPTS = per_second(10, 300)

Clock = Callable[[], datetime]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _normalised_recovery(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


class SecondFactors:
    """Enrolment, the factor at login, and step-up, for staff accounts."""

    def __init__(
        self, db: Database, events: EventLog, settings: Settings, counter: Counter, clock: Clock = utcnow
    ) -> None:
        self.db = db
        self.events = events
        self.settings = settings
        self.counter = counter
        # The time every rule here reads (TOTP steps, the step-up window, challenges): tests move it.
        self.clock = clock
        self.required = settings.staff_mfa == "required"
        public = urlsplit(settings.public_url)
        # WebAuthn's relying party is the site's host name (a domain: `localhost` in tests, never an
        # IP address), and a response must come from the site's own origin.
        self.rp_id = public.hostname or "localhost"
        self.origin = f"{public.scheme}://{public.netloc}"
        key = settings.resolved_mfa_key()
        self._cipher = AESGCM(key)
        self._code_key = hmac.new(key, b"recovery-codes", hashlib.sha256).digest()
        # Sessions this process saw give a factor: a given factor stays given for the session's
        # life, so the request path reads SQL only for sessions still pending (staff, few).
        self._given: set[str] = set()

    # --- the rules ---------------------------------------------------------------------------

    def required_for(self, account: Account | None) -> bool:
        return self.required and account is not None and account.kind == STAFF

    async def pending(self, account: Account, session: str) -> bool:
        """Whether this session still owes its second factor (always False where none is asked)."""
        if not self.required_for(account) or session in self._given:
            return False
        if await self._factor_at(session) is not None:
            if len(self._given) > 100_000:
                self._given.clear()
            self._given.add(session)
            return False
        return True

    async def require_recent_factor(self, account: Account, session: str | None) -> None:
        """Step-up: 403 `reauth_required` unless this session gave a second factor within
        `STEP_UP_WINDOW` (5 minutes). Nothing is asked where the second factor is off.

        The one check a reveal, a role change and an erasure call (through the web layer's
        `context.require_recent_factor(request, account)`), read from SQL each time so every
        process agrees at once."""
        if not self.required_for(account):
            return
        given = await self._factor_at(session) if session else None
        policy.ensure(policy.can_act_on_factor(given, self.clock()))

    async def state(self, account: Account) -> dict[str, Any]:
        """What a pending session is told: the factors it may give, and whether it must enrol one
        first (`enrol`: the account has none yet)."""
        methods = await self.methods(account)
        return {"mfa_required": True, "methods": methods, "enrol": not methods}

    async def methods(self, account: Account) -> list[str]:
        async with self.db.read() as s:
            kinds = set(
                (
                    await s.execute(
                        select(AccountFactor.kind).where(
                            AccountFactor.account_id == account.id,
                            AccountFactor.confirmed == True,  # noqa: E712
                        )
                    )
                )
                .scalars()
                .all()
            )
            codes = (
                await s.execute(select(func.count()).where(RecoveryCode.account_id == account.id))
            ).scalar_one()
        found = [kind for kind in (TOTP, WEBAUTHN) if kind in kinds]
        if found and codes:
            found.append(RECOVERY)
        return found

    # --- enrolment ---------------------------------------------------------------------------

    async def begin_totp(self, account: Account, session: str) -> dict[str, str]:
        """A new TOTP secret for the account's app, waiting for a code to confirm it."""
        await self._may_enrol(account, session)
        secret = pyotp.random_base32()
        async with self.db.transaction() as s:
            await s.execute(
                delete(AccountFactor).where(
                    AccountFactor.account_id == account.id,
                    AccountFactor.kind == TOTP,
                    AccountFactor.confirmed == False,  # noqa: E712
                )
            )
            s.add(
                AccountFactor(
                    account_id=account.id, kind=TOTP, secret=self._seal(account, secret), confirmed=False
                )
            )
        uri = pyotp.TOTP(secret).provisioning_uri(name=account.login, issuer_name=self.settings.mfa_issuer)
        return {"secret": secret, "uri": uri}

    async def confirm_totp(self, account: Account, session: str, code: str) -> list[str]:
        """The first code from the app confirms the secret; the session has given its factor.
        Answers the recovery codes when the account gets its first ones (shown once)."""
        await self._may_enrol(account, session)
        await self._attempt(account)
        async with self.db.read() as s:
            factor = (
                (
                    await s.execute(
                        select(AccountFactor)
                        .where(
                            AccountFactor.account_id == account.id,
                            AccountFactor.kind == TOTP,
                            AccountFactor.confirmed == False,  # noqa: E712
                        )
                        .order_by(AccountFactor.id.desc())
                    )
                )
                .scalars()
                .first()
            )
        if factor is None:
            raise Conflict("start the enrolment first: POST /api/me/mfa/totp", code=ErrorCode.CONFLICT)
        step = self._matching_step(self._open(account, factor.secret), code)
        if step is None:
            raise Unauthorized("the code does not match", code=ErrorCode.MFA_FAILED)
        async with self.events.change() as change:
            s = change.session
            await s.execute(
                update(AccountFactor)
                .where(AccountFactor.id == factor.id)
                .values(confirmed=True, last_step=step)
            )
            codes = await self._first_recovery_codes(s, account)
            await self._given_now(s, session)
            await change.append(EventType.ACCOUNT_CHANGED, account, {"factor": TOTP, "by": "self"})
        return codes

    async def registration_options(self, account: Account, session: str) -> dict[str, Any]:
        """`PublicKeyCredentialCreationOptions` (as JSON) for a new security key."""
        await self._may_enrol(account, session)
        async with self.db.read() as s:
            existing = (
                (
                    await s.execute(
                        select(AccountFactor.credential_id).where(
                            AccountFactor.account_id == account.id, AccountFactor.kind == WEBAUTHN
                        )
                    )
                )
                .scalars()
                .all()
            )
        options = generate_registration_options(
            rp_id=self.rp_id,
            rp_name=self.settings.mfa_issuer,
            user_name=account.login,
            user_id=str(account.id).encode(),
            exclude_credentials=[
                PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in existing if c
            ],
            # A security key, not a passkey: the password stays the first factor.
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.DISCOURAGED,
                user_verification=UserVerificationRequirement.DISCOURAGED,
            ),
        )
        await self._challenge(session, options.challenge)
        return json.loads(options_to_json(options))  # type: ignore[no-any-return]

    async def register_key(self, account: Account, session: str, credential: dict[str, Any]) -> list[str]:
        """The browser's answer to the creation options: the key is the account's factor and the
        session has given it. Answers the first recovery codes, as for TOTP."""
        await self._may_enrol(account, session)
        challenge = await self._take_challenge(session)
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=self.rp_id,
                expected_origin=self.origin,
            )
        except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
            raise Unauthorized(
                f"the security key's answer was refused: {exc}", code=ErrorCode.MFA_FAILED
            ) from None
        async with self.events.change() as change:
            s = change.session
            s.add(
                AccountFactor(
                    account_id=account.id,
                    kind=WEBAUTHN,
                    secret=bytes_to_base64url(verified.credential_public_key),
                    credential_id=bytes_to_base64url(verified.credential_id),
                    sign_count=verified.sign_count,
                    confirmed=True,
                )
            )
            codes = await self._first_recovery_codes(s, account)
            await self._given_now(s, session)
            await change.append(EventType.ACCOUNT_CHANGED, account, {"factor": WEBAUTHN, "by": "self"})
        return codes

    # --- giving the factor -------------------------------------------------------------------

    async def assertion_options(self, account: Account, session: str) -> dict[str, Any]:
        """`PublicKeyCredentialRequestOptions` (as JSON) naming the account's keys."""
        async with self.db.read() as s:
            keys = (
                (
                    await s.execute(
                        select(AccountFactor.credential_id).where(
                            AccountFactor.account_id == account.id, AccountFactor.kind == WEBAUTHN
                        )
                    )
                )
                .scalars()
                .all()
            )
        if not keys:
            raise Conflict("this account has no security key", code=ErrorCode.CONFLICT)
        options = generate_authentication_options(
            rp_id=self.rp_id,
            allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(k)) for k in keys if k],
            user_verification=UserVerificationRequirement.DISCOURAGED,
        )
        await self._challenge(session, options.challenge)
        return json.loads(options_to_json(options))  # type: ignore[no-any-return]

    async def give(
        self, account: Account, session: str, code: str | None = None, webauthn: dict[str, Any] | None = None
    ) -> str:
        """The session gives a factor: a TOTP code (not one accepted before), a recovery code (then
        used up) or a security key's assertion. Answers which one; 401 `mfa_failed` otherwise."""
        if code is None and webauthn is None:
            # The field is named `code`, like an error's (a dict keyed "code" reads as one to
            # tests/test_error_codes.py); its field code is `required`.
            raise Invalid("give a code or a security key's answer", dict.fromkeys(("code",), "required"))
        await self._attempt(account)
        if webauthn is not None:
            await self._check_key(account, session, webauthn)
            method = WEBAUTHN
        else:
            assert code is not None
            digits = code.strip().replace(" ", "")
            if digits.isdigit() and len(digits) == 6:
                await self._check_totp(account, digits)
                method = TOTP
            else:
                await self._use_recovery_code(account, code)
                method = RECOVERY
        async with self.db.transaction() as s:
            await self._given_now(s, session)
        return method

    # --- inside ------------------------------------------------------------------------------

    async def _may_enrol(self, account: Account, session: str) -> None:
        """Staff enrol; an account that has a factor adds another only with a recent factor (a
        stolen password alone must not enrol the thief's app)."""
        policy.require_staff(account, "enrol a second factor")
        if await self.methods(account):
            if await self._factor_at(session) is None:
                raise Unauthorized("give your second factor first", code=ErrorCode.MFA_REQUIRED)
            await self._recent_or_refuse(session)

    async def _recent_or_refuse(self, session: str) -> None:
        policy.ensure(policy.can_act_on_factor(await self._factor_at(session), self.clock()))

    async def _factor_at(self, session: str) -> datetime | None:
        async with self.db.read() as s:
            given = (
                await s.execute(select(AccountSession.factor_at).where(AccountSession.token_hash == session))
            ).scalar()
        return _aware(given)

    async def _given_now(self, s: Any, session: str) -> None:
        await s.execute(
            update(AccountSession).where(AccountSession.token_hash == session).values(factor_at=self.clock())
        )
        self._given.add(session)

    async def _attempt(self, account: Account) -> None:
        key = str(account.id)
        if not await self.counter.hit(ATTEMPTS, "mfa", key):
            retry = await self.counter.retry_after(ATTEMPTS, "mfa", key)
            raise RateLimited("too many second-factor attempts: wait and try again", retry)

    def _seal(self, account: Account, secret: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._cipher.encrypt(nonce, secret.encode(), str(account.id).encode())
        return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()

    def _open(self, account: Account, stored: str) -> str:
        if not stored.startswith("v1:"):
            raise ValueError("unknown TOTP secret format")
        raw = base64.urlsafe_b64decode(stored[3:])
        try:
            return self._cipher.decrypt(raw[:12], raw[12:], str(account.id).encode()).decode()
        except InvalidTag:
            # The MFA key changed (or the row was moved): the factor cannot be checked.
            raise Unauthorized(
                "this authenticator cannot be checked with the server's current key: enrol again",
                code=ErrorCode.MFA_FAILED,
            ) from None

    def _matching_step(self, secret: str, code: str) -> int | None:
        """The TOTP time step (within the window) whose code this is, else None."""
        totp = pyotp.TOTP(secret)
        now = int(self.clock().timestamp()) // totp.interval
        code = code.strip().replace(" ", "")
        for step in range(now - TOTP_WINDOW_STEPS, now + TOTP_WINDOW_STEPS + 1):
            if hmac.compare_digest(totp.at(step * totp.interval), code):
                return step
        return None

    async def _check_totp(self, account: Account, code: str) -> None:
        async with self.db.read() as s:
            factors = (
                (
                    await s.execute(
                        select(AccountFactor).where(
                            AccountFactor.account_id == account.id,
                            AccountFactor.kind == TOTP,
                            AccountFactor.confirmed == True,  # noqa: E712
                        )
                    )
                )
                .scalars()
                .all()
            )
        for factor in factors:
            step = self._matching_step(self._open(account, factor.secret), code)
            if step is None:
                continue
            # Not reusable within its window: the step moves forward in one conditional UPDATE,
            # so two processes given the same code accept it once.
            async with self.db.transaction() as s:
                moved = await s.execute(
                    update(AccountFactor)
                    .where(AccountFactor.id == factor.id)
                    .where(or_(AccountFactor.last_step.is_(None), AccountFactor.last_step < step))  # type: ignore[operator]
                    .values(last_step=step)
                )
            if moved.rowcount == 1:
                return
        raise Unauthorized("the code does not match or was already used", code=ErrorCode.MFA_FAILED)

    def _recovery_hash(self, code: str) -> str:
        return hmac.new(self._code_key, _normalised_recovery(code).encode(), hashlib.sha256).hexdigest()

    async def _use_recovery_code(self, account: Account, code: str) -> None:
        async with self.db.transaction() as s:
            used = (
                await s.execute(
                    delete(RecoveryCode)
                    .where(
                        RecoveryCode.code_hash == self._recovery_hash(code),
                        RecoveryCode.account_id == account.id,
                    )
                    .returning(RecoveryCode.code_hash)
                )
            ).first()
        if used is None:
            raise Unauthorized("the code does not match or was already used", code=ErrorCode.MFA_FAILED)

    async def _first_recovery_codes(self, s: Any, account: Account) -> list[str]:
        """New recovery codes when the account has none left; [] when it still has some."""
        counted = select(func.count()).where(RecoveryCode.account_id == account.id)
        left = (await s.execute(counted)).scalar_one()
        if left:
            return []
        codes = []
        for _ in range(RECOVERY_CODES):
            raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
            shown = f"{raw[:5]}-{raw[5:]}"
            codes.append(shown)
            s.add(RecoveryCode(code_hash=self._recovery_hash(shown), account_id=account.id))
        return codes

    async def _challenge(self, session: str, challenge: bytes) -> None:
        async with self.db.transaction() as s:
            await s.execute(
                update(AccountSession)
                .where(AccountSession.token_hash == session)
                .values(mfa_challenge=bytes_to_base64url(challenge), mfa_challenge_at=self.clock())
            )

    async def _take_challenge(self, session: str) -> bytes:
        """The session's WebAuthn challenge, cleared as it is read (single use): the clearing
        UPDATE names the value read, so of two answers racing on any processes one wins."""
        async with self.db.transaction() as s:
            row = (
                await s.execute(
                    select(AccountSession.mfa_challenge, AccountSession.mfa_challenge_at).where(
                        AccountSession.token_hash == session
                    )
                )
            ).first()
            challenge, at = row if row is not None else (None, None)
            taken = (
                challenge is not None
                and (
                    await s.execute(
                        update(AccountSession)
                        .where(
                            AccountSession.token_hash == session, AccountSession.mfa_challenge == challenge
                        )
                        .values(mfa_challenge=None, mfa_challenge_at=None)
                    )
                ).rowcount
                == 1
            )
        if not taken:
            raise Conflict("ask for the security key's options first", code=ErrorCode.CONFLICT)
        at = _aware(at)
        if at is None or self.clock() - at > CHALLENGE_TTL:
            raise Unauthorized("the security key's challenge expired: try again", code=ErrorCode.MFA_FAILED)
        return base64url_to_bytes(challenge)

    async def _check_key(self, account: Account, session: str, credential: dict[str, Any]) -> None:
        challenge = await self._take_challenge(session)
        raw_id = credential.get("rawId") or credential.get("id")
        if not isinstance(raw_id, str):
            raise Unauthorized("the security key's answer names no credential", code=ErrorCode.MFA_FAILED)
        async with self.db.read() as s:
            factor = (
                (
                    await s.execute(
                        select(AccountFactor).where(
                            AccountFactor.account_id == account.id,
                            AccountFactor.kind == WEBAUTHN,
                            AccountFactor.credential_id == raw_id.rstrip("="),
                        )
                    )
                )
                .scalars()
                .first()
            )
        if factor is None:
            raise Unauthorized("this security key is not enrolled for the account", code=ErrorCode.MFA_FAILED)
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=self.rp_id,
                expected_origin=self.origin,
                credential_public_key=base64url_to_bytes(factor.secret),
                credential_current_sign_count=factor.sign_count,
            )
        except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as exc:
            raise Unauthorized(
                f"the security key's answer was refused: {exc}", code=ErrorCode.MFA_FAILED
            ) from None
        async with self.db.transaction() as s:
            await s.execute(
                update(AccountFactor)
                .where(AccountFactor.id == factor.id)
                .values(sign_count=verified.new_sign_count)
            )
