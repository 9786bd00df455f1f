"""netpol: exact Kubernetes NetworkPolicy answers, without a cluster.

Load namespaces, pods and NetworkPolicies (as ``kubectl get -o yaml`` prints them, or as
dicts), then ask whether one endpoint may reach another and why::

    import netpol
    engine = netpol.Engine.from_files("cluster.yaml")
    engine.allowed("shop/api-0", "shop/db-0", 5432)          # True / False
    print(engine.explain("shop/api-0", "shop/db-0", 5432))   # the deciding policies and rules
    m = engine.matrix(8080)                                  # m.pods, m.allowed (list of lists)
    engine.reach("shop/postgres-0")["statement"]             # who may reach it, and why
    engine.flows("hubble.jsonl")["denied"]                   # observed traffic the policies deny
    print(engine.suggest("hubble.jsonl").yaml)               # least-privilege policies for it
    engine.audit()["summary"]["error"]                       # what a reviewer would flag
    engine.verify("expectations.yaml")["failed"]             # broken expectations, with counterexamples
    netpol.diff(before, after)["summary"]["newly_allowed"]   # what a change opens

Endpoints are ``"namespace/pod"`` or IP addresses (strings or :mod:`ipaddress` objects); an IP
that is a pod's IP means that pod, over that IP's address family only.

Address families: a connection has one family (IPv4 or IPv6). Two pods connect only over the
families both have, and an ipBlock sees only the peer's address of that family; a pod-level
answer is allowed when some shared family allows it. ``engine.verdict(...).families`` and
``engine.explain(...).families`` give the answer per shared family (``{"ipv4": True, "ipv6":
False}``; ``{}`` when the ends share none, so no connection can exist). An IPv4-mapped IPv6
address (``::ffff:10.0.0.2``) is the IPv4 address.

Long calls (loading, ``matrix``, ``connectivity``, ``reach``, ``flows``, ``suggest``,
``audit``, ``verify``, ``diff``) release the GIL and stop at Ctrl-C with :class:`KeyboardInterrupt` within
a few milliseconds. A truth table or connectivity map too large for the memory left raises
:class:`MemoryError` before it is made, instead of ending the interpreter.
"""

from __future__ import annotations

import importlib
import ipaddress
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Literal, Mapping, NamedTuple, Optional, Tuple, Union

from ._errors import (
    ExpectationsError,
    FlowError,
    ParseError,
    PolicyError,
    Problem,
    SelfCheckError,
    UnknownEndpointError,
    ValidationError,
)
from ._netpol import RawEngine, RawLive, __version__
from ._netpol import bool_rows as _bool_rows
from ._results import (
    AuditFinding,
    AuditReport,
    Connectivity,
    ConnectivityPair,
    Diff,
    FlowReport,
    NamespaceCoverage,
    PodSelection,
    PolicySelection,
    Reach,
    VerifyExpectation,
    VerifyReport,
)

SelfTraffic = Literal["allow", "evaluate"]
"""Whether a pod may always reach itself (``"allow"``) or its traffic to itself is decided by the policies."""
IpBlockPodIps = Literal["match", "ignore"]
"""Whether ipBlocks also match pod IPs (``"match"``, as most CNIs do) or only outside addresses."""
Tie = Literal["deny-wins", "accept-wins", "error"]
"""How cluster policies of one tier and priority that disagree are decided."""
ReachDirection = Literal["to", "from"]
"""Who may reach the endpoint (``"to"``) or what it may reach (``"from"``)."""
FlowFormat = Literal["auto", "hubble", "jsonl", "csv"]
"""The format of flow files: told per file from its first line (``"auto"``), or given."""
from ._netpol import diff as _raw_diff

_np: Any
try:  # NumPy is optional: matrices also come as lists of lists.
    _np = importlib.import_module("numpy")
except ImportError:  # pragma: no cover - exercised in environments without NumPy
    _np = None

__all__ = [
    "Engine",
    "AuditFinding",
    "AuditReport",
    "Connectivity",
    "ConnectivityPair",
    "Diff",
    "FlowReport",
    "NamespaceCoverage",
    "PodSelection",
    "PolicySelection",
    "Reach",
    "VerifyExpectation",
    "VerifyReport",
    "SelfTraffic",
    "IpBlockPodIps",
    "Tie",
    "ReachDirection",
    "FlowFormat",
    "Live",
    "diff",
    "Verdict",
    "Explanation",
    "FamilyExplanation",
    "DirectionExplanation",
    "RuleRef",
    "RuleMiss",
    "TierMatch",
    "TierStep",
    "Matrix",
    "ObservedFlow",
    "SelfCheck",
    "Suggestion",
    "PolicyError",
    "ParseError",
    "ValidationError",
    "FlowError",
    "ExpectationsError",
    "SelfCheckError",
    "UnknownEndpointError",
    "Problem",
    "Endpoint",
    "__version__",
]

