"""Face analysis: detection, quality gate, active liveness and matching (no Qt)."""
