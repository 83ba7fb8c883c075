"""What vulture (`make lint`) must not call dead: names that code outside this
repository reads or calls, so no use of them appears here. One line each, with
why. Decorated callbacks (pydantic validators, pytest fixtures) are left out
by `ignore_decorators` in pyproject.toml instead; a name added here must be
one that a library or protocol really uses, never code waiting for a caller.
"""

# Read by vulture, never imported: `_.name` counts as a use of `name`.
_ = object()

_.exc_type  # the context-manager protocol: Python passes it to __exit__
_.tb  # the context-manager protocol: Python passes it to __exit__
_.model_config  # pydantic reads a model's configuration from this class attribute
_.log_request  # http.server calls it per request; overridden to keep stderr quiet
_.log_message  # http.server calls it for every log line; overridden to keep stderr quiet
_.do_GET  # http.server dispatches GET to it by name
_.do_POST  # http.server dispatches POST to it by name
_.do_PUT  # http.server dispatches PUT to it by name
_.do_DELETE  # http.server dispatches DELETE to it by name
_.protocol_version  # http.server reads it to speak HTTP/1.1 (keep-alive)
_.daemon_threads  # socketserver reads it: handler threads must not block exit
_._server_entry  # moto's ThreadedMotoServer runs it in its thread; overridden for a quiet log
_._content  # requests.Response keeps its body there; a cached answer is revived through it
_._content_consumed  # requests.Response reads it: the body was read (github/bounds.py reads it itself)
_.encoding  # requests.Response decodes .text with it
_.default_flow_style  # ruamel.yaml reads it when dumping
_.readline  # input() reads a stand-in stdin through it
_.content_type  # openapi-core reads it from a request and a response (its protocols)
_.host_url  # openapi-core reads it from a request (its protocol)
_.pytestmark  # pytest reads a module's markers from it
_.pytest_collection_finish  # pytest calls this hook of a conftest by its name
