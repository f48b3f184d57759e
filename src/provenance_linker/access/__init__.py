"""Who may do what: API tokens, blocks, throttling, the audit trail."""
