"""Card readers. Backends are named in config and imported only when chosen."""

from __future__ import annotations

from config.settings import CardReaderSettings
from devices.card_reader.base import CardReader
from devices.registry import backend_class

BACKENDS: dict[str, str] = {
    "simulated": "devices.card_reader.simulated:SimulatedCardReader",
    "pcsc": "devices.card_reader.pcsc:PcscCardReader",
    "sam-serial": "devices.card_reader.sam_serial:SamSerialCardReader",
}


def create_card_reader(settings: CardReaderSettings) -> CardReader:
    reader: CardReader = backend_class(BACKENDS, settings.backend).from_settings(settings)
    return reader
