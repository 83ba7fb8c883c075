"""Local emulators used by tests and the `reconcile sandbox` / `demo` commands.

Plan and apply code never imports this package: it only stands in for the
remote services so the whole tool can run offline.
"""
