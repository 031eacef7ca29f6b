# Placeholder replaced by the infrastructure checks.
.PHONY: infra-checks
infra-checks:
