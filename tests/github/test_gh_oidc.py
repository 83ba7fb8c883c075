"""Reading each repository's OIDC subject template, and the subject it gives a job."""

from __future__ import annotations

from gh_support import FULL, OWNER, REPO

from reconciler.github import GitHubConnection
from reconciler.github.oidc import read_subject_templates
from reconciler.model.subjects import environment_context
from reconciler.sandbox.github import FaultRule, GitHubEmulator

PROD = environment_context("prod")
SUB = "actions/oidc/customization/sub"


def _paths(emu: GitHubEmulator) -> list[str]:
    return [r.path for r in emu.requests]


def test_default_template_costs_one_request(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    emu.clear_requests()
    templates = read_subject_templates(conn, [(OWNER, REPO)])
    template = templates[FULL]
    assert (template.claim_keys, template.origin, template.problem) == (None, "default", None)
    assert template.subject(PROD) == f"repo:{OWNER}/{REPO}:environment:prod"
    assert _paths(emu) == [f"/repos/{FULL}/{SUB}"]


def test_nothing_to_read_without_roles(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    emu.clear_requests()
    assert read_subject_templates(conn, []) == {}
    assert _paths(emu) == []


def test_the_repository_template_spells_the_subject(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.set_oidc_subject(
        OWNER, REPO, use_default=False, include_claim_keys=["repo", "context", "environment"]
    )
    template = read_subject_templates(conn, [(OWNER, REPO)])[FULL]
    assert template.origin == "repository"
    assert template.subject(PROD) == f"repo:{OWNER}/{REPO}:environment:prod:environment:prod"
    assert template.subject("pull_request") is None  # an environment claim needs an environment


def test_ids_template_reads_the_repository_once(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    """`repository_owner_id, repository_id, context`: the ids come from GET repository."""
    emu.set_oidc_subject(
        OWNER,
        REPO,
        use_default=False,
        include_claim_keys=["repository_owner_id", "repository_id", "context"],
    )
    owner_id, repo_id = emu.add_org(OWNER), emu.add_repo(OWNER, REPO)
    emu.clear_requests()

    template = read_subject_templates(conn, [(OWNER, REPO)])[FULL]

    assert template.subject(PROD) == (
        f"repository_owner_id:{owner_id}:repository_id:{repo_id}:environment:prod"
    )
    assert template.unknowable() == ()
    assert _paths(emu) == [f"/repos/{FULL}/{SUB}", f"/repos/{FULL}"]


def test_immutable_subject_from_the_prefix_needs_no_more_requests(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.set_oidc_subject(OWNER, REPO, immutable=True)
    owner_id, repo_id = emu.add_org(OWNER), emu.add_repo(OWNER, REPO)
    emu.clear_requests()

    template = read_subject_templates(conn, [(OWNER, REPO)])[FULL]

    assert template.subject(PROD) == f"repo:{OWNER}@{owner_id}/{REPO}@{repo_id}:environment:prod"
    assert len(emu.requests) == 1


def test_repositories_opting_into_the_org_template_read_it_once(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.add_repo(OWNER, "api")
    emu.add_repo(OWNER, "site")
    emu.set_org_oidc_subject(OWNER, ["repository_owner", "context"])
    emu.set_oidc_subject(OWNER, REPO, use_default=False)  # opts in
    emu.set_oidc_subject(OWNER, "api", use_default=False)  # opts in
    emu.clear_requests()

    templates = read_subject_templates(conn, [(OWNER, REPO), (OWNER, "api"), (OWNER, "site")])

    assert templates[FULL].origin == templates[f"{OWNER}/api"].origin == "organization"
    assert templates[FULL].subject(PROD) == f"repository_owner:{OWNER}:environment:prod"
    assert templates[f"{OWNER}/site"].claim_keys is None  # did not opt in: GitHub's default
    assert _paths(emu).count(f"/orgs/{OWNER}/{SUB}") == 1
    assert len(emu.requests) == 3 + 1


def test_opting_in_without_an_org_template_is_the_default(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.set_oidc_subject(OWNER, REPO, use_default=False)
    template = read_subject_templates(conn, [(OWNER, REPO)])[FULL]
    assert template.claim_keys is None
    assert template.subject(PROD) == f"repo:{OWNER}/{REPO}:environment:prod"


def test_a_refused_template_is_a_problem_not_a_failure(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.add_fault(FaultRule("GET", r"/oidc/customization/sub$", kind="status", status=403))
    template = read_subject_templates(conn, [(OWNER, REPO)])[FULL]
    assert template.claim_keys is None
    assert template.problem is not None
    assert "403" in template.problem
    assert "Actions: read" in template.problem


def test_run_time_claims_make_the_subject_unknowable(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.set_oidc_subject(
        OWNER, REPO, use_default=False, include_claim_keys=["repo", "context", "job_workflow_ref"]
    )
    template = read_subject_templates(conn, [(OWNER, REPO)])[FULL]
    assert template.unknowable() == ("job_workflow_ref",)
    assert template.subject(PROD) is None
