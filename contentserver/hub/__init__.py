"""The hub: the intake of schools' pushes (docs/push.md: signed sessions, chunked objects, commits), the review
queue, the schools it knows and their connectivity reports, its pages, and its CLI verbs."""
