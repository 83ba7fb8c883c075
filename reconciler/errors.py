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
