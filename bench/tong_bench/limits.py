"""Process limits the load needs on both sides of the sockets."""

from __future__ import annotations

import contextlib
import resource

# Linux's default fs.nr_open: the most descriptors a process may be allowed.
NOFILE_WANTED = 1_048_576


def raise_open_files_limit() -> None:
    """Raise RLIMIT_NOFILE as far as allowed: tens of thousands of sockets need as many descriptors.

    Root may raise the hard limit too; anyone else gets the soft limit raised to the hard one.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for wanted in (NOFILE_WANTED, hard):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), max(hard, wanted)))
            return
