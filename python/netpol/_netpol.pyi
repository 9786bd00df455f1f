"""The extension module behind ``netpol``; use the wrappers in ``netpol`` instead."""

from typing import Any, Dict, Iterable, List, Optional, Tuple

from typing_extensions import final

__all__ = ["RawEngine", "RawLive", "__version__", "bool_rows", "diff", "run_cli"]

__version__: str

@final
class RawEngine:
    """A compiled cluster."""

    @staticmethod
    def from_text(
        text: str, self_traffic: str, ipblock_pod_ips: str, strict: bool, tie: str = "deny-wins"
    ) -> RawEngine:
        """Loads YAML or JSON text."""
    @staticmethod
    def from_paths(
        paths: List[str], self_traffic: str, ipblock_pod_ips: str, strict: bool, tie: str = "deny-wins"
    ) -> RawEngine:
        """Loads files and directories."""
    def decide(self, src: Any, dst: Any, port: int, protocol: str) -> Tuple[bool, bool, bool, Dict[str, bool]]:
        """(allowed, egress allowed, ingress allowed, {family: allowed} per shared family)."""
    def allowed(self, src: Any, dst: Any, port: int, protocol: str) -> bool:
        """Whether the connection is allowed."""
    def allowed_many(self, queries: Iterable[Tuple[Any, Any, int, str]]) -> List[bool]:
        """Many queries at once, without the GIL while deciding."""
    def decide_many(
        self, queries: Iterable[Tuple[Any, Any, int, str]]
    ) -> List[Tuple[bool, bool, bool, Dict[str, bool]]]:
        """Many queries at once as `decide` answers them, without the GIL while deciding."""
    def explain(self, src: Any, dst: Any, port: int, protocol: str) -> Tuple[str, str]:
        """The explanation as (JSON text, readable text)."""
    def matrix(self, port: int, protocol: str) -> bytes:
        """The truth table as (rows of bools, row-major bytes of 0/1); `MemoryError` when it does not
        fit in memory, `KeyboardInterrupt` at Ctrl-C."""
    def connectivity(self) -> str:
        """The connectivity map as JSON text; `MemoryError` when it does not fit in memory."""
    def reach(self, endpoint: Any, direction: str) -> str:
        """Who may reach the endpoint (`to`) or what it may reach (`from`), as JSON text."""
    def select_pod(self, pod: str) -> str:
        """Policies selecting the pod and rules naming it, as JSON text."""
    def select_policy(self, policy: str) -> str:
        """The pods a policy selects and what its rules admit, as JSON text."""
    def flows(self, paths: List[str], text: Optional[str], format: str) -> str:
        """The replay report of flow files and/or flow text, as JSON text."""
    def suggest(self, paths: List[str], text: Optional[str], format: str, include_dropped: bool) -> str:
        """Self-checked suggested policies for flow files and/or flow text, as JSON text."""
    def audit(
        self, system_namespaces: Optional[List[str]], dns_namespace: Optional[str], dns_selector: Optional[str]
    ) -> str:
        """The audit report as JSON text; `None` keeps the default."""
    def verify(self, path: Optional[str], text: Optional[str]) -> str:
        """The verification report of an expectations file or text (exactly one), as JSON text."""
    @property
    def pods(self) -> List[str]:
        """Pod names, ``namespace/name``, in order."""
    @property
    def policies(self) -> List[str]:
        """Policy names, ``namespace/name``, in order."""
    @property
    def warnings(self) -> List[str]:
        """Warnings from loading."""
    @property
    def identities(self) -> int:
        """Pod identities: classes of pods no policy can tell apart."""


@final
class RawLive:
    """A live cluster: watch events applied incrementally."""

    @staticmethod
    def from_text(
        text: str, self_traffic: str, ipblock_pod_ips: str, strict: bool, tie: str = "deny-wins"
    ) -> "RawLive": ...
    def apply(self, event: str) -> str: ...
    def snapshot(self) -> RawEngine: ...
    def stats(self) -> Tuple[int, int, int, int, int]: ...

def diff(before: RawEngine, after: RawEngine) -> str:
    """The connection changes from `before` to `after` as JSON text."""

def run_cli(args: List[str]) -> int:
    """Runs the `netpol` command line (without the program name) in process; the exit code."""

def bool_rows(cells: bytes, n: int) -> List[List[bool]]:
    """The rows of an ``n`` x ``n`` table of row-major bytes of 0/1 as lists of bools."""
    ...