Endpoint = Union[str, ipaddress.IPv4Address, ipaddress.IPv6Address]
"""``"namespace/pod"`` or an IP address (string or :mod:`ipaddress` object); :meth:`Engine.reach`
also takes a workload, ``"namespace/kind/name"``."""

FlowPath = Union[str, "os.PathLike[str]"]
ExpectationsPath = Union[str, "os.PathLike[str]"]

# Maps whose keys are user data (label keys and the like): their keys are never renamed.
_FREE_FORM = {"labels", "annotations", "match_labels", "matchLabels", "node_selector", "nodeSelector", "data"}


# The official client's names whose API spelling is not plain camelCase (its models'
# ``attribute_map``): acronyms, and keywords it prefixes with ``_``.
_API_NAMES = {
    "pod_ip": "podIP",
    "pod_i_ps": "podIPs",
    "host_ip": "hostIP",
    "host_i_ps": "hostIPs",
    "host_pid": "hostPID",
    "host_ipc": "hostIPC",
    "image_id": "imageID",
    "container_id": "containerID",
    "cluster_ip": "clusterIP",
    "cluster_i_ps": "clusterIPs",
    "external_i_ps": "externalIPs",
    "load_balancer_ip": "loadBalancerIP",
    "pod_cidr": "podCIDR",
    "pod_cid_rs": "podCIDRs",
}


def _camel(key: str) -> str:
    if key in _API_NAMES:
        return _API_NAMES[key]
    head, *rest = key.lstrip("_").split("_")  # `_from` is `from`, `_exec` is `exec`
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _to_api(value: Any, free_form: bool = False) -> Any:
    """Turns the official client's ``to_dict()`` output (snake_case keys, ``None`` for unset
    fields, datetimes) into the API's JSON shape; plain API dicts pass through unchanged."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if item is None:
                continue  # Unset, as the API server sees it.
            name = key if free_form else _camel(str(key))
            out[name] = _to_api(item, free_form=not free_form and str(key) in _FREE_FORM)
        return out
    if isinstance(value, (list, tuple)):
        return [_to_api(v) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass(frozen=True)
class RuleRef:
    """A rule that admits a connection, with the peer and port entries that matched."""

    policy: str
    """``namespace/name`` of the policy."""
    rule: int
    """Index into ``spec.ingress`` or ``spec.egress``."""
    peer: Optional[int]
    """Index of the matching peer in ``from``/``to``; ``None`` when the rule has no peers."""
    port: Optional[int]
    """Index of the matching entry in ``ports``; ``None`` when the rule has no ports."""
    path: str
    """The YAML path, e.g. ``spec.ingress[0].from[1] + spec.ingress[0].ports[0]``."""


@dataclass(frozen=True)
class RuleMiss:
    """A rule of an isolating policy that does not admit the connection, and which half failed."""

    policy: str
    rule: int
    path: str
    peer_matched: bool
    port_matched: bool


@dataclass(frozen=True)
class TierMatch:
    """A matching rule of a cluster policy (ClusterNetworkPolicy, AdminNetworkPolicy,
    BaselineAdminNetworkPolicy)."""

    kind: str
    policy: str
    """The policy's name (cluster-scoped)."""
    priority: int
    rule: int
    """Index into ``spec.ingress`` or ``spec.egress``."""
    rule_name: Optional[str]
    action: str
    """``Accept``, ``Deny`` or ``Pass``."""
    peer: Optional[int]
    port: Optional[int]


@dataclass(frozen=True)
class TierStep:
    """What an admin tier did in one direction: the action taken and, for the priority that
    decided, each policy's first matching rule."""

    action: str
    ambiguous: bool
    """Whether policies at that priority disagreed (the ``tie`` option decided)."""
    matches: List[TierMatch]

    @classmethod
    def _from_json(cls, d: Optional[Mapping[str, Any]]) -> Optional["TierStep"]:
        if d is None:
            return None
        return cls(action=d["action"], ambiguous=d["ambiguous"], matches=[TierMatch(**m) for m in d["matches"]])


