"""Delivery to this process's sockets: the hub, the epoch resumes are checked against, frames on the wire."""
