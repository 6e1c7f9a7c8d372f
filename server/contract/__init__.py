"""The words of the contract: event types, kinds, statuses, and error codes."""