@dataclass(frozen=True)
class DirectionExplanation:
    """Egress at the source or ingress at the destination."""

    direction: str
    """``"egress"`` or ``"ingress"``."""
    allowed: bool
    reason: str
    """``admitted``, ``no-rule-admits``, ``not-isolated``, ``not-a-pod``, ``self-traffic``,
    ``no-common-family`` (the two ends share no address family), ``admin-accepted``,
    ``admin-denied``, ``baseline-accepted`` or ``baseline-denied``."""
    isolating_policies: List[str]
    admitted_by: List[RuleRef]
    not_admitting: List[RuleMiss]
    admin: Optional[TierStep] = None
    """What the admin tier did, when one of its rules matched."""
    baseline: Optional[TierStep] = None
    """What the baseline tier did, when it was reached and one of its rules matched."""

    @classmethod
    def _from_json(cls, direction: str, d: Mapping[str, Any]) -> "DirectionExplanation":
        return cls(
            direction=direction,
            allowed=d["allowed"],
            reason=d["reason"],
            isolating_policies=list(d["isolating_policies"]),
            admitted_by=[RuleRef(**r) for r in d["admitted_by"]],
            not_admitting=[RuleMiss(**m) for m in d["not_admitting"]],
            admin=TierStep._from_json(d.get("admin")),
            baseline=TierStep._from_json(d.get("baseline")),
        )


class _Directions(NamedTuple):
    allowed: bool
    egress: bool
    ingress: bool


class Verdict(_Directions):
    """The answer for one connection: the tuple ``(allowed, egress, ingress)`` (egress allowed at
    the source, ingress allowed at the destination), plus ``families``: per address family both
    ends share, whether it allows the connection, e.g. ``{"ipv4": True, "ipv6": False}``; ``{}``
    when they share none (no connection can exist: denied).

    ``allowed`` is whether some shared family allows it; ``egress`` and ``ingress`` are those of
    an allowing family if any, else of the first shared family (IPv4 first). It compares equal to
    the plain tuple ``(allowed, egress, ingress)``; two verdicts are equal when their families are
    too."""

    families: Dict[str, bool]

    def __new__(cls, allowed: bool, egress: bool, ingress: bool, families: Optional[Mapping[str, bool]] = None) -> "Verdict":
        self = super().__new__(cls, allowed, egress, ingress)
        self.families = dict(families or {})
        return self

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Verdict):
            return tuple(self) == tuple(other) and self.families == other.families
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = _Directions.__hash__

    def __repr__(self) -> str:
        return (
            f"Verdict(allowed={self.allowed}, egress={self.egress}, ingress={self.ingress}, "
            f"families={self.families!r})"
        )

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Verdict, (self.allowed, self.egress, self.ingress, self.families))


@dataclass(frozen=True)
class FamilyExplanation:
    """One address family's account of a connection: egress and ingress over ``family``."""

    family: str
    """``"ipv4"`` or ``"ipv6"``."""
    egress: DirectionExplanation
    ingress: DirectionExplanation

    @classmethod
    def _from_json(cls, d: Mapping[str, Any]) -> "FamilyExplanation":
        return cls(
            family=d["family"],
            egress=DirectionExplanation._from_json("egress", d["egress"]),
            ingress=DirectionExplanation._from_json("ingress", d["ingress"]),
        )


@dataclass(frozen=True)
class Explanation:
    """Why a connection is allowed or denied; ``str()`` gives the report ``netpol check`` prints.

    A connection has one address family: ``egress`` and ``ingress`` are the account of
    ``family``, one that allows the connection if any does, else the first shared one (IPv4
    first); ``other_family`` is the other shared family's account when it decides differently.
    ``families`` holds each shared family's verdict (``{}`` and ``family`` ``None`` when the ends
    share none: both directions then say ``no-common-family``)."""

    allowed: bool
    source: str
    destination: str
    port: int
    protocol: str
    egress: DirectionExplanation
    ingress: DirectionExplanation
    text: str
    families: Dict[str, bool] = field(default_factory=dict)
    """Per address family both ends share, whether it allows the connection."""
    family: Optional[str] = None
    """``"ipv4"`` or ``"ipv6"``: the family ``egress`` and ``ingress`` are about."""
    other_family: Optional[FamilyExplanation] = None
    """The other shared family's account, when it differs (allowed over one family only)."""

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return self.allowed


