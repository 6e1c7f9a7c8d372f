"""Storage: the engine and sessions, the tables, their migrations, and search with its analyser."""
