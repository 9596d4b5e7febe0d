"""Card readers. Backends are named in config and imported only when chosen."""

from __future__ import annotations

import importlib

from config.settings import CardReaderSettings
from devices.card_reader.base import CardReader

BACKENDS: dict[str, str] = {
    "simulated": "devices.card_reader.simulated:SimulatedCardReader",
    "pcsc": "devices.card_reader.pcsc:PcscCardReader",
    "sam-serial": "devices.card_reader.sam_serial:SamSerialCardReader",
}


def create_card_reader(settings: CardReaderSettings) -> CardReader:
    module_name, class_name = BACKENDS[settings.backend].split(":")
    backend_class = getattr(importlib.import_module(module_name), class_name)
    reader: CardReader = backend_class.from_settings(settings)
    return reader
