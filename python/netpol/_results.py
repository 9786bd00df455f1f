"""The shapes of the JSON results (``audit``, ``verify``, ``connectivity``, ``select_pod``,
``select_policy``) as ``TypedDict``s: the same dicts as before, now known to type checkers and
editors. Field names are those of the command line's ``-o json``; ``from`` (a Python keyword) is
why some are declared in the functional form."""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, TypedDict, Union

Ports = Dict[str, Union[Literal["all"], List[str]]]
"""Allowed ports per protocol: ``{"TCP": ["80", "8000-8080"], "UDP": "all"}``."""


class AuditPath(TypedDict):
    """A YAML path in an object."""

    object: str
    path: str


class AuditFinding(TypedDict):
    """One finding of :meth:`netpol.Engine.audit`."""

    id: str
    slug: str
    severity: Literal["info", "warning", "error"]
    objects: List[str]
    paths: List[AuditPath]
    why: str
    fix: str


class NamespaceCoverage(TypedDict):
    """How many pods of a namespace are isolated per direction; shares are 0–1, ``None`` without pods."""

    namespace: str
    pods: int
    ingress_isolated: int
    egress_isolated: int
    ingress_share: Optional[float]
    egress_share: Optional[float]


class AuditSummary(TypedDict):
    """Counts of :class:`AuditReport`."""

    findings: int
    error: int
    warning: int
    info: int
    pods: int
    ingress_isolated: int
    egress_isolated: int


class AuditReport(TypedDict):
    """What :meth:`netpol.Engine.audit` returns (``netpol audit -o json``)."""

    findings: List[AuditFinding]
    coverage: List[NamespaceCoverage]
    summary: AuditSummary


VerifyExpectation = TypedDict(
    "VerifyExpectation",
    {
        "name": str,
        "passed": bool,
        "from": str,
        "to": str,
        "ports": str,
        "protocol": str,
        "expect": Literal["allowed", "denied"],
        "pairs": int,
        "failed_pairs": int,
        "problem": Optional[str],
        "counterexamples": List[Dict[str, Any]],
    },
)
"""One expectation's outcome; each counterexample is :meth:`netpol.Engine.explain`'s JSON plus
``from_range``, ``to_range``, ``alike`` and ``alike_examples``."""


class VerifyReport(TypedDict):
    """What :meth:`netpol.Engine.verify` returns (``netpol verify -o json``)."""

    origin: str
    passed: int
    failed: int
    expectations: List[VerifyExpectation]


ConnectivityPair = TypedDict("ConnectivityPair", {"from": str, "to": str, "ports": Ports})
"""The allowed ports of one ordered pod pair."""


class ExternalRange(TypedDict):
    """Outside addresses a pod may reach (egress) or be reached from (ingress), with ports."""

    cidrs: List[str]
    ports: Ports


class ExternalAccess(TypedDict):
    """A pod's outside access."""

    pod: str
    egress: List[ExternalRange]
    ingress: List[ExternalRange]


class Connectivity(TypedDict):
    """What :meth:`netpol.Engine.connectivity` returns (``netpol connectivity -o json``)."""

    pairs: List[ConnectivityPair]
    external: List[ExternalAccess]


class PeerOf(TypedDict):
    """A rule that names the pod as a peer."""

    policy: str
    direction: Literal["Ingress", "Egress"]
    path: str
    peer: str


class PodSelection(TypedDict):
    """What :meth:`netpol.Engine.select_pod` returns (``netpol select --pod -o json``)."""

    pod: str
    ingress: List[str]
    egress: List[str]
    cluster_policies: List[str]
    peer_of: List[PeerOf]


class PeerAdmits(TypedDict):
    """One peer of a rule and what it admits today."""

    path: str
    peer: str
    pods: List[str]
    namespaces: List[str]
    addresses: List[str]


class RuleAdmits(TypedDict):
    """One rule of a policy."""

    path: str
    direction: Literal["Ingress", "Egress"]
    ports: str
    peers: List[PeerAdmits]


class PolicySelection(TypedDict):
    """What :meth:`netpol.Engine.select_policy` returns (``netpol select --policy -o json``)."""

    policy: str
    directions: List[Literal["Ingress", "Egress"]]
    selects: List[str]
    rules: List[RuleAdmits]
