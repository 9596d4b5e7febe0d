"""Card reader tests and the emulators they drive (a vpcd SSC card, a GA 467 SAM reader)."""
