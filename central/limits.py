"""How large a request body each route accepts, checked from Content-Length before reading and
counted while streaming (413 at once). Derived from the documented case size.
"""

from __future__ import annotations

from central.cases import DOCUMENTED_CASE_BYTES, MAX_BATCH, MAX_BUNDLE_CASES

DEFAULT_BODY_BYTES = 1024  # routes without a body (GET) and anything not listed here
REGISTER_BODY_BYTES = 4 * 1024  # a terminal id, a code and a 32-byte key
LOOKUP_BODY_BYTES = 1024  # one ID number
# 500 cases of the documented size (a ~20 KB face frame as base64 and the payload); a batch
# over this is answered 413, and the terminal splits it (down to one case, which may be up
# to central.cases.MAX_CASE_BYTES).
INGEST_BODY_BYTES = MAX_BATCH * DOCUMENTED_CASE_BYTES
# A bundle of MAX_BUNDLE_CASES cases of the documented size, sealed (base64: 4/3); larger
# offline exports are imported on the platform's own machine with `kiosk-central import`.
BUNDLE_BODY_BYTES = MAX_BUNDLE_CASES * DOCUMENTED_CASE_BYTES * 4 // 3 + 64 * 1024
REFERENCE_FACE_BYTES = 2_000_000
