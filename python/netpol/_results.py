"""The shapes of the JSON results (``audit``, ``verify``, ``connectivity``, ``select_pod``,
``select_policy``, ``reach``, ``flows``, ``diff``) as ``TypedDict``s: the same dicts as before, now known to type checkers and
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


class GrantSide(TypedDict):
    """One direction of a grant: ``"rules"`` (with the rules that admit it), ``"not-isolated"``
    (no policy selects the pod in that direction) or ``"not-checked"`` (an outside address)."""

    access: Literal["rules", "not-isolated", "not-checked"]
    rules: List[Dict[str, str]]


class Grant(TypedDict):
    """Ports and, per direction, what admits them."""

    ports: Ports
    label: str
    egress: GrantSide
    ingress: GrantSide


class ReachPeer(TypedDict):
    """Pods of one workload (or a lone pod) on the other end, with ports and grants."""

    group: str
    namespace: str
    pods: List[str]
    group_pods: int
    ports: Ports
    label: str
    grants: List[Grant]


class ReachExternal(TypedDict):
    """Outside addresses on the other end, with ports and grants."""

    addresses: str
    cidrs: List[str]
    ports: Ports
    label: str
    grants: List[Grant]


class ReachPart(TypedDict):
    """Pods of the subject that answer alike; ``isolated_by`` is ``None`` for an address and
    empty when no policy isolates them."""

    pods: List[str]
    isolated_by: Optional[List[str]]
    statement: str
    peers: List[ReachPeer]
    external: List[ReachExternal]


class ReachSubject(TypedDict):
    """What was asked about."""

    name: str
    kind: Literal["pod", "workload", "address"]
    workload: Optional[str]
    pods: List[str]


class Reach(TypedDict):
    """What :meth:`netpol.Engine.reach` returns (``netpol reach -o json``)."""

    direction: Literal["to", "from"]
    subject: ReachSubject
    statement: str
    parts: List[ReachPart]


class FlowCount(TypedDict):
    """Distinct flows and the records behind them."""

    flows: int
    records: int


DeniedFlows = TypedDict(
    "DeniedFlows",
    {"from": str, "to": str, "ports": Ports, "flows": int, "records": int, "example": Dict[str, Any]},
)
"""Observed traffic the policies deny, folded by workload; ``example`` is one flow's
:meth:`netpol.Engine.explain` JSON."""

NewlyAllowedFlows = TypedDict(
    "NewlyAllowedFlows", {"from": str, "to": str, "ports": Ports, "flows": int, "records": int}
)
"""Traffic observed dropped that the policies allow."""


class FlowRule(TypedDict):
    """How often a rule admitted observed traffic, and its entries that admitted none."""

    policy: str
    direction: Literal["ingress", "egress"]
    rule: int
    path: str
    flows: int
    records: int
    unused_entries: List[str]


class UnusedRule(TypedDict):
    """A rule no observed flow used."""

    policy: str
    direction: Literal["ingress", "egress"]
    rule: int
    path: str


class MatchedPod(TypedDict):
    """A pod a flow named that is gone, and the pod it was matched to."""

    observed: str
    pod: str
    by: Literal["labels", "workload"]
    records: int


class UnresolvedEndpoint(TypedDict):
    """An endpoint no pod stands for: its flows were not decided."""

    endpoint: str
    reason: str
    records: int


class SkippedRecords(TypedDict):
    """Records left out, by reason."""

    reason: str
    description: str
    records: int


class FlowSummary(TypedDict):
    """Counts of :class:`FlowReport`."""

    records: int
    skipped: int
    unresolved: int
    flows: int
    allowed: FlowCount
    denied: FlowCount
    still_dropped: FlowCount
    newly_allowed: FlowCount
    rules: int
    unused_rules: int


class FlowReport(TypedDict):
    """What :meth:`netpol.Engine.flows` returns (``netpol flows -o json``)."""

    summary: FlowSummary
    denied: List[DeniedFlows]
    newly_allowed: List[NewlyAllowedFlows]
    rules: List[FlowRule]
    unused_rules: List[UnusedRule]
    matched: List[MatchedPod]
    unresolved: List[UnresolvedEndpoint]
    skipped: List[SkippedRecords]


class DiffCounts(TypedDict):
    """Pod pairs, workload pairs and external ranges that changed one way."""

    pod_pairs: int
    workload_pairs: int
    external: int


class DiffSummary(TypedDict):
    """Counts of :class:`Diff`."""

    newly_allowed: DiffCounts
    newly_denied: DiffCounts


DiffChange = TypedDict(
    "DiffChange",
    {
        "change": Literal["allowed", "denied"],
        "from": List[str],
        "to": List[str],
        "ports": Ports,
        "workload_pairs": int,
        "pod_pairs": int,
        "causes": List[str],
    },
)
"""A change folded by workload and namespace, with the policies that caused it."""

DiffPair = TypedDict(
    "DiffPair",
    {
        "change": Literal["allowed", "denied"],
        "from": str,
        "to": str,
        "ports": Ports,
        "pod_pairs": int,
        "causes": List[str],
    },
)
"""A change between two workloads."""


class DiffExternal(TypedDict):
    """A change of outside access."""

    change: Literal["allowed", "denied"]
    direction: Literal["ingress", "egress"]
    workloads: List[str]
    cidrs: List[str]
    addresses: str
    ports: Ports
    causes: List[str]


class DiffPolicies(TypedDict):
    """Policies only after, changed, and only before."""

    added: List[str]
    changed: List[str]
    removed: List[str]


class Diff(TypedDict):
    """What :func:`netpol.diff` returns (``netpol diff -o json``)."""

    summary: DiffSummary
    changes: List[DiffChange]
    pairs: List[DiffPair]
    external: List[DiffExternal]
    added: List[str]
    removed: List[str]
    policies: DiffPolicies
