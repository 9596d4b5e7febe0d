"""Typed configuration: defaults, layering, and errors that name the file, key and fix."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from config import DEFAULT_FILE, ConfigError, as_dict, load_settings, mask_url_password
from config.settings import FlowSettings, Settings
from kiosk.flow import FlowConfig, Step
from kiosk.flow.model import DEFAULT_TIMEOUTS_S, SAME_TIME_AS

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "terminal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_toml_mirrors_the_dataclass_defaults() -> None:
    from_file = as_dict(load_settings(), mask_secrets=False)
    from_code = as_dict(Settings(), mask_secrets=False)
    assert from_file == from_code
    # every key the code declares is written (and so documented) in default.toml
    table = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    for section, values in from_code.items():
        if isinstance(values, dict):
            assert set(values) == set(table[section]), section


def test_terminal_file_overrides_key_by_key(tmp_path: Path) -> None:
    text = '[printer]\npaper_width_mm = 58\n[card_reader.simulated]\nname = "李四"\n'
    path = write(tmp_path, text)
    settings = load_settings(path)
    assert settings.printer.paper_width_mm == 58
    assert settings.printer.qr_mode == "native"  # untouched default
    assert settings.card_reader.simulated.name == "李四"
    assert settings.card_reader.simulated.id_number == "110101195001011239"
    assert settings.source == str(path)


def test_example_terminal_file_is_valid() -> None:
    settings = load_settings(REPO / "config" / "terminal.example.toml")
    assert settings.card_reader.backend == "sam-serial"
    assert settings.platform.embedded is False


def test_flow_table_has_one_time_limit_per_timed_step_and_matches_the_flow() -> None:
    steps = {f.name for f in dataclasses.fields(FlowSettings)} - {"more_time_answer_s"}
    assert steps == {f"{step}_s" for step in DEFAULT_TIMEOUTS_S}
    # the welcome screen waits forever; the rating's reason runs the rating's own limit
    assert set(DEFAULT_TIMEOUTS_S) == set(Step) - {Step.IDLE} - set(SAME_TIME_AS)
    assert set(SAME_TIME_AS.values()) <= set(DEFAULT_TIMEOUTS_S)
    # the config defaults are the flow's own defaults
    assert FlowConfig.from_limits(FlowSettings()) == FlowConfig()


def test_terminal_time_limits_reach_the_flow(tmp_path: Path) -> None:
    path = write(tmp_path, "[flow]\nmatching_s = 20\nhelp_s = 600\nmore_time_answer_s = 15\n")
    config = FlowConfig.from_limits(load_settings(path).flow, max_card_attempts=2)
    assert config.timeout_of(Step.MATCHING) == 20.0
    assert config.timeout_of(Step.HELP) == 600.0
    assert config.timeout_of(Step.CONSENT) == 90.0  # untouched default
    assert (config.more_time_answer_s, config.max_card_attempts) == (15.0, 2)


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.ui.fullscreen = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "key", "fix"),
    [
        ('[printer]\nbackend = "thermal"\n', "printer.backend", "'simulated', 'escpos'"),
        ("[printer]\npaper_width = 80\n", "printer.paper_width", "paper_width_mm"),
        ('[flow]\nconsent_s = "soon"\n', "flow.consent_s", "whole number"),
        ("[flow]\nconsent_s = 1\n", "flow.consent_s", "from 10 to 3600"),
        ("[flow]\nmatching_s = 0\n", "flow.matching_s", "from 5 to 600"),
        ("[flow]\nidle_s = 60\n", "flow.idle_s", "Allowed keys"),
        ("[card_reader]\nbaud = 12345\n", "card_reader.baud", "115200"),
        ("[nope]\nx = 1\n", "nope", "Allowed keys"),
        ("[printer]\nfullscreen = true\n", "printer.fullscreen", "Allowed keys"),
        ("ui = 3\n", "ui", "[ui]"),
        ('[face]\nactions = "blink"\n', "face.actions", "list"),
        ('[platform]\nverify_url = "yanglao.example.gov.cn"\n', "platform.verify_url", "http(s)"),
        (
            '[card_reader.simulated]\nvalid_to = "2020/06/30"\n',
            "card_reader.simulated.valid_to",
            "YYYY-MM-DD",
        ),
        ('[platform]\nverify_url = "https://x.cn/?a=1"\n', "platform.verify_url", "without ?"),
        (f'[platform]\nverify_url = "https://{"a" * 60}.cn"\n', "platform.verify_url", "60"),
    ],
)
def test_bad_values_name_file_key_and_fix(tmp_path: Path, text: str, key: str, fix: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.key == key
    assert str(path) in caught.value.message
    assert fix in caught.value.message


def test_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[printer\nbackend=1")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(path) in caught.value.message
    assert "not valid TOML" in caught.value.message


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "absent.toml")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, check=False
    )


def test_cli_config_check_masks_secrets() -> None:
    result = run_cli("config", "check", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["settings"]["technician"]["pin_hash"] == "********"
    assert data["settings"]["printer"]["backend"] == "simulated"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:s3cret@host/", "https://user:********@host/"),
        ("https://u:p@ss:w0rd@host:8443/x?y=1", "https://u:********@host:8443/x?y=1"),
        ("https://:s3cret@host/", "https://:********@host/"),
        ("https://user@host/", "https://user@host/"),  # no password: nothing to hide
        ("https://host/a:b@c", "https://host/a:b@c"),  # "@" in the path is not user info
    ],
)
def test_url_passwords_are_masked(url: str, shown: str) -> None:
    assert mask_url_password(url) == shown


def test_cli_config_check_masks_a_password_in_a_url(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[platform]\nurl = "https://user:s3cret@host/"\n'
        '[printer]\ntarget = "tcp://lp:pr1nt@10.0.0.9:9100"\n',
    )
    result = run_cli("config", "check", "--config", str(path), "--json")
    assert result.returncode == 0, result.stderr
    assert "s3cret" not in result.stdout and "pr1nt" not in result.stdout
    shown = json.loads(result.stdout)["settings"]
    assert shown["platform"]["url"] == "https://user:********@host/"
    assert shown["printer"]["target"] == "tcp://lp:********@10.0.0.9:9100"
    text = run_cli("config", "check", "--config", str(path))
    assert text.returncode == 0, text.stderr
    assert "s3cret" not in text.stdout and 'platform.url = "https://user:********@host/"' in (
        text.stdout
    )
    # the settings themselves keep the real URL
    assert load_settings(path).platform.url == "https://user:s3cret@host/"
    assert as_dict(load_settings(path), mask_secrets=False)["platform"]["url"].endswith("@host/")


def test_cli_config_check_bad_file_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, '[camera]\nbackend = "webcam"\n')
    result = run_cli("config", "check", "--config", str(path))
    assert result.returncode == 2
    assert "camera.backend" in result.stderr
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_that_moved_says_where_it_went(tmp_path: Path) -> None:
    path = write(tmp_path, "[ui]\nidle_timeout_s = 90\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = caught.value.message
    assert str(path) in message and "ui.idle_timeout_s" in message
    assert "[flow]" in message and "read_card_s" in message
