"""The gateway: compile a loaded spec into an immutable snapshot and serve requests through its pipeline."""
