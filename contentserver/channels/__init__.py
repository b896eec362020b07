"""Installed Kolibri channels: their trees as topic and resource pages, their files, apps and exercises."""
