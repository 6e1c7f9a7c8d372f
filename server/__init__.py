"""Tong (通): a real-time public discussion server."""
