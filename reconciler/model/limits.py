"""GitHub's documented limits on what environments.yaml asks it to store.

From GitHub's "Variables reference" ("Limits for configuration variables") and
"Secrets reference" ("Limits for secrets"). `validate` checks what the file
holds; a secret's value is only known when apply reads it, so its size is
checked then, before anything is sent.
"""

from __future__ import annotations

# "Individual variables are limited to 48 KB"; "Secrets are limited to 48 KB".
# GitHub does not say whether KB is 1,000 or 1,024 bytes: the larger reading
# never refuses a value GitHub would take (GitHub itself answers 422 beyond).
MAX_VALUE_BYTES = 48 * 1024

# "500 variables per repository, and 100 variables per environment".
MAX_REPOSITORY_VARIABLES = 500
MAX_ENVIRONMENT_VARIABLES = 100
# "100 repository secrets, and 100 environment secrets".
MAX_REPOSITORY_SECRETS = 100
MAX_ENVIRONMENT_SECRETS = 100


def value_bytes(text: str) -> int:
    """The size GitHub counts: the value's UTF-8 bytes."""
    return len(text.encode("utf-8", errors="surrogatepass"))
