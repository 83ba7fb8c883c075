"""One run: making a plan, applying and verifying it, its audit, lock and scope."""
