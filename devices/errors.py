"""The root of every device error. Each device kind subclasses it in its own `base.py`.

Device errors are for the technician and the logs (which device, what failed). What a
resident reads is decided by the session flow, never taken from a device message.
"""

from __future__ import annotations


class DeviceError(Exception):
    """A device failed. `device` names it for the technician (e.g. "card_reader")."""

    device = "device"
