"""Agents for MLE-bench samples (mle_react, aide) and what they share (the time budget)."""
