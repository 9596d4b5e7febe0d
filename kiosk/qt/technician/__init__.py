"""Technician mode on the kiosk's screen: the hidden gesture, the panel's view model and its
actions (test print, sync, export, register, reprint), each run off the GUI thread."""
