"""Exceptions raised by netpol: every problem names the object, the field path and what is wrong."""

from __future__ import annotations

import re
from typing import Any, NamedTuple, Optional, Sequence, Tuple


class Problem(NamedTuple):
    """One problem found in the input."""

    origin: Optional[str]
    """Where the object came from: a file name (and document or List item), ``<text>``."""
    kind: Optional[str]
    """The object's kind (``NetworkPolicy``, ``Pod``, ``Namespace``), when known."""
    object: Optional[str]
    """The object, ``namespace/name`` (or ``name`` for a namespace), when known."""
    field: str
    """The field path, such as ``spec.ingress[0].from[1].ipBlock.cidr``; empty for the whole object."""
    message: str
    """What is wrong."""
    line: Optional[int] = None
    """The line (1-based) in the origin's text of the field, or of the object when the field is not
    written out; ``None`` when not read from text (or, for flow files, in ``origin``)."""

    def __str__(self) -> str:
        parts = [self.origin, f"{self.kind} {self.object}" if self.object else None, self.field or None, self.message]
        return ": ".join(p for p in parts if p)


class PolicyError(Exception):
    """The input could not be turned into a cluster. ``problems`` lists every problem found."""

    problems: Tuple[Problem, ...]

    def __init__(self, message: str, problems: Sequence[Tuple[Any, ...]] = ()):
        super().__init__(message)
        self.problems = tuple(Problem(*p) for p in problems)

    @property
    def object(self) -> Optional[str]:
        """The object of the first problem."""
        return self.problems[0].object if self.problems else None

    @property
    def field(self) -> Optional[str]:
        """The field path of the first problem."""
        return self.problems[0].field if self.problems else None

    @property
    def message(self) -> str:
        """The message of the first problem (``str(error)`` has all of them)."""
        return self.problems[0].message if self.problems else str(self)


class ParseError(PolicyError):
    """The input is not readable Kubernetes objects: malformed YAML or JSON, not UTF-8, unreadable
    files, over the size limit."""


class ValidationError(PolicyError):
    """Objects the API server would reject (invalid CIDR, unknown operator, port out of range, ...)."""


class FlowError(ParseError):
    """A flow file (Hubble JSON, JSONL, CSV) that cannot be read, or a malformed line in one. Each
    problem's ``origin`` is ``file:line`` (just ``file`` when the file cannot be read), ``field``
    the record's field and ``message`` what is wrong; up to 20 malformed lines per file are
    reported."""

    @property
    def file(self) -> Optional[str]:
        """The file of the first problem (``<text>`` for flow text)."""
        return _split_origin(self.problems[0].origin)[0] if self.problems else None

    @property
    def line(self) -> Optional[int]:
        """The line (1-based) of the first problem, when it is about one line."""
        return _split_origin(self.problems[0].origin)[1] if self.problems else None


def _split_origin(origin: Optional[str]) -> Tuple[Optional[str], Optional[int]]:
    if origin is None:
        return None, None
    file, _, line = origin.rpartition(":")
    return (file, int(line)) if file and line.isdigit() else (origin, None)


class ExpectationsError(PolicyError):
    """An expectations file (for :meth:`netpol.Engine.verify`) that cannot be read or is not valid:
    malformed YAML, unknown fields, bad ports, selectors or verdicts. Each problem's ``origin`` is
    the file (``<text>`` for text), ``field`` the path ``expectations[i].field`` and ``message``
    what is wrong, ending with the expectation's name and line as ``netpol verify`` prints them."""

    @property
    def file(self) -> Optional[str]:
        """The file of the first problem (``<text>`` for expectations text)."""
        return self.problems[0].origin if self.problems else None

    @property
    def index(self) -> Optional[int]:
        """The index into ``expectations`` of the first problem, when it is about one expectation."""
        match = _INDEX.match(self.problems[0].field) if self.problems else None
        return int(match.group(1)) if match else None

    @property
    def line(self) -> Optional[int]:
        """The line (1-based) where the expectation of the first problem starts, when known."""
        match = _LINE.search(self.problems[0].message) if self.problems else None
        return int(match.group(1)) if match else None


_INDEX = re.compile(r"expectations\[(\d+)\]")
_LINE = re.compile(r" at line (\d+)\)$")


class UnknownEndpointError(ValueError):
    """A pod, workload or address that names nothing in the cluster (``shop/api`` where the pods
    are ``shop/api-7f6d5c8b9-4kx8m``...). The message says what there is instead: the pods of a
    workload of that name, or the nearest names ("did you mean"). A ``ValueError``."""


class SelfCheckError(RuntimeError):
    """The suggested policies failed their self-check: they do not load back, or they deny an
    observed flow. This is a bug in netpol; no suggestion is returned."""
