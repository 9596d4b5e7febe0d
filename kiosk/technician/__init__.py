"""The technician's gate and what technician mode reads (no Qt): PIN hashing, the PIN gate
with its lockout, the staff PINs of the assisted check, and the terminal's status on disk."""
