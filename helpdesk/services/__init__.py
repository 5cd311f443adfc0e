"""Every write to the kernel goes through these functions: keyword-only, one transaction,
pushes only after commit."""
