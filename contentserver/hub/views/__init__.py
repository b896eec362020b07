"""The hub's blueprints: the intake of pushes, the review pages, and the published hub folder."""
