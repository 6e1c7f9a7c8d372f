"""The domain: accounts, threads, comments, answers, moderation, notices, and who may do what."""
