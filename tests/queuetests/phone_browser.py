"""Browsers for web page tests: Debian's Chromium driven by Selenium through chromedriver, on
a desktop or at phone width (390 CSS px, 3 device pixels per CSS pixel, touch)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
PHONE_WIDTH = 390


def open_chromium(profile: Path, *flags: str) -> Any:
    """A headless Debian Chromium driven through chromedriver, with `flags` added; the caller
    quits it."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("chromium and chromium-driver are missing: run ./dev setup")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *flags,
    ):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def open_phone_browser(profile: Path) -> Any:
    """A headless Chromium sized like a phone; the caller quits it."""
    driver = open_chromium(profile)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 3, "mobile": True},
    )
    return driver
