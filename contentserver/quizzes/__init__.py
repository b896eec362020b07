"""Practice quizzes in lesson bodies: the ```quiz block grammar, answer checking, mastery (docs/library-format.md)."""
