// mode: write
// params: $at (epoch ms), $who (str), $role (str), $action ('export' | 'lookup'), $filter (JSON str),
// $count (int or null), $household (str or null), $members (list of household ids or null: what a
// marketer's export held, for the differencing check). One audit record of an export or a look-up.
CREATE (a:AuditRecord {at: $at, who: $who, role: $role, action: $action, filter: $filter,
                       count: $count, household: $household, members: $members})