class Matrix:
    """The truth table of every pod to every pod on one port, kept as one byte a cell (``n`` x
    ``n`` bytes, no Python object per cell): ``cell(src, dst)`` answers one pair, ``array`` is a
    NumPy bool array over the same bytes (no copy; ``None`` without NumPy), ``raw`` the bytes
    themselves (row ``i`` is ``pods[i]`` as the source), and ``allowed[i][j]`` the table as lists
    of bools, made on first use (at 10,000 pods, 10⁸ Python bools: ask only when needed)."""

    __slots__ = ("port", "protocol", "pods", "raw", "_index", "_allowed")

    port: int
    protocol: str
    pods: List[str]
    raw: bytes

    def __init__(self, port: int, protocol: str, pods: List[str], raw: bytes) -> None:
        if len(raw) != len(pods) * len(pods):
            raise ValueError(f"{len(raw)} bytes are not a table of {len(pods)} pods")
        self.port = port
        self.protocol = protocol
        self.pods = pods
        self.raw = raw
        self._index: Optional[Dict[str, int]] = None
        self._allowed: Optional[List[List[bool]]] = None

    def __len__(self) -> int:
        return len(self.pods)

    def __repr__(self) -> str:
        return f"Matrix(port={self.port}, protocol={self.protocol!r}, pods={len(self.pods)})"

    @property
    def allowed(self) -> List[List[bool]]:
        """``allowed[i][j]``: whether ``pods[i]`` may reach ``pods[j]`` (lists, made once)."""
        if self._allowed is None:
            self._allowed = _bool_rows(self.raw, len(self.pods))
        return self._allowed

    @property
    def array(self) -> Any:
        """The table as a read-only NumPy bool array over :attr:`raw`, or ``None`` without NumPy."""
        if _np is None:
            return None
        n = len(self.pods)
        return _np.frombuffer(self.raw, dtype=_np.bool_).reshape(n, n)

    def cell(self, src: str, dst: str) -> bool:
        """Whether pod ``src`` may reach pod ``dst`` (both ``namespace/name``); ``KeyError``
        naming the pod when it is not in the table."""
        if self._index is None:
            self._index = {p: i for i, p in enumerate(self.pods)}
        try:
            i, j = self._index[src], self._index[dst]
        except KeyError as e:
            raise KeyError(f"no pod {e.args[0]!r} in the matrix") from None
        return self.raw[i * len(self.pods) + j] == 1


@dataclass(frozen=True)
class ObservedFlow:
    """Observed connections folded into one flow: ``count`` records from ``source`` to
    ``destination`` (``namespace/pod`` or an address) on ``port``/``protocol``."""

    source: str
    destination: str
    port: int
    protocol: str
    count: int

    @classmethod
    def _from_json(cls, d: Mapping[str, Any]) -> "ObservedFlow":
        return cls(source=d["from"], destination=d["to"], port=d["port"], protocol=d["protocol"], count=d["count"])


def _flow_list(items: Iterable[Mapping[str, Any]]) -> List[ObservedFlow]:
    return [ObservedFlow._from_json(f) for f in items]


@dataclass(frozen=True)
class SelfCheck:
    """The suggestion replayed: its YAML loaded back in place of the cluster's policies and every
    observed flow decided under it (``denied`` is always empty: else :class:`SelfCheckError`)."""

    flows: int
    """Observed flows replayed."""
    denied: List[ObservedFlow]
    """Observed flows the suggestion denies."""
    opened: List[ObservedFlow]
    """Observed flows the current policies deny that the suggestion allows."""
    pairs_before: int
    """Ordered pairs of distinct pods with some allowed port, under the current policies."""
    pairs_after: int
    """The same under the suggestion."""
    ports_before: int
    """Allowed (pod pair, protocol, port) combinations under the current policies."""
    ports_after: int
    """The same under the suggestion."""


@dataclass(frozen=True)
class Suggestion:
    """Least-privilege NetworkPolicies for observed flows, as ``netpol suggest`` prints them;
    ``str()`` gives the YAML."""

    yaml: str
    """A multi-document YAML stream for ``kubectl apply -f``, a comment above each policy."""
    json: str
    """The same policies as a JSON ``v1/List``."""
    policies: List[str]
    """The suggested policies, ``namespace/name``."""
    warnings: List[str]
    """Where the suggestion is wider than the flows (a selector that also picks other pods, ...)."""
    flows: int
    """Observed flows the suggestion was made from."""
    records: int
    """The flow records those flows fold."""
    check: SelfCheck
    left_denied: List[ObservedFlow]
    """Flows observed DROPPED, left out and denied by the suggestion (``include_dropped=True``
    allows them)."""
    dropped_allowed: List[ObservedFlow]
    """Flows observed DROPPED, left out, which the suggestion allows all the same: its rules are
    per workload, so another pod's observed flow on the same port admits them."""
    unresolved: List[Dict[str, Any]]
    """Endpoints that name nothing in the cluster, ``{"endpoint", "reason", "records"}``: the
    suggestion does not cover their records."""

    def __str__(self) -> str:
        return self.yaml

    @classmethod
    def _from_json(cls, text: str) -> "Suggestion":
        d = json.loads(text)
        c = d["check"]
        return cls(
            yaml=d["yaml"],
            json=d["json"],
            policies=list(d["policies"]),
            warnings=list(d["warnings"]),
            flows=d["flows"],
            records=d["records"],
            check=SelfCheck(
                flows=c["flows"],
                denied=_flow_list(c["denied"]),
                opened=_flow_list(c["opened"]),
                pairs_before=c["pairs_before"],
                pairs_after=c["pairs_after"],
                ports_before=c["ports_before"],
                ports_after=c["ports_after"],
            ),
            left_denied=_flow_list(d["left_denied"]),
            dropped_allowed=_flow_list(d["dropped_allowed"]),
            unresolved=list(d["unresolved"]),
        )


