"""The staff desk: the dashboard's figures, event-log review, reports, the answer clock, CSV of the log."""
