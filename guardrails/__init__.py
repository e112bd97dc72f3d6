"""Every SQL statement is checked and rewritten here before it reaches a database.

``check(sql, principal, target)`` is pure (no I/O) and returns a ``Verdict``; ``masking.apply``
masks a result's personal data as the Verdict says. See the README section "Guardrails".
"""

from __future__ import annotations

from guardrails.checker import check
from guardrails.codes import Code
from guardrails.default_policy import default_policy
from guardrails.policy import CatalogPolicy, policy_from_catalog, policy_from_sqlalchemy
from guardrails.principal import ADMIN, ANALYST, SYSTEM, Principal
from guardrails.verdict import RuleHit, Verdict

__all__ = ["ADMIN", "ANALYST", "SYSTEM", "CatalogPolicy", "Code", "Principal", "RuleHit", "Verdict", "check",
           "default_policy", "policy_from_catalog", "policy_from_sqlalchemy"]
