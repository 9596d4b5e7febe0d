"""The optional WLT photo decoder, loaded with ctypes from the path in config.

The vendor's libwlt2bmp.so cannot be shipped or run here, so a stand-in with the same C
signature (`int unpack(char *wlt, char *bmp, int save)`, 1 = ok, a 102x126 24-bit BMP out) is
compiled for the test: this is the one mocked edge, the ctypes loading and calling are real.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from cardtests.helpers import collect, kiosk, write_config
from cardtests.sam_emulator import IdCard, SamEmulator
from devices.card_reader.base import CardInserted, ReadFailed
from devices.card_reader.sam_serial import SamSerialCardReader
from devices.card_reader.wlt import BMP_SIZE, WltDecoder

STAND_IN = r"""
#include <string.h>
int unpack(char *wlt, char *bmp, int save) {
    (void)save;
    if ((unsigned char)wlt[0] == 0xFF) return -1;          /* "not a WLT photo" */
    const int w = 102, h = 126, row = (w * 3 + 3) & ~3, size = 54 + row * h;
    unsigned char hdr[54] = {'B', 'M'};
    memcpy(hdr + 2, &size, 4);
    hdr[10] = 54; hdr[14] = 40;
    memcpy(hdr + 18, &w, 4); memcpy(hdr + 22, &h, 4);
    hdr[26] = 1; hdr[28] = 24;
    memcpy(bmp, hdr, 54);
    for (int i = 0; i < row * h; i++) bmp[54 + i] = wlt[i % 1024];
    return 1;
}
"""


@pytest.fixture(scope="module")
def stand_in_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build the WLT decoder stand-in")
    folder = tmp_path_factory.mktemp("wlt")
    (folder / "wlt.c").write_text(STAND_IN)
    library = folder / "libwlt2bmp.so"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O1", "-o", str(library), str(folder / "wlt.c")],
        check=True,
        capture_output=True,
    )
    return library


def test_no_path_or_a_broken_path_means_no_decoder(tmp_path: Path) -> None:
    assert WltDecoder.load("") is None
    assert WltDecoder.load(str(tmp_path / "missing.so")) is None
    not_a_library = tmp_path / "libfake.so"
    not_a_library.write_bytes(b"not an ELF file")
    assert WltDecoder.load(str(not_a_library)) is None


def test_decodes_to_a_102_by_126_bmp(stand_in_library: Path) -> None:
    decoder = WltDecoder.load(str(stand_in_library))
    assert decoder is not None
    bmp = decoder.decode(IdCard().photo)
    assert bmp is not None
    assert len(bmp) == BMP_SIZE
    with Image.open(io.BytesIO(bmp)) as image:
        assert image.size == (102, 126)


def test_refused_photo_stays_wlt(stand_in_library: Path, sam: SamEmulator) -> None:
    decoder = WltDecoder.load(str(stand_in_library))
    card_reader = SamSerialCardReader(sam.port, read_timeout_s=0.5, wlt_decoder=decoder)
    card_reader.open()
    try:
        sam.card = IdCard(photo=b"\xff" * 1024)
        event = collect(card_reader, lambda e: isinstance(e, CardInserted | ReadFailed), 5)[-1]
        assert isinstance(event, CardInserted)
        assert event.identity.photo_format == "wlt"
        assert event.identity.photo_bytes == b"\xff" * 1024
    finally:
        card_reader.close()


def test_read_card_decodes_the_photo_when_configured(
    stand_in_library: Path, sam: SamEmulator, tmp_path: Path
) -> None:
    config = write_config(tmp_path, f'[card_reader]\nwlt_decoder = "{stand_in_library}"\n')
    sam.card = IdCard()
    result = kiosk("--config", config, "--backend", "sam-serial", "--port", sam.port,
                   "--timeout", "10", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert (card["photo_format"], card["photo_bytes"]) == ("bmp", BMP_SIZE)
