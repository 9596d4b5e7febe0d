"""Certificate print job: size and build time per mode, token size and speed. Prints JSON.

    .venv/bin/python bench/print_job.py [--runs 50]

Targets (issue 5): text + native QR job at most 6 KB and at most 100 ms to build (sign the
token, lay out, render to ESC/POS). Raster-mode size is reported for printers without a
Chinese font.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contract.certificates import sign_certificate, verify_token
from contract.keys import key_id_of
from devices.card_reader.identity import CardKind, Identity
from devices.printer.escpos_render import RenderOptions, render_escpos
from devices.printer.preview import render_png
from kiosk.records.certificate import issue_certificate
from kiosk.records.layouts import certificate_receipt

MAX_BYTES, MAX_MS = 6 * 1024, 100.0


def timed(fn: Callable[[], Any], runs: int) -> tuple[Any, dict[str, float]]:
    start = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - start) * 1000
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return result, {
        "first_ms": round(first, 2),
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    key = Ed25519PrivateKey.generate()
    kid = key_id_of(key.public_key())
    identity = Identity(CardKind.ID_CARD, "张秀英", "110101195001011239")
    now = dt.datetime.now(dt.UTC)

    def certificate_job(options: RenderOptions) -> Callable[[], bytes]:
        def build() -> bytes:
            cert = issue_certificate(
                identity, terminal_id="SIM-0001", service_point="示范村便民服务站", now=now
            )
            token = sign_certificate(cert.token_fields(), key, kid)
            return render_escpos(certificate_receipt(cert, token), options)

        return build

    report: dict[str, Any] = {"runs": args.runs}
    for name, options in {
        "text_native_qr_80mm": RenderOptions(576, "gb18030", "native"),
        "text_native_qr_58mm": RenderOptions(384, "gb18030", "native"),
        "text_image_qr_80mm": RenderOptions(576, "gb18030", "image"),
        "raster_native_qr_80mm": RenderOptions(576, "raster", "native"),
        "raster_image_qr_80mm": RenderOptions(576, "raster", "image"),
    }.items():
        data, times = timed(certificate_job(options), args.runs)
        report[name] = {"bytes": len(data), **times}

    cert = issue_certificate(
        identity, terminal_id="SIM-0001", service_point="示范村便民服务站", now=now
    )
    token, sign_times = timed(lambda: sign_certificate(cert.token_fields(), key, kid), args.runs)
    keys = {kid: key.public_key()}
    verdict, verify_times = timed(lambda: verify_token(token, keys), args.runs)
    png, png_times = timed(
        lambda: render_png(certificate_receipt(cert, token), 576), max(5, args.runs // 5)
    )
    report["token"] = {
        "chars": len(token),
        "valid": verdict.valid,
        "sign": sign_times,
        "verify": verify_times,
    }
    report["png_preview_80mm"] = {"bytes": len(png), **png_times}
    main_job = report["text_native_qr_80mm"]
    report["targets"] = {
        "max_bytes": MAX_BYTES,
        "max_build_ms": MAX_MS,
        "bytes_ok": main_job["bytes"] <= MAX_BYTES,
        "build_ms_ok": main_job["p95_ms"] <= MAX_MS,
        "token_ok": len(token) < 300,
    }
    print(json.dumps(report, indent=2))
    return 0 if all(v for k, v in report["targets"].items() if k.endswith("_ok")) else 1


if __name__ == "__main__":
    sys.exit(main())
