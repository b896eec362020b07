"""What /admin/ and /api/admin/status show of the box (issue 23): storage, content, sync, usage, health, clock."""
