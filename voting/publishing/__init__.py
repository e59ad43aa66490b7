"""Publishing: the two-person publication of a result, the public results, open data,
and the commitment to the ballots with its inclusion proofs."""
