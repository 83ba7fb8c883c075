"""Issues, pull requests (as GitHub's issues API sees them), comments and labels of
one repository: what `reconcile publish` reads and writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from reconciler.sandbox.github.state import Account, Repo, World

# GitHub's issue and comment bodies: at most this many characters.
BODY_LIMIT = 65_536
# The colour GitHub gives a label made on the fly (github/docs#35718).
DEFAULT_LABEL_COLOR = "ededed"


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None


@dataclass
class IssueComment:
    id: int
    issue_number: int
    author: str  # login as spelled
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Issue:
    id: int
    number: int
    title: str
    body: str | None
    author: str
    created_at: datetime
    updated_at: datetime
    labels: list[str] = field(default_factory=list)  # lower-case label names
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    pull_request: bool = False  # GitHub's issues API also lists pull requests
    comments: list[int] = field(default_factory=list)  # comment ids, oldest first


@dataclass
class IssueBook:
    """One repository's issues and pull requests (one numbering), comments and labels."""

    issues: dict[int, Issue] = field(default_factory=dict)
    comments: dict[int, IssueComment] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)  # lower-case name

    def next_number(self) -> int:
        return max(self.issues, default=0) + 1


def book(world: World, repo: Repo) -> IssueBook:
    return world.issue_books.setdefault(repo.full_name.lower(), IssueBook())


def author_account(world: World, login: str) -> Account:
    """The account behind a login that writes; a GitHub App's `slug[bot]` is a Bot."""
    account = world.account(login)
    if account is None:
        kind = "Bot" if login.endswith("[bot]") else "User"
        account = Account(world.new_id(), login, kind, world.now())
        world.accounts[login.lower()] = account
    return account


def label_for(world: World, repo: Repo, name: str) -> Label:
    """The label named `name` (any case), made with GitHub's default colour when missing."""
    labels = book(world, repo).labels
    found = labels.get(name.lower())
    if found is None:
        found = Label(world.new_id(), name, DEFAULT_LABEL_COLOR, None)
        labels[name.lower()] = found
    return found
