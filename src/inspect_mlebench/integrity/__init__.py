"""Integrity checks on MLE-bench logs: did the agent do the work within the rules?"""
