"""The flow's tables: which steps wait on whom, which devices a step needs, which events are
the resident's, which liveness reasons are final and which receipt an outcome prints."""

from __future__ import annotations

from kiosk.flow import events as ev
from kiosk.flow.model import Outcome, ReceiptKind, Step

# Steps where the machine, not the resident, is working: no "more time?" question there.
BUSY_STEPS = frozenset({Step.MATCHING, Step.LOOKUP})
UNTIMED_BY_RESIDENT = BUSY_STEPS | {Step.IDLE, Step.THANKS}
# Steps that cannot start without their devices ("face_models": the face engine, loaded on its
# thread). Printing is not one of them: the job is kept whatever the printer's state.
DEVICES_OF_STEP: dict[Step, tuple[str, ...]] = {
    Step.READ_CARD: ("card_reader",),
    Step.FACE_CAPTURE: ("camera", "face_models"),
}
# Steps left for DEVICE_FAULT when their device fails mid-step (a print job in flight gets its
# own answer, PrintFailed, which keeps the job and offers retry or skip).
LEFT_ON_FAULT = frozenset({Step.READ_CARD, Step.FACE_CAPTURE})
RESIDENT_EVENTS = (
    ev.Touched,
    ev.ServiceChosen,
    ev.Confirmed,
    ev.ConsentAnswered,
    ev.Continue,
    ev.Retry,
    ev.Rated,
    ev.RatingReasonChosen,
    ev.StartCheck,
    ev.Decline,
    ev.HelpRequested,
    ev.HelpDismissed,
    ev.Back,
    ev.MoreTimeAnswered,
    ev.StaffUnlocked,
    ev.CardRead,
    ev.CardRemoved,
    ev.FaceProgress,
)
# Liveness reasons another try cannot mend: a suspected photo, screen or video replay is
# recorded at once as not verified (its PAD evidence goes to the platform's reviewers); the
# result screen asks, without accusing, for the resident in person and shows the way to staff,
# who help a live resident refused by mistake.
FINAL_LIVENESS_REASONS = frozenset({"presentation_attack"})
RECEIPT_OF_OUTCOME = {
    Outcome.VERIFIED: ReceiptKind.CERTIFICATE,
    Outcome.NOT_VERIFIED: ReceiptKind.FAILURE_NOTICE,
    Outcome.PENDING: ReceiptKind.PENDING_SLIP,
}
