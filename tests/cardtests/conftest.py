"""Fixtures for the card tests: one real pcscd per session, the vpcd card, the pty SAM reader."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cardtests.pcscd import Pcscd, PcscdError
from cardtests.sam_emulator import SamEmulator
from cardtests.vpcd_card import VpcdCardEmulator


@pytest.fixture(scope="session")
def pcscd() -> Iterator[Pcscd]:
    try:
        daemon = Pcscd.session()
    except PcscdError as exc:
        pytest.skip(f"no usable pcscd: {exc}")
    yield daemon
    daemon.stop()


@pytest.fixture
def vpcd(pcscd: Pcscd) -> Iterator[VpcdCardEmulator]:
    emulator = VpcdCardEmulator()
    yield emulator
    emulator.remove()


@pytest.fixture
def sam() -> Iterator[SamEmulator]:
    with SamEmulator() as emulator:
        yield emulator
