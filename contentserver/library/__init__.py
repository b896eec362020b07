"""The library format and everything that reads or writes it; no Flask request in here."""
