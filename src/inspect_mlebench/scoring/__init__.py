"""Scoring a sample: the scorer that grades the sandbox's submission on the host, and the Inspect metrics
(medal rates, per-seed any-medal) computed over the scores."""
