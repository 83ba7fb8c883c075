"""The AWS adapter: the only production code that imports boto3 or botocore.

Read-only at plan time (`observe_aws`); secret values are read only at apply
time (`read_secret_value` / `secret_reader`).
"""

from __future__ import annotations

from reconciler.aws.errors import AwsError
from reconciler.aws.observe import observe_aws, observe_env_sources
from reconciler.aws.secrets import read_secret_value, secret_reader
from reconciler.aws.sessions import AwsSessions

__all__ = [
    "AwsError",
    "AwsSessions",
    "observe_aws",
    "observe_env_sources",
    "read_secret_value",
    "secret_reader",
]
