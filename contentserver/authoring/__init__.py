"""Teachers' lessons: drafts and revisions (lessons.py), uploads (uploads.py, sniff.py), clean names (names.py)."""
