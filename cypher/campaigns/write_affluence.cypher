// mode: write
// params: $rows: [{household, score, devices, premium}], $run (str). The affluence proxy per household.
UNWIND $rows AS row
MATCH (h:Household {id: row.household})
SET h.affluence = row.score, h.affluence_devices = row.devices, h.affluence_premium = row.premium,
    h.affluence_run = $run
