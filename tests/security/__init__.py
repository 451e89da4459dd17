"""Security probes of issue 18 kept as regression tests: formula injection in every
export, login throttling, no-store on personal data, weak passwords, the deploy's
nginx configuration, and the registration answer about a taken phone."""
