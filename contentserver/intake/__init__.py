"""The hub's intake of pushes (docs/push.md): signed sessions, chunked objects, commits, and the review queue."""
