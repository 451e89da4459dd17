"""Accounts and people: a person's own account, officials' accounts, assisted residents, registration rules, scope and masking."""
