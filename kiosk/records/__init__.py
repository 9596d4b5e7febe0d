"""What a check leaves behind, and its paper (no Qt): the case record and its recorder, the
certificate, the receipt layouts and builder, and the kept print jobs for reprints."""
