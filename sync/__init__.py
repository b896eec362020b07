"""The sync job: pulls the hub's library over weak links (no Flask in the transfer path)."""
