"""Fixtures for the printer and certificate tests."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devices.card_reader.identity import CardKind, Identity
from kiosk.records.certificate import Certificate, issue_certificate
from printtests.fake_printer import FakeNetworkPrinter

NOW = dt.datetime(2026, 11, 24, 2, 30, tzinfo=dt.UTC)


@pytest.fixture
def network_printer() -> Iterator[FakeNetworkPrinter]:
    fake = FakeNetworkPrinter()
    yield fake
    fake.stop()


@pytest.fixture
def refused_port() -> int:
    """A local port nothing listens on: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def identity() -> Identity:
    return Identity(CardKind.ID_CARD, "张秀英", "110101195001011239").validated()


@pytest.fixture
def certificate(identity: Identity) -> Certificate:
    return issue_certificate(
        identity, terminal_id="SIM-0001", service_point="示范村便民服务站", now=NOW
    )


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()