class Engine:
    """A compiled cluster: immutable, safe to share between threads."""

    __slots__ = ("_raw",)

    def __init__(self, raw: RawEngine) -> None:
        if not isinstance(raw, RawEngine):
            what = "a path or text" if isinstance(raw, (str, bytes, os.PathLike)) else type(raw).__name__
            raise TypeError(
                f"Engine() takes no {what}: load with Engine.from_files(path), Engine.from_yaml(text) "
                "or Engine.from_objects(objects)"
            )
        self._raw = raw

    @classmethod
    def from_yaml(
        cls,
        text: str,
        *,
        self_traffic: SelfTraffic = "allow",
        ipblock_pod_ips: IpBlockPodIps = "match",
        strict: bool = True,
        tie: Tie = "deny-wins",
    ) -> "Engine":
        """Loads YAML or JSON text: single objects, multi-document streams, ``kind: List``.

        ``self_traffic``: ``"allow"`` (a pod can always reach itself) or ``"evaluate"``.
        ``ipblock_pod_ips``: ``"match"`` (ipBlocks also match pod IPs) or ``"ignore"``.
        ``strict=False`` skips objects the API server would reject and lists them in ``warnings``.
        ``tie``: how cluster policies (ClusterNetworkPolicy, AdminNetworkPolicy) of one tier and
        priority that disagree are decided: ``"deny-wins"``, ``"accept-wins"`` or ``"error"``
        (refuse such a cluster).
        Raises :class:`ParseError` or :class:`ValidationError`."""
        return cls(RawEngine.from_text(text, self_traffic, ipblock_pod_ips, strict, tie))

    @classmethod
    def from_objects(
        cls,
        objects: Iterable[Mapping[str, Any]],
        *,
        self_traffic: SelfTraffic = "allow",
        ipblock_pod_ips: IpBlockPodIps = "match",
        strict: bool = True,
        tie: Tie = "deny-wins",
    ) -> "Engine":
        """Loads parsed objects: what ``yaml.safe_load_all`` returns, or the official
        ``kubernetes`` client's ``to_dict()`` (snake_case keys are turned into the API's names)."""
        items = [_to_api(o) for o in objects if o is not None]
        text = json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
        return cls(RawEngine.from_text(text, self_traffic, ipblock_pod_ips, strict, tie))

    @classmethod
    def from_files(
        cls,
        *paths: Union[str, "os.PathLike[str]"],
        self_traffic: SelfTraffic = "allow",
        ipblock_pod_ips: IpBlockPodIps = "match",
        strict: bool = True,
        tie: Tie = "deny-wins",
    ) -> "Engine":
        """Loads YAML/JSON files and directories (read recursively)."""
        return cls(RawEngine.from_paths([os.fspath(p) for p in paths], self_traffic, ipblock_pod_ips, strict, tie))

    def allowed(self, src: Endpoint, dst: Endpoint, port: int, protocol: str = "TCP") -> bool:
        """Whether ``src`` may open a connection to ``dst`` on ``port``/``protocol`` (over some
        address family both ends share)."""
        return self._raw.allowed(src, dst, port, protocol)

    def verdict(self, src: Endpoint, dst: Endpoint, port: int, protocol: str = "TCP") -> Verdict:
        """``(allowed, egress allowed at the source, ingress allowed at the destination)`` as a
        :class:`Verdict`, whose ``families`` gives the answer per shared address family."""
        return Verdict(*self._raw.decide(src, dst, port, protocol))

    def allowed_many(self, queries: Iterable[Tuple[Endpoint, Endpoint, int, str]]) -> List[bool]:
        """Decides many ``(src, dst, port, protocol)`` queries; the GIL is released meanwhile."""
        return self._raw.allowed_many(queries)

    def verdict_many(self, queries: Iterable[Tuple[Endpoint, Endpoint, int, str]]) -> List[Verdict]:
        """:meth:`verdict` for many ``(src, dst, port, protocol)`` queries, with the families of
        each; the GIL is released while deciding."""
        return [Verdict(*v) for v in self._raw.decide_many(queries)]

    def explain(self, src: Endpoint, dst: Endpoint, port: int, protocol: str = "TCP") -> Explanation:
        """The isolating policies and the admitting rule(s) per direction, or why none admits;
        per address family when the shared families decide differently (see
        :class:`Explanation`)."""
        data, text = self._raw.explain(src, dst, port, protocol)
        d = json.loads(data)
        other = d.get("other_family")
        return Explanation(
            allowed=d["allowed"],
            source=d["from"],
            destination=d["to"],
            port=d["port"],
            protocol=d["protocol"],
            egress=DirectionExplanation._from_json("egress", d["egress"]),
            ingress=DirectionExplanation._from_json("ingress", d["ingress"]),
            text=text,
            families=dict(d["families"]),
            family=d["family"],
            other_family=None if other is None else FamilyExplanation._from_json(other),
        )

    def matrix(self, port: int, protocol: str = "TCP") -> Matrix:
        """The truth table of every pod to every pod (rows sources, columns destinations), one
        byte a pod pair (lists of bools only when :attr:`Matrix.allowed` is read). Raises
        :class:`MemoryError`, before computing anything, when the table does not fit in the
        memory left, and
        :class:`KeyboardInterrupt` at Ctrl-C, within a few milliseconds however large the table."""
        raw = self._raw.matrix(port, protocol)
        return Matrix(port=port, protocol=protocol.upper(), pods=self._raw.pods, raw=raw)

    def connectivity(self) -> Connectivity:
        """For every pod pair the allowed ports per protocol, and each pod's external ranges:
        ``{"pairs": [{"from", "to", "ports"}], "external": [{"pod", "egress", "ingress"}]}``,
        the shape ``netpol connectivity -o json`` prints. The GIL is released while computing;
        Ctrl-C raises :class:`KeyboardInterrupt` at once, and a map that would not fit in the memory
        left raises :class:`MemoryError` before it is written out."""
        result: Connectivity = json.loads(self._raw.connectivity())
        return result

    def reach(self, endpoint: Endpoint, *, direction: ReachDirection = "to") -> Reach:
        """Who may open connections to ``endpoint`` (``direction="to"``, ingress) or what it may
        open connections to (``"from"``, egress): peers grouped by workload and namespace,
        external address ranges, ports and the granting rules, the shape ``netpol reach -o json``
        prints; ``result["statement"]`` is the answer as sentences. ``endpoint`` is
        ``"namespace/pod"``, a workload ``"namespace/kind/name"`` (``"shop/deployment/api"``) or
        an IP address. Raises :class:`ValueError` for an endpoint that names nothing. The GIL is
        released while computing."""
        result: Reach = json.loads(self._raw.reach(endpoint, direction))
        return result

    def select_pod(self, pod: str) -> PodSelection:
        """The policies that select ``pod`` (``"namespace/name"``) per direction, the cluster
        policies whose subject it is, and every rule that names it as a peer with its path: the
        shape ``netpol select --pod -o json`` prints (``{"pod", "ingress", "egress",
        "cluster_policies", "peer_of"}``). Raises :class:`ValueError` for an unknown pod."""
        result: PodSelection = json.loads(self._raw.select_pod(pod))
        return result

    def select_policy(self, policy: str) -> PolicySelection:
        """The pods ``policy`` (``"namespace/name"``, or a cluster policy's name) selects and,
        per rule and peer, the pods, namespaces and address ranges it admits: the shape
        ``netpol select --policy -o json`` prints. Raises :class:`ValueError` for an unknown
        policy."""
        result: PolicySelection = json.loads(self._raw.select_policy(policy))
        return result

    def flows(self, *paths: FlowPath, format: FlowFormat = "auto") -> FlowReport:
        """Replays observed traffic from flow files (``format``: ``"auto"``, told per file from its
        first line, ``"hubble"`` for ``hubble observe -o json``, ``"jsonl"`` or ``"csv"``) through
        the policies; the report ``netpol flows -o json`` prints: ``{"summary", "denied",
        "newly_allowed", "rules", "unused_rules", "matched", "unresolved", "skipped"}``. Raises
        :class:`FlowError` naming file, line and field of every malformed line (of every file),
        and :class:`ValueError` when no file is given. The GIL is released while reading and
        deciding; Ctrl-C raises :class:`KeyboardInterrupt` at once."""
        result: FlowReport = json.loads(self._raw.flows([os.fspath(p) for p in paths], None, format))
        return result

    def flows_from_text(self, text: str, *, format: FlowFormat = "auto") -> FlowReport:
        """:meth:`flows` on flow records given as text (errors name ``<text>:line``);
        :class:`ValueError` for ``None``."""
        result: FlowReport = json.loads(self._raw.flows([], text, format))
        return result

    def suggest(self, *paths: FlowPath, format: FlowFormat = "auto", include_dropped: bool = False) -> Suggestion:
        """Least-privilege policies, to replace the current ones, that allow exactly the flows of
        the flow files (as :meth:`flows` reads them); flows observed DROPPED stay denied unless
        ``include_dropped``. The suggestion is checked before it is returned: its YAML is loaded
        back with this cluster's namespaces and pods and every flow must be allowed, else
        :class:`SelfCheckError`. Raises :class:`ValueError` when no file is given or the files
        hold no flow to suggest from. The GIL is released while reading and computing; Ctrl-C
        raises :class:`KeyboardInterrupt` at once."""
        return Suggestion._from_json(self._raw.suggest([os.fspath(p) for p in paths], None, format, include_dropped))

    def suggest_from_text(self, text: str, *, format: FlowFormat = "auto", include_dropped: bool = False) -> Suggestion:
        """:meth:`suggest` on flow records given as text; :class:`ValueError` for ``None`` or text
        without flows."""
        return Suggestion._from_json(self._raw.suggest([], text, format, include_dropped))

    def audit(
        self,
        *,
        system_namespaces: Optional[Iterable[str]] = None,
        dns_namespace: Optional[str] = None,
        dns_selector: Union[str, Mapping[str, str], None] = None,
    ) -> AuditReport:
        """What a reviewer would flag in the policies, the report ``netpol audit -o json`` prints:
        ``{"findings": [{"id", "slug", "severity", "objects", "paths": [{"object", "path"}], "why",
        "fix"}], "coverage": [{"namespace", "pods", "ingress_isolated", "egress_isolated",
        "ingress_share", "egress_share"}], "summary": {"findings", "error", "warning", "info",
        "pods", "ingress_isolated", "egress_isolated"}}``. ``--fail-on error`` fails when
        ``summary["error"]`` is not 0, ``--fail-on warning`` when ``error + warning`` is not.

        ``system_namespaces`` (``--system-namespace``) are held to ingress isolation only; a list
        replaces the default ``kube-system``, ``kube-public``, ``kube-node-lease``. The cluster DNS
        pods are those matching ``dns_selector`` (``--dns-selector``: ``"key=value[,...]"`` or a
        dict of labels; default ``k8s-app=kube-dns``) in ``dns_namespace`` (default
        ``kube-system``). Raises :class:`ValueError` for a malformed ``dns_selector``. The GIL is
        released while auditing; Ctrl-C raises :class:`KeyboardInterrupt` at once."""
        if isinstance(system_namespaces, str):
            raise TypeError("system_namespaces must be a list of namespaces, not a string")
        namespaces = None if system_namespaces is None else list(system_namespaces)
        if isinstance(dns_selector, Mapping):
            dns_selector = ",".join(f"{k}={v}" for k, v in dns_selector.items())
        result: AuditReport = json.loads(self._raw.audit(namespaces, dns_namespace, dns_selector))
        return result

    def verify(self, path: ExpectationsPath) -> VerifyReport:
        """Checks the expectations file at ``path`` (YAML or JSON, the format ``netpol verify``
        reads) against the cluster; the report ``netpol verify --expect FILE -o json`` prints:
        ``{"origin", "passed", "failed", "expectations": [{"name", "from", "to", "ports",
        "protocol", "expect", "passed", "pairs", "failed_pairs", "problem", "counterexamples"}]}``.
        Each counterexample of a broken expectation is a connection that contradicts it with its
        explanation (``"egress"``/``"ingress"``, ``"families"``, ``"family"`` and
        ``"other_family"`` as in :meth:`explain`). ``result["failed"] == 0``
        is what exit code 0 means. Raises :class:`ExpectationsError` naming the file,
        ``expectations[i].field`` and line of every problem of a bad (or unreadable) file. The GIL
        is released while reading and checking."""
        result: VerifyReport = json.loads(self._raw.verify(os.fspath(path), None))
        return result

    def verify_from_text(self, text: str) -> VerifyReport:
        """:meth:`verify` on expectations given as text (``origin`` and errors name ``<text>``)."""
        result: VerifyReport = json.loads(self._raw.verify(None, text))
        return result

    @property
    def pods(self) -> List[str]:
        """Pod names, ``namespace/name``, sorted by namespace then name."""
        return self._raw.pods

    @property
    def policies(self) -> List[str]:
        """Policy names, ``namespace/name``."""
        return self._raw.policies

    @property
    def warnings(self) -> List[str]:
        """What loading reported without failing: pods left out, namespaces assumed, kinds
        skipped, objects skipped in lenient mode."""
        return self._raw.warnings

    @property
    def identities(self) -> int:
        """Pod identities: classes of pods no policy can tell apart."""
        return self._raw.identities

    def __repr__(self) -> str:
        return f"<netpol.Engine: {len(self.pods)} pods, {len(self.policies)} policies>"


