"""The certificate's QR code, read the way a phone reads it: the printed receipt's raster
(the simulated printer's paper) decoded with zxing-cpp, opened in a real Chromium against a
real `kiosk-central serve`, and the same link checked by the offline verifier."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageFilter
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from config.settings import PlatformSettings, PrinterSettings, Settings, TerminalSettings
from contract.certificates import sign_certificate, token_in
from devices.card_reader.identity import CardKind, Identity
from devices.printer.escpos_render import DOTS_PER_MM, RenderOptions
from devices.printer.layout import QrCode, Receipt
from devices.printer.preview import qr_module_dots, qr_side_modules
from devices.printer.simulated import SimulatedPrinter
from kiosk.flow import commands as cmd
from kiosk.flow.model import Outcome, ReceiptKind
from kiosk.records.certificate import SignedCertificate, issue_certificate
from kiosk.records.receipts import ReceiptBuilder, verify_base_url
from tests.queuetests.phone_browser import open_phone_browser
from tests.queuetests.platform_proc import REPO_ROOT, Kiosk, enrol, serving

pytestmark = pytest.mark.slow

TERMINAL = "GD0106-017"
# paper width (mm) -> the printable dots of a 203 dpi head
PAPERS = {80: 576, 58: 384}


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    driver = open_phone_browser(tmp_path / "chromium-profile")
    yield driver
    driver.quit()


def _settings(data_dir: Path, paper_mm: int, verify_url: str = "") -> Settings:
    return Settings(
        terminal=TerminalSettings(id=TERMINAL, data_dir=data_dir),
        printer=PrinterSettings(paper_width_mm=paper_mm, dots_per_line=PAPERS[paper_mm]),  # type: ignore[arg-type]
        platform=PlatformSettings(verify_url=verify_url, embedded=False),
    )


def _printed_certificate(kiosk: Kiosk, settings: Settings) -> tuple[Receipt, bytes]:
    """A verified check's certificate, signed with the kiosk's registered key, built by the
    kiosk's receipt builder and printed on the simulated printer: (receipt, paper PNG)."""
    data_dir = settings.terminal.data_dir
    holder = Identity(CardKind.ID_CARD, "张秀英", "110101195001011239", sex="2").validated()
    cert = issue_certificate(
        holder,
        terminal_id=TERMINAL,
        service_point="示范村便民服务站",
        now=dt.datetime.now(dt.UTC),
    )
    token = sign_certificate(cert.token_fields(), kiosk.keys.signing_key, kiosk.keys.key_id)
    builder = ReceiptBuilder(settings, lambda _r: "", lambda: verify_base_url(settings, data_dir))
    job = builder.build(
        cmd.PrintReceipt(
            ReceiptKind.CERTIFICATE,
            "case-1",
            Outcome.VERIFIED,
            holder,
            certificate=SignedCertificate(cert, token),
        )
    )
    assert job.receipt is not None
    printer = SimulatedPrinter.from_settings(settings.printer, data_dir)
    printer.open()
    try:
        printer.print_receipt(job.receipt)
    finally:
        printer.close()
    return job.receipt, (data_dir / "printer" / f"{job.receipt.job_id}.png").read_bytes()


def _scan(png: bytes, *, phone: bool = False) -> str:
    """What a scanner reads off the paper. `phone`: as a cheap phone's camera sees it, at half
    the paper's resolution (~100 dpi: 2-3 pixels a module) and slightly out of focus."""
    image = Image.open(io.BytesIO(png)).convert("L")
    if phone:
        image = image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR)
        image = image.filter(ImageFilter.GaussianBlur(0.8))
    codes = [c for c in zxingcpp.read_barcodes(image) if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(codes) == 1, f"{len(codes)} QR codes read"
    return str(codes[0].text)


@pytest.mark.parametrize("paper_mm", sorted(PAPERS))
def test_the_printed_qr_code_opens_the_platforms_verify_page_that_says_valid(
    tmp_path: Path, browser: object, paper_mm: int
) -> None:
    db = tmp_path / "central.sqlite3"
    with serving(db) as url:
        kiosk = enrol(db, url, tmp_path / "kiosk", TERMINAL, "示范村便民服务站")
        # No verify_url configured: the QR code sends the phone to the platform registered with.
        settings = _settings(tmp_path / "kiosk", paper_mm)
        receipt, png = _printed_certificate(kiosk, settings)
        [qr] = [b for b in receipt.blocks if isinstance(b, QrCode)]
        scanned = _scan(png)
        assert scanned == qr.data
        assert scanned.startswith(f"{url}/verify/"), scanned
        assert _scan(png, phone=True) == scanned
        browser.get(scanned)  # type: ignore[attr-defined]
        WebDriverWait(browser, 20).until(  # type: ignore[arg-type]
            lambda d: "证书" in d.find_element(By.TAG_NAME, "body").text
        )
        page = browser.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    assert "证书有效" in page, page
    # The figures a technician needs: the symbol's version and its module on paper.
    options = RenderOptions.from_settings(settings.printer)
    modules = qr_side_modules(scanned)
    dots = qr_module_dots(modules, qr.module_size, options.width_dots, options.margin_dots)
    print(
        f"\n{paper_mm} mm: {len(scanned)} characters, QR version {(modules - 17) // 4} "
        f"({modules} modules), {dots} dots = {dots / DOTS_PER_MM:.3f} mm a module"
    )
    # 5 dots (0.625 mm): 4 did not survive the phone's blur above (2 pixels a module).
    assert dots >= 5
    # The offline verifier takes what the QR code carries as it is.
    config = tmp_path / "terminal.toml"
    config.write_text(f'[terminal]\nid = "{TERMINAL}"\ndata_dir = "{tmp_path / "kiosk"}"\n')
    offline = subprocess.run(
        [sys.executable, "-m", "kiosk", "certificate", "verify", scanned, "--config", str(config)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert offline.returncode == 0, offline.stderr
    assert offline.stdout.startswith("VALID")


def test_a_configured_public_address_wins_and_no_platform_prints_the_bare_token(
    tmp_path: Path,
) -> None:
    db = tmp_path / "central.sqlite3"
    with serving(db) as url:
        kiosk = enrol(db, url, tmp_path / "kiosk", TERMINAL)
    public = "https://yanglao.example.gov.cn"
    settings = _settings(tmp_path / "kiosk", 58, verify_url=public)
    _, png = _printed_certificate(kiosk, settings)
    scanned = _scan(png)
    assert scanned.startswith(f"{public}/verify/")
    # A terminal that knows no platform at all (never registered, no url): the bare token.
    lone = _settings(tmp_path / "lone", 58)
    _, lone_png = _printed_certificate(kiosk, lone)
    bare = _scan(lone_png)
    assert "://" not in bare and bare.count(".") == 2 and token_in(bare) == bare
