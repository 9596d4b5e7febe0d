"""Run a card emulator by hand, to try `kiosk read-card` without hardware.

    PYTHONPATH=tests .venv/bin/python -m cardtests.serve sam      # prints the pty to use as --port
    PYTHONPATH=tests .venv/bin/python -m cardtests.serve ssc      # starts pcscd if needed

Ctrl-C (or SIGTERM) stops it; a pcscd started here is stopped with it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable

from cardtests.pcscd import VPCD_READER, Pcscd
from cardtests.sam_emulator import IdCard, SamEmulator
from cardtests.ssc_card import OtherCard, gen1_card, gen2_card
from cardtests.vpcd_card import VirtualCard, VpcdCardEmulator

CARDS: dict[str, Callable[[], VirtualCard]] = {
    "gen1": gen1_card,
    "gen2": gen2_card,
    "other": OtherCard,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="kind", required=True)
    sub.add_parser("sam", help="GA 467 ID card reader on a pseudo-terminal")
    ssc = sub.add_parser("ssc", help="social security card in the vpcd reader")
    ssc.add_argument("--card", choices=sorted(CARDS), default="gen1")
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.kind == "sam":
        with SamEmulator(IdCard()) as sam:
            print(f"GA 467 reader with a card on {sam.port}", flush=True)
            stop.wait()
        return 0
    daemon = Pcscd.session()
    vpcd = VpcdCardEmulator()
    try:
        vpcd.insert(CARDS[args.card]())
        print(f"{args.card} card in reader {VPCD_READER!r}", flush=True)
        stop.wait()
    finally:
        vpcd.remove()
        daemon.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
