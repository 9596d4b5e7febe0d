"""The session flow: a plain state machine, no Qt, no devices. Events in, commands out.

    flow = SessionFlow(FlowConfig())
    commands = flow.handle(events.ServiceChosen(Service.PENSION_CHECK))

The GUI, the headless demo and the tests drive it identically; the driver carries out the
commands (show a screen, start the camera, set a timer) and feeds back what happened.
"""

from kiosk.flow import commands, events
from kiosk.flow.machine import SessionFlow
from kiosk.flow.model import FlowConfig, Outcome, Service, Session, Step

__all__ = [
    "FlowConfig",
    "Outcome",
    "Service",
    "Session",
    "SessionFlow",
    "Step",
    "commands",
    "events",
]
