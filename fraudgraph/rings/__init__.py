"""Fraud-ring detection, scoring, evidence and the review workflow."""
