"""The one error type of the expression package."""

from __future__ import annotations


class ExpressionError(ValueError):
    """A malformed or invalid expression; position is the 0-based offset in the original string value."""

    def __init__(self, message: str, position: int, kind: str = "syntax") -> None:
        super().__init__(message, position)
        self.message = message
        self.position = position
        self.kind = kind  # "syntax", "unknown_function" or "arity"

    @property
    def column(self) -> int:
        """1-based column of position (what str() shows)."""
        return self.position + 1

    def __str__(self) -> str:
        return f"{self.message} at column {self.column}"

    def __repr__(self) -> str:
        return f"ExpressionError({self.message!r}, {self.position!r}, kind={self.kind!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExpressionError) and (self.message, self.position, self.kind) == (
            other.message,
            other.position,
            other.kind,
        )

    def __hash__(self) -> int:
        return hash((self.message, self.position, self.kind))
