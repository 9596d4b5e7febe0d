"""ESC/POS bytes from the layout: Chinese framing, native QR, cut, raster mode, paper width."""

from __future__ import annotations

import re

import pytest

from config.settings import PrinterSettings
from devices.printer.escpos_render import (
    CHINESE_OFF,
    CHINESE_ON,
    RenderOptions,
    encode_line,
    render_escpos,
)
from devices.printer.layout import KeyValue, QrCode, Receipt, Rule, Text
from devices.printer.text import columns_for, display_width, key_value_lines, wrap
from kiosk.records.certificate import Certificate
from kiosk.records.layouts import certificate_receipt

TOKEN = "eyJhbGciOiJFZERTQSJ9." + "A" * 180 + "." + "B" * 86
RASTER = b"\x1dv0"  # GS v 0: raster bit image
QR_STORE = b"\x1d(k"


def render(receipt: Receipt, **options: object) -> bytes:
    return render_escpos(receipt, RenderOptions(**options))  # type: ignore[arg-type]


def framed(text: str) -> re.Pattern[bytes]:
    """FS & ... <text in GB18030> ... FS . on one line."""
    body = re.escape(text.encode("gb18030"))
    return re.compile(
        re.escape(CHINESE_ON)
        + b"[^\x1c\n]*"
        + body
        + b"[^\x1c\n]*"
        + re.escape(CHINESE_OFF)
        + b"\n"
    )


def native_qr_payload(data: bytes) -> bytes:
    """GS ( k <pL pH> 1 P 0 <data>: store the symbol data (function 180)."""
    size = len(data) + 3
    return QR_STORE + bytes((size & 0xFF, size >> 8)) + b"1P0" + data


def test_certificate_text_mode_frames_chinese_and_sends_native_qr(certificate: Certificate) -> None:
    data = render(certificate_receipt(certificate, TOKEN))
    assert data.startswith(b"\x1b@")  # ESC @ initialise
    assert framed("张*英").search(data)
    assert framed("认证凭证").search(data)
    assert framed("示范村便民服务站").search(data)
    assert native_qr_payload(TOKEN.encode()) in data
    assert data.endswith(b"\x1dV\x00")  # GS V full cut, after the feed
    assert RASTER not in data
    assert len(data) < 6 * 1024


def test_ascii_lines_go_out_plain_and_cjk_punctuation_is_not_lost() -> None:
    assert encode_line("1101**********1239") == b"1101**********1239\n"
    punctuation = "标点：，。“”（）"
    assert (
        encode_line(punctuation) == CHINESE_ON + punctuation.encode("gb18030") + CHINESE_OFF + b"\n"
    )
    assert b"?" not in encode_line(punctuation)


def test_raster_mode_sends_images_instead_of_chinese_text(certificate: Certificate) -> None:
    data = render(certificate_receipt(certificate, TOKEN), text_mode="raster")
    assert CHINESE_ON not in data
    assert "张*英".encode("gb18030") not in data
    assert data.count(RASTER) >= 2  # text before and after the QR code
    assert native_qr_payload(TOKEN.encode()) in data  # the QR code stays native


def test_qr_image_mode_sends_no_native_qr(certificate: Certificate) -> None:
    data = render(certificate_receipt(certificate, TOKEN), qr_mode="image")
    assert QR_STORE not in data
    assert RASTER in data
    assert framed("张*英").search(data)


@pytest.mark.parametrize("width", [384, 576])
def test_raster_images_are_as_wide_as_the_paper(certificate: Certificate, width: int) -> None:
    data = render(certificate_receipt(certificate, TOKEN), width_dots=width, text_mode="raster")
    header = data.index(RASTER)
    width_bytes = int.from_bytes(data[header + 4 : header + 6], "little")
    assert width_bytes == width // 8


@pytest.mark.parametrize("width", [384, 576])
def test_every_printed_line_fits_the_paper(certificate: Certificate, width: int) -> None:
    data = render(certificate_receipt(certificate, TOKEN), width_dots=width)
    cols = columns_for(width)
    lines = [m.group(1).decode("gb18030") for m in re.finditer(b"\x1c&([^\x1c]*)\x1c\\.", data)]
    assert lines
    assert all(display_width(line) <= cols for line in lines)


def test_58mm_settings_narrow_the_page() -> None:
    assert RenderOptions.from_settings(PrinterSettings(paper_width_mm=58)).width_dots == 384
    assert RenderOptions.from_settings(PrinterSettings(paper_width_mm=80)).width_dots == 576


def test_wrap_counts_chinese_as_two_columns() -> None:
    assert display_width("张*英") == 5
    assert wrap("中文中文中", 4) == ["中文", "中文", "中"]
    assert wrap("abc def", 4) == ["abc", "def"]
    assert key_value_lines("姓名", "张*英", 20) == ["姓名" + " " * 11 + "张*英"]
    long = key_value_lines("服务网点", "示范省示范市示范县示范乡镇示范村便民服务站", 32)
    assert long[0] == "服务网点" and all(display_width(line) <= 32 for line in long)


def test_magnified_text_wraps_at_fewer_columns() -> None:
    receipt = Receipt("test_page", "j", (Text("认证凭证认证凭证认证凭证认证凭证", size=2), Rule()))
    data = render(receipt, width_dots=384)
    assert b"\x1d!\x11" in data  # GS ! double width and height
    # 384 dots = 32 columns, 16 at double width: 8 Chinese characters a line, so two lines
    assert data.count(CHINESE_ON) == 2
    assert b"-" * 32 + b"\n" in data  # the rule is back at normal size


def test_qr_caption_is_printed_as_centred_text() -> None:
    receipt = Receipt("test_page", "j", (QrCode("hello", caption="扫码核验"), KeyValue("a", "b")))
    data = render(receipt)
    caption = data.index(framed("扫码核验").search(data).group(0))  # type: ignore[union-attr]
    assert data.rindex(b"\x1ba\x01", 0, caption) > data.index(QR_STORE)
