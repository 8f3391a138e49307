"""Errors that cross from the domain to people: a stable code, a Persian message, the field at fault."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input. `code` is stable (machines match on it); `message` is for people."""

    code: str
    message: str
    field: str | None = None
    record: str | int | None = None
    severity: str = "error"
    # The file at fault, for inputs that come as files (a wage list is a pair of them).
    file: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "message": self.message, "field": self.field}
        if self.file is not None:
            out["file"] = self.file
        if self.record is not None:
            out["record"] = self.record
        if self.severity != "error":
            out["severity"] = self.severity
        return out


class DomainError(Exception):
    """A refused operation. Carries every problem found, so callers can report them all at once."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        field: str | None = None,
        record: str | int | None = None,
    ) -> None:
        self.problems: list[Problem] = [Problem(code, message, field, record)]
        super().__init__(f"{code}: {message}" + (f" [{field}]" if field else ""))

    @property
    def code(self) -> str:
        return self.problems[0].code

    @property
    def message(self) -> str:
        return self.problems[0].message

    @property
    def field(self) -> str | None:
        return self.problems[0].field

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> DomainError:
        problems = list(problems)
        if not problems:
            raise ValueError("DomainError.of needs at least one problem")
        first = problems[0]
        err = cls(first.code, first.message, first.field, first.record)
        err.problems = problems
        return err


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Forbidden(DomainError):
    status = 403


@dataclass
class ProblemList:
    """Collects problems while validating a whole input, then raises them together."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, message: str, field: str | None = None, record: str | int | None = None) -> None:
        self.problems.append(Problem(code, message, field, record))

    def extend(self, err: DomainError) -> None:
        self.problems.extend(err.problems)

    def raise_if_any(self, cls: type[DomainError] = DomainError) -> None:
        if self.problems:
            raise cls.of(self.problems)
