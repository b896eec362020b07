"""Teacher and admin accounts: users and passwords (users.py), login throttling (throttle.py)."""
