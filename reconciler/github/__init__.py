"""The GitHub adapter: the only package that imports PyGithub."""

from reconciler.github.billing import repository_billing
from reconciler.github.budget import Budget, ensure_budget, primary_budget
from reconciler.github.cache import default_cache_dir, resolve_cache_dir
from reconciler.github.connection import (
    DEFAULT_API_URL,
    AppCredentials,
    GitHubConnection,
    TokenCredentials,
    connection_from_env,
)
from reconciler.github.errors import GitHubError, RepositoryNotFound
from reconciler.github.identities import (
    authenticated_actor,
    check_reviewer_access,
    resolve_identities,
)
from reconciler.github.pacer import Pacer, PacerConfig, RequestEvent, RequestObserver
from reconciler.github.reader import Rereads, observe_github, observe_repository, reread_repository
from reconciler.github.settings import (
    RetryPolicy,
    TransportSettings,
    transport_settings,
)
from reconciler.github.writer import GitHubWriter, WriteResult
from reconciler.logs import claim_library_loggers

# Importing PyGithub (above) gave its logger a handler of its own: take it back.
claim_library_loggers()

__all__ = [
    "DEFAULT_API_URL",
    "AppCredentials",
    "Budget",
    "GitHubConnection",
    "GitHubError",
    "GitHubWriter",
    "Pacer",
    "PacerConfig",
    "RepositoryNotFound",
    "RequestEvent",
    "RequestObserver",
    "Rereads",
    "RetryPolicy",
    "TokenCredentials",
    "TransportSettings",
    "WriteResult",
    "authenticated_actor",
    "check_reviewer_access",
    "connection_from_env",
    "default_cache_dir",
    "ensure_budget",
    "observe_github",
    "observe_repository",
    "primary_budget",
    "repository_billing",
    "reread_repository",
    "resolve_cache_dir",
    "resolve_identities",
    "transport_settings",
]
