"""`tong bench`: load and latency measurements of a running Tong, driven from outside like any client.

Nothing here imports the server's internals, so the tool works against any Tong that speaks
PROTOCOL.md, and against the bare `websockets` floor in `floor.py` that every run can compare with.
"""
