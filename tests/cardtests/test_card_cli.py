"""`kiosk read-card` as a technician runs it: a real subprocess against the emulators."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cardtests.helpers import kiosk, write_config
from cardtests.pcscd import VPCD_READER, Pcscd
from cardtests.sam_emulator import FIND, READ, SELECT, IdCard, SamEmulator
from cardtests.ssc_card import OtherCard, gen1_card, gen2_card
from cardtests.vpcd_card import VpcdCardEmulator
from devices.card_reader import ga467

CONTRACT_KEYS = {
    "card_kind", "name", "id_number", "sex", "nation", "birth_date", "address",
    "valid_from", "valid_to", "ssc_number", "photo_format", "photo_bytes",
}  # fmt: skip


def one_line_reason(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- simulated ------------------------------------------------------------------------------
def test_simulated_card_masked_by_default(tmp_path: Path) -> None:
    config = write_config(tmp_path, "[card_reader.simulated]\ninsert_after_s = 0.2\n")
    result = kiosk("--config", config, "--backend", "simulated", "--timeout", "10", "--json")
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert card.keys() >= CONTRACT_KEYS
    assert (card["name"], card["id_number"]) == ("张*英", "1101**********1239")
    assert card["card_kind"] == "id_card"


def test_simulated_card_revealed(tmp_path: Path) -> None:
    config = write_config(tmp_path, "[card_reader.simulated]\ninsert_after_s = 0.2\n")
    result = kiosk("--config", config, "--timeout", "10", "--reveal", "--json")
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert (card["name"], card["id_number"]) == ("张秀英", "110101195001011239")


def test_simulated_no_card_in_time_exits_1(tmp_path: Path) -> None:
    config = write_config(tmp_path, "[card_reader.simulated]\ninsert_after_s = 600.0\n")
    result = kiosk("--config", config, "--timeout", "0.5", "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no card" in one_line_reason(result)


def test_simulated_unreadable_card_exits_3(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, '[card_reader.simulated]\ninsert_after_s = 0.1\nfault = "unreadable"\n'
    )
    result = kiosk("--config", config, "--timeout", "10", "--json")
    assert result.returncode == 3
    assert "CardReadError" in one_line_reason(result)


def test_simulated_unplugged_reader_exits_3(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[card_reader.simulated]\nfault = "unplugged"\n')
    result = kiosk("--config", config, "--timeout", "2", "--json")
    assert result.returncode == 3
    assert "unplugged" in one_line_reason(result)


@pytest.mark.parametrize(
    "args",
    [
        ["--timeout", "0"],
        ["--timeout", "nan"],
        ["--baud", "1234"],
        ["--backend", "nfc"],
        ["--config", "/no/such/terminal.toml"],
    ],
    ids=["zero-timeout", "nan-timeout", "bad-baud", "bad-backend", "missing-config"],
)
def test_bad_arguments_exit_2(args: list[str]) -> None:
    result = kiosk(*args, "--json")
    assert result.returncode == 2
    assert result.stdout == ""


def test_bad_config_exits_2(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[card_reader]\nbackend = "usb"\n')
    result = kiosk("--config", config, "--json")
    assert result.returncode == 2
    assert "card_reader.backend" in result.stderr


def test_empty_serial_port_in_config_exits_2(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[card_reader]\nbackend = "sam-serial"\nport = ""\n')
    result = kiosk("--config", config, "--timeout", "1", "--json")
    assert result.returncode == 2
    reason = one_line_reason(result)
    assert f"{config}: card_reader.port" in reason
    assert "/dev/ttyUSB0" in reason  # the fix


def test_sam_serial_backend_over_a_config_without_port_exits_2(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[card_reader]\nbackend = "pcsc"\nport = ""\n')
    result = kiosk("--config", config, "--backend", "sam-serial", "--timeout", "1", "--json")
    assert result.returncode == 2
    reason = one_line_reason(result)
    assert "card_reader.port" in reason
    assert "--port" in reason


def test_empty_port_argument_exits_2() -> None:
    result = kiosk("--backend", "sam-serial", "--port", " ", "--timeout", "1", "--json")
    assert result.returncode == 2
    assert "--port" in one_line_reason(result)


# -- sam-serial -----------------------------------------------------------------------------
def test_sam_serial_reads_a_card(sam: SamEmulator) -> None:
    sam.card = IdCard()
    result = kiosk("--backend", "sam-serial", "--port", sam.port, "--baud", "115200",
                   "--timeout", "10", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert card.keys() >= CONTRACT_KEYS
    assert card["name"] == "张*英"
    assert (card["photo_format"], card["photo_bytes"]) == ("wlt", 1024)
    assert card["valid_to"] == "长期"


def test_sam_serial_no_card_exits_1(sam: SamEmulator) -> None:
    result = kiosk("--backend", "sam-serial", "--port", sam.port, "--timeout", "1", "--json")
    assert result.returncode == 1, result.stderr


def test_sam_serial_sam_error_exits_3(sam: SamEmulator) -> None:
    sam.card = IdCard()
    sam.status = {READ: 0x41}
    result = kiosk("--backend", "sam-serial", "--port", sam.port, "--timeout", "10", "--json")
    assert result.returncode == 3
    assert "0x41" in one_line_reason(result)


def test_sam_serial_bad_checksum_exits_3(sam: SamEmulator) -> None:
    sam.card = IdCard()
    sam.bad_checksum = {READ}
    result = kiosk("--backend", "sam-serial", "--port", sam.port, "--timeout", "10", "--json")
    assert result.returncode == 3
    assert result.stdout == ""
    assert "FrameError" in one_line_reason(result)


def test_sam_serial_corrupt_answers_exit_3_with_the_reader_fault(sam: SamEmulator) -> None:
    sam.bad_checksum = {FIND}  # every answer to "find" corrupt: the line or reader is broken
    result = kiosk("--backend", "sam-serial", "--port", sam.port, "--timeout", "4", "--json")
    assert result.returncode == 3
    reason = one_line_reason(result)
    assert "card reader error" in reason
    assert "corrupt" in reason


def test_sam_serial_sam_fault_exits_3_as_a_reader_fault(sam: SamEmulator) -> None:
    sam.card = IdCard()
    sam.status = {SELECT: 0x60}
    result = kiosk("--backend", "sam-serial", "--port", sam.port, "--timeout", "10", "--json")
    assert result.returncode == 3
    reason = one_line_reason(result)
    assert "SamFault" in reason
    assert "0x60" in reason


def test_sam_serial_expired_card_reads_with_the_contract_keys(sam: SamEmulator) -> None:
    sam.card = IdCard(valid_from="20000101", valid_to="20200101")
    result = kiosk("--backend", "sam-serial", "--port", sam.port, "--timeout", "10", "--json")
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert card["valid_to"] == "2020-01-01"
    unexpired = ga467.identity_from_read(IdCard().read_data()).to_json()
    assert card.keys() == unexpired.keys()  # expiry adds no key to the contract


def test_sam_serial_silent_reader_exits_3(sam: SamEmulator) -> None:
    sam.silent = True
    result = kiosk("--backend", "sam-serial", "--port", sam.port, "--timeout", "5", "--json")
    assert result.returncode == 3
    assert "no GA 467 reader answers" in one_line_reason(result)


# -- pcsc -----------------------------------------------------------------------------------
@pytest.mark.pcsc
def test_pcsc_reads_a_social_security_card(vpcd: VpcdCardEmulator) -> None:
    vpcd.insert(gen1_card())
    result = kiosk("--backend", "pcsc", "--reader", VPCD_READER, "--timeout", "10",
                   "--reveal", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert card["card_kind"] == "social_security"
    assert (card["name"], card["id_number"]) == ("张秀英", "110101195001011239")
    assert card["ssc_number"] == "A12345678"


@pytest.mark.pcsc
def test_pcsc_no_card_exits_1(vpcd: VpcdCardEmulator) -> None:
    result = kiosk("--backend", "pcsc", "--reader", VPCD_READER, "--timeout", "1", "--json")
    assert result.returncode == 1, result.stderr


@pytest.mark.pcsc
def test_pcsc_other_card_exits_3(vpcd: VpcdCardEmulator) -> None:
    vpcd.insert(OtherCard())
    result = kiosk("--backend", "pcsc", "--reader", VPCD_READER, "--timeout", "10", "--json")
    assert result.returncode == 3
    assert "NotSupportedCard" in one_line_reason(result)


@pytest.mark.pcsc
def test_pcsc_pin_protected_card_exits_3(vpcd: VpcdCardEmulator) -> None:
    vpcd.insert(gen1_card(pin=b"\x12\x34\x56"))
    result = kiosk("--backend", "pcsc", "--reader", VPCD_READER, "--timeout", "10", "--json")
    assert result.returncode == 3
    assert result.stdout == ""
    assert "PinRequired" in one_line_reason(result)


@pytest.mark.pcsc
def test_pcsc_card_removed_during_the_read_exits_3(vpcd: VpcdCardEmulator) -> None:
    vpcd.cut_after = 4  # answers the selects, vanishes while the records are read
    vpcd.insert(gen2_card())
    result = kiosk("--backend", "pcsc", "--reader", VPCD_READER, "--timeout", "10", "--json")
    assert result.returncode == 3
    assert result.stdout == ""
    reason = one_line_reason(result)
    assert "CardReadError" in reason
    assert "removed or not answering" in reason


@pytest.mark.pcsc
def test_pcsc_missing_reader_exits_3(pcscd: Pcscd) -> None:
    result = kiosk("--backend", "pcsc", "--reader", "No Such Reader", "--timeout", "1", "--json")
    assert result.returncode == 3
    assert "no_reader" in one_line_reason(result)


@pytest.mark.pcsc
def test_pcsc_service_down_exits_3(pcscd: Pcscd) -> None:
    if not pcscd.owned:
        pytest.skip("pcscd was started outside the tests; not stopping it")
    pcscd.stop()
    try:
        result = kiosk("--backend", "pcsc", "--timeout", "2", "--json")
    finally:
        pcscd.start()
    assert result.returncode == 3
    assert "PC/SC service not available" in one_line_reason(result)
