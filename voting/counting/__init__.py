"""Counting: tallies and funding rules as pure functions, results from the database,
turnout statistics, and Pabulib files read and written."""
