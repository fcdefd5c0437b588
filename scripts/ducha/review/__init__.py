"""Checks on history: ``pullrequest`` (``ducha check --base``: every step of a branch), ``audit`` (findings
over the main branch's history; ``audit_repository`` for the CLI and the site), ``owners`` (CODEOWNERS and the
reviewers a change needs)."""
