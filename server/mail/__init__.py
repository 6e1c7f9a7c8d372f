"""Mail: the outbox written with what it announces, the sender, addresses and their signed links."""
