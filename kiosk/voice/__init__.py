"""Voice prompts: every screen and prompt has an id; audio comes from files per locale."""
