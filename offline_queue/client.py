"""HTTP client for the central platform (`requests`); every terminal request is signed.

TLS verification is always on: `ca_bundle` may name the PEM bundle to trust instead of the
system store, but nothing here can switch verification off. Failures come out typed:
`PlatformUnreachable` (retry later), `PlatformBusy` (retry after its Retry-After),
`PlatformRefused` (the request itself is wrong; retrying the same will not help).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import requests

from contract import wire
from offline_queue.errors import (
    BadReply,
    InvalidPlatformURL,
    PlatformBusy,
    PlatformRefused,
    PlatformUnreachable,
)
from offline_queue.keys import TerminalKeys

log = logging.getLogger(__name__)

BUSY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Answers are read only up to these sizes: a hostile or broken reply cannot fill the memory.
MAX_DECISIONS_REPLY_BYTES = 4 * 1024 * 1024
MAX_ROSTER_REPLY_BYTES = 64 * 1024 * 1024
_CURSOR = re.compile(r"^[0-9]{1,18}$")
_ETAG = re.compile(r"^[0-9a-f]{32}$")
MAX_STANDING_BYTES = 64 * 1024  # never parsed beyond this (a standing is under 2 KiB)


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _check_url(base_url: str) -> None:
    """https anywhere; plain http only to this machine (the embedded or demo platform).

    Requests are signed, but a case carries personal data: over plain HTTP anyone on the
    village network could read it, so there is no "warn and carry on".
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidPlatformURL(f"platform URL must be https://host[:port]/..., not {base_url!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise InvalidPlatformURL(
            f"platform URL {base_url!r} is plain http to another machine: cases carry "
            "personal data, so use https:// (plain http is only for a platform on this "
            "machine: 127.0.0.1, ::1 or localhost)"
        )


