"""Checks on text people write: its folded form, identifiers that would unmask, length and shape rules."""
