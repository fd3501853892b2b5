// mode: read
// params: none. Moves that full runs proposed and held (graph.households.hold): the proposal and
// how many full runs in a row made it since when (epoch ms), per device; and memberships only
// incremental runs have made so far (provisional: the next full run places them freely).
MATCH (d:Device)-[m:MEMBER_OF]->(:Household)
WHERE m.pending IS NOT NULL OR m.provisional = true
RETURN d.key AS device, m.pending AS household, m.pending_runs AS runs, m.pending_since AS since,
       coalesce(m.provisional, false) AS provisional