class PlatformClient:
    def __init__(
        self,
        base_url: str,
        keys: TerminalKeys | None = None,
        *,
        ca_bundle: str = "",
        timeout_s: float = 10.0,
        probe_timeout_s: float = 3.0,
    ) -> None:
        _check_url(base_url)
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self._prefix = parts.path.rstrip("/")
        self.keys = keys
        self.timeout_s = timeout_s
        self.probe_timeout_s = probe_timeout_s
        self._session = requests.Session()
        # Verification stays on; a CA bundle only changes whom we trust. It is passed on every
        # request: requests lets $REQUESTS_CA_BUNDLE override a session-level setting.
        self.verify: str | bool = ca_bundle or True
        self._session.headers["User-Agent"] = "village-kiosk/0.1"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing -----------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        signed: bool = False,
        timeout: float | None = None,
        content_type: str = "application/json",
        max_bytes: int = 0,
    ) -> requests.Response:
        headers = {"Content-Type": content_type} if body else {}
        if signed:
            if self.keys is None:
                raise PlatformRefused("this terminal has no keys yet: register it first")
            full_path = self._prefix + path
            headers.update(
                wire.sign_request(self.keys.signing_key, self.keys.key_id, method, full_path, body)
            )
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                data=body or None,
                headers=headers,
                timeout=timeout or self.timeout_s,
                verify=self.verify,
                stream=bool(max_bytes),
            )
            if max_bytes:
                _read_bounded(response, max_bytes)
            response.content  # noqa: B018 - read the whole body now, so a cut-off reply fails here
        except requests.exceptions.SSLError as exc:
            raise PlatformUnreachable(f"TLS verification failed: {_short(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise PlatformUnreachable(f"{type(exc).__name__}: {_short(exc)}") from None
        if response.status_code in BUSY_STATUSES:
            raise PlatformBusy(
                f"platform answered {response.status_code}",
                parse_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code >= 400 and response.status_code != 404:
            raise PlatformRefused(
                f"platform refused ({response.status_code}): {_detail(response)}",
                response.status_code,
            )
        return response

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise PlatformUnreachable("the platform's reply was cut off or is not JSON") from None

    # --- calls --------------------------------------------------------------------------

    def probe(self) -> bool:
        """Cheap connectivity check: is the platform answering right now?"""
        try:
            response = self._request("GET", "/api/v1/health", timeout=self.probe_timeout_s)
        except (PlatformUnreachable, PlatformBusy, PlatformRefused):
            return False
        return response.status_code == 200

    def resident_standing(self, id_number: str) -> tuple[Any, str]:
        """The platform's answer to 查询认证结果, unchecked, and the nonce of the signed request
        it must echo: `contract.decisions.read_standing(answer, platform_key, nonce)` checks
        both. The ID number goes in the signed body, never in the URL."""
        body = wire.canonical({"id_number": id_number})
        response = self._request("POST", "/api/v1/residents/standing", body=body, signed=True)
        if response.status_code == 404:
            raise PlatformRefused("the platform has no standing lookup", 404)
        if len(response.content) > MAX_STANDING_BYTES:  # a standing is a few hundred bytes
            raise PlatformUnreachable("the platform's standing is too large to be one")
        nonce = response.request.headers.get(wire.HEADER_NONCE, "")
        return self._json(response), str(nonce)

    def register(self, terminal_id: str, code: str, public_key_b64: str) -> dict[str, Any]:
        body = json.dumps(
            {"terminal_id": terminal_id, "code": code, "public_key": public_key_b64}
        ).encode()
        response = self._request("POST", "/api/v1/terminals/register", body=body)
        if response.status_code == 404:
            raise PlatformRefused("the platform has no registration endpoint", 404)
        result: dict[str, Any] = self._json(response)
        return result

    def send_batch(self, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """POST signed cases; return one {"case_id", "status", "reason"?} per case."""
        body = wire.canonical({"cases": cases})
        response = self._request("POST", "/api/v1/ingest", body=body, signed=True)
        if response.status_code == 404:
            raise PlatformRefused("the platform has no batch endpoint", 404)
        answer = self._json(response)
        results = answer.get("results") if isinstance(answer, dict) else None
        if (
            not isinstance(results, list)
            or len(results) != len(cases)
            or not all(isinstance(r, dict) for r in results)
        ):
            raise PlatformUnreachable("the platform's reply does not answer every case")
        return results

    def decisions(self, after: str | None, limit: int) -> tuple[list[tuple[int, Any]], str | None]:
        """One page of the platform's decisions on this terminal's cases after the cursor
        `after`: ([(cursor, signed document)], next cursor or None). Documents unchecked."""
        query = f"?limit={int(limit)}" + (f"&after={after}" if after else "")
        response = self._request(
            "GET", "/api/v1/decisions" + query, signed=True, max_bytes=MAX_DECISIONS_REPLY_BYTES
        )
        if response.status_code == 404:
            raise PlatformRefused("the platform has no decisions endpoint", 404)
        answer = self._json_reply(response)
        items, following = answer.get("items"), answer.get("next")
        if not isinstance(items, list) or not (following is None or _is_cursor(following)):
            raise BadReply("the platform's decisions reply is malformed")
        page = []
        for item in items:
            if not isinstance(item, dict) or not _is_cursor(item.get("cursor")):
                raise BadReply("the platform's decisions reply is malformed")
            page.append((int(item["cursor"]), item.get("document")))
        return page, following

    def roster(self, have: str | None) -> tuple[str, Any] | None:
        """(etag, signed roster document) of this terminal's roster; None while `have` is
        still current (304). The document is unchecked."""
        query = f"?have={have}" if have and _ETAG.match(have) else ""
        response = self._request(
            "GET", "/api/v1/roster" + query, signed=True, max_bytes=MAX_ROSTER_REPLY_BYTES
        )
        if response.status_code == 304:
            return None
        if response.status_code == 404:
            raise PlatformRefused("the platform has no roster endpoint", 404)
        answer = self._json_reply(response)
        etag = answer.get("etag")
        if not isinstance(etag, str) or not _ETAG.match(etag):
            raise BadReply("the platform's roster reply is malformed")
        return etag, answer.get("document")

    def _json_reply(self, response: requests.Response) -> dict[str, Any]:
        try:
            answer = json.loads(response.content)
        except (ValueError, RecursionError):
            raise BadReply("the platform's reply is not JSON") from None
        if not isinstance(answer, dict):
            raise BadReply("the platform's reply is not a JSON object")
        return answer

    def reference_face(self, id_number: str) -> bytes | None:
        """The enrolled reference face JPEG, None if there is none; PlatformUnreachable offline.

        The ID number goes in the signed POST body, never in the URL: URLs are logged
        (urllib3 at DEBUG, proxies, access logs), bodies are not.
        """
        body = wire.canonical({"id_number": id_number})
        response = self._request("POST", "/api/v1/reference-faces/lookup", body=body, signed=True)
        if response.status_code == 404:
            return None
        if not response.content.startswith(b"\xff\xd8"):
            raise PlatformUnreachable("the platform's reference face is not a JPEG")
        return response.content


def _is_cursor(value: Any) -> bool:
    return isinstance(value, str) and bool(_CURSOR.match(value))


def _read_bounded(response: requests.Response, max_bytes: int) -> None:
    """Read the body, refusing it past `max_bytes` (declared or actually sent)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise BadReply(f"the platform's reply is too large ({declared} bytes)")
    body = bytearray()
    for chunk in response.iter_content(64 * 1024):
        body += chunk
        if len(body) > max_bytes:
            response.close()
            raise BadReply(f"the platform's reply is larger than {max_bytes} bytes")
    response._content = bytes(body)  # what response.content returns from now on


def _short(exc: Exception) -> str:
    """The error's first line (URLs in it hold no personal data: none is ever put there)."""
    text = str(exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _detail(response: requests.Response) -> str:
    # Only a plain-text detail: a validation error may echo the request (personal data).
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return detail[:200] if isinstance(detail, str) else response.reason or ""
