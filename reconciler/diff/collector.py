"""The accumulator each diff step writes into before the plan is built."""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.model.findings import Code
from reconciler.model.payloads import Payload
from reconciler.model.plan import Change, Finding, Resource, Severity, Unmanaged


@dataclass
class Collector:
    """Changes, findings and unmanaged items of one diff run, in any order.

    Mutable on purpose: it lives only inside `diff()`; `Plan.build` turns it
    into the ordered, frozen plan.
    """

    prune: bool
    source: str = "environments.yaml"  # the config's name, for messages
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unmanaged: list[Unmanaged] = field(default_factory=list)

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def finding(
        self,
        severity: Severity,
        code: Code,
        message: str,
        repository: str | None = None,
        environment: str | None = None,
    ) -> None:
        self.findings.append(Finding(severity, code, message, repository, environment))

    def undeclared(
        self,
        resource: Resource,
        repository: str,
        environment: str | None,
        name: str,
        before: Payload,
    ) -> None:
        """A live item the config does not declare: listed, or deleted under prune.

        See docs/configuration.md, "What is managed".
        """
        if self.prune:
            reason = f"not in {self.source} (prune: true)"
            self.add(
                Change.delete(
                    resource,
                    repository=repository,
                    environment=environment,
                    name=name,
                    before=before,
                    reason=reason,
                )
            )
        else:
            self.unmanaged.append(Unmanaged(resource, repository, environment, name))
