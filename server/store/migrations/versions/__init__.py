"""One module per schema revision, oldest first by their numbers."""