class Live:
    """A cluster that changes: watch events applied one at a time by an incremental engine, and
    snapshots to query. A pod that joins an identity the engine already has only updates per-pod
    arrays; other changes compile again. A snapshot is an :class:`Engine` that later events do
    not change; taking one is cheap. One thread applies events; any thread may take snapshots
    and query them (the GIL is released while an event applies)."""

    __slots__ = ("_raw",)

    def __init__(self, raw: RawLive) -> None:
        self._raw = raw

    @classmethod
    def from_yaml(
        cls,
        text: str = "",
        *,
        self_traffic: SelfTraffic = "allow",
        ipblock_pod_ips: IpBlockPodIps = "match",
        strict: bool = True,
        tie: Tie = "deny-wins",
    ) -> "Live":
        """Starts from YAML or JSON text, the initial listing (``kubectl get
        namespaces,pods,networkpolicies -A -o json``); empty text starts from an empty cluster.
        Options as for :meth:`Engine.from_yaml`; ``strict`` holds for every event too.
        Raises :class:`ParseError` or :class:`ValidationError`."""
        return cls(RawLive.from_text(text, self_traffic, ipblock_pod_ips, strict, tie))

    def apply(self, event: Union[str, Mapping[str, Any]]) -> str:
        """Applies one watch event: ``{"type": "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" |
        "ERROR", "object": {...}}`` as ``kubectl get ... -o json --watch --output-watch-events``
        prints it (a dict, or its JSON text), or a full listing (such as a ``kind: List``) that
        replaces the whole state. Returns what it took: ``"unchanged"``, ``"left-out"``,
        ``"patched"``, ``"recompiled"``, ``"ignored"`` (a bookmark, a kind netpol does not
        read) or ``"resynced"``. Raises :class:`ParseError` (malformed JSON, an ``ERROR``
        event such as 410 Gone) or :class:`ValidationError` (an object the API server would
        reject, a deletion of an object not held); the state is then as it was."""
        text = event if isinstance(event, str) else json.dumps(_to_api(event))
        return self._raw.apply(text)

    def snapshot(self) -> Engine:
        """The engine for the current state; later events do not change it."""
        return Engine(self._raw.snapshot())

    def stats(self) -> Dict[str, int]:
        """Counts of what the events so far took: ``unchanged``, ``left_out``, ``patched``,
        ``recompiled``, ``refused``."""
        keys = ("unchanged", "left_out", "patched", "recompiled", "refused")
        return dict(zip(keys, self._raw.stats()))

    def __repr__(self) -> str:
        return f"<netpol.Live: {self.stats()}>"


def diff(before: Engine, after: Engine) -> Diff:
    """What changing the cluster ``before`` into ``after`` does to traffic (two commits of a
    manifest repository, or a live dump and the manifests): the report ``netpol diff -o json``
    prints, ``{"summary": {"newly_allowed": {"pod_pairs", "workload_pairs", "external"},
    "newly_denied": {...}}, "changes", "external", "added", "removed", "policies": {"added",
    "changed", "removed"}}``; every changed connection is folded by workload and names the
    policies that caused it. Something is newly allowed (what ``--fail-on-change`` fails on) when
    ``summary["newly_allowed"]["pod_pairs"]`` or ``["external"]`` is not 0. Both engines must be
    loaded with the same ``self_traffic``, ``ipblock_pod_ips`` and ``tie``, else :class:`ValueError`. The
    GIL is released while comparing."""
    if not isinstance(before, Engine) or not isinstance(after, Engine):
        raise TypeError("diff compares two netpol.Engine objects")
    result: Diff = json.loads(_raw_diff(before._raw, after._raw))
    return result
