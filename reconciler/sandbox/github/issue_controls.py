"""Seeding and reading back issues, pull requests and their comments, and the token a
workflow run gets: what the tests of `reconcile publish` set up and check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from reconciler.sandbox.github.issue_state import (
    Issue,
    IssueComment,
    author_account,
    book,
    label_for,
)
from reconciler.sandbox.github.state import Token, World

ACTIONS_BOT = "github-actions[bot]"


@dataclass(frozen=True)
class IssueView:
    """An issue as a test reads it back."""

    number: int
    title: str
    body: str | None
    author: str
    state: str
    state_reason: str | None
    labels: tuple[str, ...]
    pull_request: bool


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    body: str


class IssueControls:
    _world: World

    def add_actions_token(self, token: str, owner: str, repo: str, *, write: bool = True) -> None:
        """The `GITHUB_TOKEN` of a workflow run in owner/repo: an installation token of
        GitHub's `github-actions` App for that one repository, acting as
        `github-actions[bot]`. `write=False`: a fork's pull request gets a read-only one."""
        with self._world.lock:
            target = self._world.require_repo(owner, repo)
            author_account(self._world, ACTIONS_BOT)
            self._world.tokens[token] = Token(
                login=ACTIONS_BOT,
                write=write,
                repos=frozenset({target.full_name.lower()}),
                expires_at=self._world.now() + timedelta(hours=6),
                scopes=None,
                installation_owner=target.owner.lower(),
            )

    def add_issue(
        self,
        owner: str,
        repo: str,
        title: str,
        *,
        author: str,
        body: str = "",
        labels: Sequence[str] = (),
        pull_request: bool = False,
    ) -> int:
        """An open issue (or pull request) by `author`; returns its number."""
        with self._world.lock:
            target = self._world.require_repo(owner, repo)
            author_account(self._world, author)
            issues = book(self._world, target)
            now = self._world.now()
            names = [label_for(self._world, target, n).name.lower() for n in labels]
            issue = Issue(
                self._world.new_id(), issues.next_number(), title, body, author, now, now, names,
                pull_request=pull_request,
            )  # fmt: skip
            issues.issues[issue.number] = issue
            return issue.number

    def add_pull_request(self, owner: str, repo: str, *, author: str = "alice") -> int:
        return self.add_issue(owner, repo, "Change environments.yaml", author=author,
                              pull_request=True)  # fmt: skip

    def add_issue_comment(self, owner: str, repo: str, number: int, author: str, body: str) -> int:
        """A comment by `author` on issue or pull request `number`; returns its id."""
        with self._world.lock:
            target = self._world.require_repo(owner, repo)
            author_account(self._world, author)
            issues = book(self._world, target)
            now = self._world.now()
            comment = IssueComment(self._world.new_id(), number, author, body, now, now)
            issues.comments[comment.id] = comment
            issues.issues[number].comments.append(comment.id)
            return comment.id

    def issues(self, owner: str, repo: str) -> list[IssueView]:
        """Every issue and pull request of the repository, by number."""
        with self._world.lock:
            issues = book(self._world, self._world.require_repo(owner, repo))
            return [
                IssueView(i.number, i.title, i.body, i.author, i.state, i.state_reason,
                          tuple(issues.labels[n].name for n in i.labels), i.pull_request)
                for i in sorted(issues.issues.values(), key=lambda i: i.number)
            ]  # fmt: skip

    def issue_comments(self, owner: str, repo: str, number: int) -> list[CommentView]:
        with self._world.lock:
            issues = book(self._world, self._world.require_repo(owner, repo))
            found = (issues.comments[c] for c in issues.issues[number].comments)
            return [CommentView(c.id, c.author, c.body) for c in found]

    def labels(self, owner: str, repo: str) -> dict[str, tuple[str, str | None]]:
        """Each label's name: (colour, description)."""
        with self._world.lock:
            issues = book(self._world, self._world.require_repo(owner, repo))
            return {lb.name: (lb.color, lb.description) for lb in issues.labels.values()}
