"""Which books students may open: read from the book rows, for listings, pages and the OPDS catalog."""

from __future__ import annotations

from sqlalchemy import select

from ..db import db
from ..errors import NotFound
from ..library.format import ID_RE
from ..models import Book
from .textsearch import IndexedBook


def list_books(subject: str | None = None, lang: str | None = None) -> list[Book]:
    """Every book, or those of one subject or language, by title."""
    query = select(Book)
    if subject is not None:
        query = query.where(Book.subject == subject)
    if lang is not None:
        query = query.where(Book.lang == lang)
    return list(db.session.scalars(query.order_by(Book.title, Book.id)))


def indexed_books() -> list[IndexedBook]:
    """Every book as the suggester needs it (whether its index exists yet is the searcher's to see)."""
    rows = db.session.execute(select(Book.id, Book.lang, Book.zim_sha256).order_by(Book.id))
    return [IndexedBook(book_id, lang, sha) for book_id, lang, sha in rows]


def get_book(book_id: str) -> Book:
    """A book by id, or NotFound."""
    book = db.session.get(Book, book_id) if ID_RE.match(book_id) else None
    if book is None:
        raise NotFound()
    return book
