"""Terminals that talk to a real `kiosk-central serve` the way a kiosk does, for the decision
tests: pending checks with real face frames, ratings, and the signed requests for decisions,
standings and rosters (the terminal half of issue 15 builds its own client on these)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from contract import wire
from contract.ids import uuid7
from offline_queue.keys import TerminalKeys
from offline_queue.registration import register
from tests.queuetests.platform_proc import central

OPERATOR_TOKEN = "decide-test-bootstrap-token-0123456789abcdef"
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
OPERATOR_ENV = {"KIOSK_CENTRAL_TOKEN": OPERATOR_TOKEN}
SERVICE_POINT = "示范村便民服务站"
RESIDENT_A = "110101195001011239"  # jack_dorsey's photos play this resident
RESIDENT_B = "110101194805061237"
RESIDENT_C = "11010119450302123X"


def check_char(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def id_number(first17: str) -> str:
    return first17 + check_char(first17)


@dataclass
class Terminal:
    terminal_id: str
    keys: TerminalKeys
    url: str
    platform_key: Ed25519PublicKey  # `platform_signing_key` from registration

    def signed(self, method: str, path: str, body: bytes = b"", **kw: Any) -> requests.Response:
        headers = wire.sign_request(self.keys.signing_key, self.keys.key_id, method, path, body)
        if body:
            headers["Content-Type"] = "application/json"
        return requests.request(
            method, self.url + path, data=body or None, headers=headers, timeout=30, **kw
        )

    def send(self, *cases: dict[str, Any]) -> list[dict[str, Any]]:
        answer = self.signed("POST", "/api/v1/ingest", wire.canonical({"cases": list(cases)}))
        assert answer.status_code == 200, answer.text
        return list(answer.json()["results"])

    def case(
        self,
        payload: dict[str, Any],
        attachments: dict[str, bytes] | None = None,
        *,
        kind: str = "pension_check",
        test: bool = False,
    ) -> dict[str, Any]:
        """A case signed by this terminal's key, as the store makes it."""
        attachments = attachments or {}
        envelope: dict[str, Any] = {
            "case_id": uuid7(),
            "kind": kind,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "schema_version": wire.SCHEMA_VERSION,
            "test": test,
            "key_id": self.keys.key_id,
            "payload": payload,
            "attachments": {
                name: {"sha256": wire.sha256_hex(blob), "size": len(blob)}
                for name, blob in attachments.items()
            },
        }
        envelope["signature"] = wire.sign_case(self.keys.signing_key, envelope)
        envelope["attachment_data"] = {n: wire.b64e(b) for n, b in attachments.items()}
        return envelope

    def pending(
        self,
        resident: str,
        face: bytes | None,
        *,
        assisted_by: str | None = None,
        liveness_passed: bool = True,
        test: bool = False,
    ) -> dict[str, Any]:
        return self.case(
            pending_payload(self.terminal_id, resident, assisted_by, liveness_passed),
            {"face.jpg": face} if face else {},
            test=test,
        )

    def decisions(self, after: str | None = None) -> dict[str, Any]:
        path = "/api/v1/decisions" + (f"?after={after}" if after else "")
        answer = self.signed("GET", path)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def standing(self, resident: str) -> tuple[str, dict[str, Any]]:
        """(the request's nonce, the signed answer)."""
        body = wire.canonical({"id_number": resident})
        headers = wire.sign_request(
            self.keys.signing_key, self.keys.key_id, "POST", "/api/v1/residents/standing", body
        )
        answer = requests.post(
            self.url + "/api/v1/residents/standing",
            data=body,
            headers={**headers, "Content-Type": "application/json"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return headers[wire.HEADER_NONCE], dict(answer.json())


def pending_payload(
    terminal_id: str,
    resident: str,
    assisted_by: str | None = None,
    liveness_passed: bool = True,
) -> dict[str, Any]:
    """A pension check the terminal could not decide, as the flow records it."""
    return {
        "service": "pension_check",
        "outcome": "pending",
        "reason": "no_reference",
        "terminal_id": terminal_id,
        "service_point": SERVICE_POINT,
        "assisted_by": assisted_by,
        "resident": {
            "card_kind": "id_card",
            "name": "张秀英",
            "id_number": resident,
            "sex": "2",
            "birth_date": f"{resident[6:10]}-{resident[10:12]}-{resident[12:14]}",
        },
        "match": {},
        "liveness": {
            "passed": liveness_passed,
            "reason": "passed" if liveness_passed else "timeout",
            "restarts": 0,
            "actions": [
                {"action": "blink", "passed": True, "at_s": 2.1},
                {"action": "turn_left", "passed": liveness_passed, "at_s": 5.4},
            ],
        },
        "valid_until": None,
    }


def enrol(
    db: Path, url: str, data_dir: Path, terminal_id: str, point: str = SERVICE_POINT
) -> Terminal:
    added = central("terminals", "add", terminal_id, "--service-point", point, "--db", str(db))
    assert added.returncode == 0, added.stderr
    registered = register(data_dir, url, terminal_id, added.stdout.strip().splitlines()[-1])
    key = wire.ed25519_from_b64(registered.registration.platform_signing_key)
    return Terminal(terminal_id, registered.keys, url, key)


def put_face(url: str, resident: str, jpeg: bytes) -> None:
    answer = requests.put(
        f"{url}/api/v1/admin/reference-faces/{resident}",
        data=jpeg,
        headers={"Content-Type": "image/jpeg", **OPERATOR},
        timeout=30,
    )
    assert answer.status_code == 204, answer.text


def feed(url: str, after: str | None = None, limit: int = 100) -> dict[str, Any]:
    params = {"limit": str(limit), **({"after": after} if after else {})}
    answer = requests.get(f"{url}/api/v1/cases", params=params, headers=OPERATOR, timeout=30)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def follow_feed(url: str, after: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """Every change after `after`, following `next` page by page (3 per page)."""
    items: list[dict[str, Any]] = []
    while True:
        page = feed(url, after, limit=3)
        items += page["items"]
        if page["next"] is None:
            return items, after
        after = page["next"]


def case_state(url: str, case_id: str) -> dict[str, Any]:
    answer = requests.get(f"{url}/api/v1/cases/{case_id}", headers=OPERATOR, timeout=30)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def wait_for(check: Callable[[], Any], timeout_s: float = 90.0, what: str = "") -> Any:
    """Poll `check` until it returns something truthy (the decide worker runs on its own)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or check}")


def settled(url: str, case_id: str) -> dict[str, Any] | None:
    """The case once the decide worker is done with it (decided or in review)."""
    item = case_state(url, case_id)
    return item if item["state"] in ("decided", "awaiting_review") else None


def review_list(db: Path) -> list[dict[str, Any]]:
    listed = central("review", "list", "--json", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    return list(json.loads(listed.stdout)["cases"])
