"""PNG previews and the simulated printer: Chinese glyphs really drawn (no boxes), one
layout for paper and screen, fault knobs."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from PIL import Image, ImageFont

from devices.printer.base import PrinterError, PrinterNotReady, PrinterStatus
from devices.printer.escpos_render import RenderOptions
from devices.printer.fonts import FontMissing, find_cjk_font, missing_glyphs
from devices.printer.layout import KeyValue, Receipt, Rule, Text
from devices.printer.preview import paint_blocks, render_png
from devices.printer.simulated import SimulatedPrinter
from kiosk.cli.print_cmd import sample_receipts
from kiosk.records.certificate import Certificate
from kiosk.records.layouts import certificate_receipt


def every_text(receipt: Receipt) -> str:
    out = []
    for block in receipt.blocks:
        out += [getattr(block, name, "") for name in ("text", "key", "value", "caption")]
    return "".join(out)


def test_the_system_cjk_font_draws_every_character_of_every_receipt(
    certificate: Certificate,
) -> None:
    face = find_cjk_font()
    assert "CJK" in face.name or "WenQuanYi" in face.name
    font = face.load(24)
    for receipt in sample_receipts(certificate, "TOKEN"):
        assert missing_glyphs(font, every_text(receipt)) == [], receipt.kind
    assert missing_glyphs(font, "\U0010fffd") == ["\U0010fffd"]  # the probe itself is a box


def test_missing_glyphs_finds_the_boxes_of_a_font_without_chinese() -> None:
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not latin.is_file():
        pytest.skip("DejaVu Sans not installed")
    assert missing_glyphs(ImageFont.truetype(str(latin), 24), "张A英") == ["张", "英"]


def test_a_missing_font_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FontMissing, match="does not exist"):
        find_cjk_font(str(tmp_path / "none.ttf"))


@pytest.mark.parametrize("width", [384, 576])
def test_preview_png_is_paper_sized_with_ink_on_every_text_line(
    certificate: Certificate, width: int
) -> None:
    for receipt in sample_receipts(certificate, "TOKEN" * 40):
        image = Image.open(io.BytesIO(render_png(receipt, width)))
        assert image.format == "PNG"
        assert image.width == width + 48  # two character cells of margin each side
        assert image.getextrema()[0] == 0  # black ink somewhere


def test_chinese_lines_are_drawn_not_blank() -> None:
    line = paint_blocks([Text("认证凭证")], 576)
    ink = line.point(lambda v: 255 if v < 128 else 0).getbbox()
    assert ink is not None
    left, _, right, _ = ink
    assert 80 <= right - left <= 96  # four full-width characters of 24 dots each


def test_key_value_lines_reach_the_right_edge() -> None:
    image = paint_blocks([KeyValue("姓名", "张*英"), Rule()], 384)
    row = image.crop((0, 0, 384, 34)).point(lambda v: 255 if v < 128 else 0)
    bbox = row.getbbox()
    assert bbox is not None and bbox[2] >= 384 - 4


def test_simulated_printer_writes_bytes_and_preview(
    tmp_path: Path, certificate: Certificate
) -> None:
    printer = SimulatedPrinter(tmp_path / "printer", RenderOptions())
    printer.open()
    receipt = certificate_receipt(certificate, "TOKEN")
    sent = printer.print_receipt(receipt)
    printer.close()
    assert (tmp_path / "printer" / f"{receipt.job_id}.bin").read_bytes() == sent
    png = (tmp_path / "printer" / f"{receipt.job_id}.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert not list((tmp_path / "printer").glob("*.tmp"))


def test_simulated_faults_are_set_from_another_thread(
    tmp_path: Path, certificate: Certificate
) -> None:
    printer = SimulatedPrinter(tmp_path, RenderOptions(), fault="paper_out")
    printer.open()
    receipt = certificate_receipt(certificate, "TOKEN")
    with pytest.raises(PrinterNotReady) as refused:
        printer.print_receipt(receipt)
    assert refused.value.status is PrinterStatus.PAPER_OUT
    technician = threading.Thread(
        target=printer.set_fault, args=("cover_open",), name="kiosk-test-technician"
    )
    technician.start()
    technician.join()
    assert printer.status() is PrinterStatus.COVER_OPEN
    printer.set_fault("none")
    assert printer.print_receipt(receipt)
    with pytest.raises(ValueError, match="unknown"):
        printer.set_fault("jammed")  # type: ignore[arg-type]


def test_simulated_offline_printer_cannot_open(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path, RenderOptions(), fault="offline")
    with pytest.raises(PrinterNotReady):
        printer.open()
    with pytest.raises(PrinterError):
        printer.print_receipt(Receipt("test_page", "t"))
