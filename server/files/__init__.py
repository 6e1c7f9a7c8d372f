"""Attached files: what a file is (told by content), what of it may be published (metadata stripped,
active content refused), the virus scanner, and where files are kept."""
