"""docs/configuration.md, "Approvals": what `required_approvals` asks of the other
protection settings of one merged environment, checked on the file by `semantics`.

Each setting comes as its merged value with the path of the layer that gave it
(None when no layer did); each problem as the path of the value to point at
and the sentence.
"""

from __future__ import annotations

from reconciler.config.positions import Path_

Setting = tuple[object, Path_] | None


def _blame(setting: Path_, layer: Path_, count: Path_) -> Path_:
    """The setting when this layer wrote it; else the count that made the inherited one wrong."""
    return setting if setting[: len(layer)] == layer else count


def approval_problems(
    label: str,
    layer: Path_,
    approvals: tuple[int, Path_],
    *,
    reviewers: Setting,
    self_review: Setting,
    bypass: Setting,
) -> list[tuple[Path_, str]]:
    """The problems of the environment `layer` (the last, winning one) describes."""
    count, count_path = approvals
    if count == 0 and reviewers is not None and reviewers[0]:
        return [
            (
                _blame(reviewers[1], layer, count_path),
                f"{label} has required_approvals 0, which means no review, "
                "so 'reviewers' must be empty",
            )
        ]
    if count == 0 and self_review is not None and self_review[0] is True:
        # GitHub refuses such a PUT with 422 (safe-settings #628).
        return [
            (
                _blame(self_review[1], layer, count_path),
                f"{label} has required_approvals 0, so no reviewers, and GitHub refuses "
                "prevent_self_review true without one (422: 'Required reviewers must have "
                "at least one reviewer to set prevent_self_review'); remove it or set it false",
            )
        ]
    found: list[tuple[Path_, str]] = []
    if count > 0 and not (reviewers and reviewers[0]):
        found.append(
            (
                count_path,
                f"{label} has required_approvals {count}, so it needs at least "
                "one entry in 'reviewers'",
            )
        )
    if count == 2 and self_review is not None and self_review[0] is False:
        found.append(
            (
                self_review[1],
                f"{label} has required_approvals 2 (4-eyes), which needs "
                "prevent_self_review true so that two distinct people are involved",
            )
        )
    if count == 2 and bypass is not None and bypass[0] is True:
        found.append(
            (
                bypass[1],
                f"{label} has required_approvals 2 (4-eyes), so admins_bypass cannot be true: "
                "a repository administrator could then deploy with no approval at all",
            )
        )
    return found
