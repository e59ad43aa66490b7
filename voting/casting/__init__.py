"""Casting: the ballot a resident sees, its rules, the casting statements, group commit,
receipts, the signals kept for review, and the resident's and support point's pages."""
