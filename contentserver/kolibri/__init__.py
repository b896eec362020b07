"""Kolibri channels (issue 17): reading a channel exported to a drive, checking its files, planning its import."""
