"""The error every stage raises for a problem the user can act on.

Its message is one line that says what went wrong and where; the CLI prints
it as `error: <message>` and exits 1, never with a traceback.
"""


class ReconcileError(Exception):
    """A problem with input, credentials or a remote service, explained in one line."""

    # The HTTP status a remote service answered with, when one did (logs, audit).
    status: int | None = None

    def report(self) -> list[str]:
        """The lines the CLI prints on standard error for this error."""
        return [f"error: {self}"]


class InvariantError(ReconcileError):
    """What an earlier stage's checks make impossible happened anyway: a bug.

    Raised in place of an `assert` so that it also holds under `python -O` and
    still reaches the user as one line rather than a traceback.
    """

    def __init__(self, what: str) -> None:
        super().__init__(f"internal error: {what}; please report it with the command you ran")
