"""The console's vocabulary: which Cypher clauses, procedures, functions and plan operators it accepts.

Data only; :mod:`graph.console_guard` applies it. Kept apart so that a reviewer reads the whole
allowlist in one place, and a Neo4j upgrade changes one file.
"""

from __future__ import annotations

__all__ = [
    "CLAUSE_KEYWORDS",
    "MAX_QUERY_CHARS",
    "MAX_RANGE",
    "READ_CLAUSES",
    "READ_FUNCTIONS",
    "READ_OPERATORS",
    "READ_PROCEDURES",
    "STATEMENT_STARTS",
    "words",
]


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text`` as a set.

    >>> sorted(words("MATCH  RETURN"))
    ['MATCH', 'RETURN']
    """
    return frozenset(text.split())


MAX_QUERY_CHARS = 20_000
#: the most elements a ``range()`` in the console may produce
MAX_RANGE = 100_000

#: Keywords that start a clause, statement or command in Neo4j 5.26's Cypher 5 grammar (its
#: lexer vocabulary, plus the pre-parser's CYPHER/EXPLAIN/PROFILE). Any of them outside
#: :data:`READ_CLAUSES` is refused wherever it stands as a keyword.
CLAUSE_KEYWORDS: frozenset[str] = words(
    "ALTER CALL CREATE CYPHER DEALLOCATE DELETE DENY DETACH DROP DRYRUN ENABLE EXPLAIN FINISH "
    "FOREACH GRANT IMPERSONATE INSERT LIMIT LOAD MATCH MERGE NODETACH OFFSET OPTIONAL ORDER "
    "PROFILE REALLOCATE REMOVE RENAME RETURN REVOKE SET SHOW SKIP START STOP TERMINATE UNION "
    "UNWIND USE USING WHERE WITH YIELD "
    # words that make a read clause into something else: IN TRANSACTIONS, CONCURRENT, PERIODIC COMMIT,
    # ON CREATE/MATCH SET, CSV, DATABASE/DBMS/USER/ROLE/SERVER/ALIAS targets of commands
    "TRANSACTIONS TRANSACTION CONCURRENT PERIODIC COMMIT ON CSV DATABASE DATABASES DBMS USER USERS "
    "ROLE ROLES SERVER SERVERS ALIAS ALIASES PRIVILEGES SETTINGS PROCEDURES FUNCTIONS CONSTRAINT "
    "CONSTRAINTS INDEX INDEXES OPTIONS COPY REPLACE REDUCE"
)

#: The clause keywords the console accepts.
READ_CLAUSES: frozenset[str] = words(
    "MATCH OPTIONAL WHERE WITH UNWIND RETURN ORDER SKIP OFFSET LIMIT UNION CALL YIELD"
)

#: Statement starts the console accepts.
STATEMENT_STARTS = words("MATCH OPTIONAL WITH UNWIND RETURN CALL")

#: Read-only procedures an analyst may CALL (schema listings only; none reads files, URLs,
#: settings, other clients' queries or transactions).
READ_PROCEDURES: frozenset[str] = frozenset(
    {
        "db.labels",
        "db.relationshiptypes",
        "db.propertykeys",
        "db.schema.visualization",
        "db.schema.nodetypeproperties",
        "db.schema.reltypeproperties",
    }
)

#: Built-in functions the console accepts, lower-case. ``reduce`` and ``replace`` are left out on
#: purpose: in a loop or nested they build strings and lists faster than any limit can see (the
#: server tracks operator memory, not the values of an expression), and ``range`` is accepted
#: only with literal bounds (see :func:`screen`).
READ_FUNCTIONS: frozenset[str] = words(
    """
    avg collect count max min percentilecont percentiledisc stdev stdevp sum
    all any exists isempty none single
    char_length character_length coalesce elementid endnode head id last length nullif properties
    size startnode timestamp toboolean tobooleanornull tofloat tofloatornull tointeger
    tointegerornull type valuetype
    keys labels nodes range relationships reverse tail tobooleanlist tofloatlist tointegerlist
    tostringlist
    abs ceil floor isnan rand round sign e exp log log10 sqrt acos asin atan atan2 cos cot degrees
    haversin pi radians sin tan
    btrim left lower ltrim normalize right rtrim split substring tolower tostring tostringornull
    toupper trim upper
    date datetime localdatetime localtime time duration point
    date.truncate date.statement date.transaction date.realtime
    datetime.fromepoch datetime.fromepochmillis datetime.truncate datetime.statement
    datetime.transaction datetime.realtime
    localdatetime.truncate localdatetime.statement localdatetime.transaction localdatetime.realtime
    localtime.truncate localtime.statement localtime.transaction localtime.realtime
    time.truncate time.statement time.transaction time.realtime
    duration.between duration.inmonths duration.indays duration.inseconds
    point.distance point.withinbbox
    vector.similarity.cosine vector.similarity.euclidean
    shortestpath allshortestpaths
    """
)

#: Plan operators of read queries (``operatorType`` without the ``@db`` suffix); a plan with any
#: other operator (LoadCSV, Show*, Terminate*, Create, Merge, TransactionApply, ...) is refused.
READ_OPERATORS: frozenset[str] = words(
    """
    ProduceResults EmptyResult Argument Filter Projection Aggregation EagerAggregation
    OrderedAggregation Distinct OrderedDistinct Sort PartialSort Top Top1WithTies PartialTop Limit
    ExhaustiveLimit Skip Unwind Apply SemiApply AntiSemiApply LetSemiApply LetAntiSemiApply
    SelectOrSemiApply SelectOrAntiSemiApply LetSelectOrSemiApply LetSelectOrAntiSemiApply
    RollUpApply ConditionalApply AntiConditionalApply Optional Anti CartesianProduct NodeHashJoin
    ValueHashJoin NodeLeftOuterHashJoin NodeRightOuterHashJoin Union OrderedUnion Eager
    CacheProperties ProcedureCall AllNodesScan NodeByLabelScan UnionNodeByLabelsScan
    IntersectionNodeByLabelsScan SubtractionNodeByLabelsScan NodeByIdSeek NodeByElementIdSeek
    NodeIndexSeek NodeUniqueIndexSeek NodeIndexSeekByRange NodeUniqueIndexSeekByRange NodeIndexScan
    NodeIndexContainsScan NodeIndexEndsWithScan MultiNodeIndexSeek AssertingMultiNodeIndexSeek
    NodeCountFromCountStore RelationshipCountFromCountStore
    DirectedRelationshipTypeScan UndirectedRelationshipTypeScan DirectedAllRelationshipsScan
    UndirectedAllRelationshipsScan DirectedUnionRelationshipTypesScan
    UndirectedUnionRelationshipTypesScan DirectedRelationshipIndexSeek UndirectedRelationshipIndexSeek
    DirectedRelationshipUniqueIndexSeek UndirectedRelationshipUniqueIndexSeek
    DirectedRelationshipIndexScan UndirectedRelationshipIndexScan
    DirectedRelationshipIndexContainsScan UndirectedRelationshipIndexContainsScan
    DirectedRelationshipIndexEndsWithScan UndirectedRelationshipIndexEndsWithScan
    DirectedRelationshipIndexSeekByRange UndirectedRelationshipIndexSeekByRange
    DirectedRelationshipUniqueIndexSeekByRange UndirectedRelationshipUniqueIndexSeekByRange
    DirectedRelationshipByIdSeek UndirectedRelationshipByIdSeek DirectedRelationshipByElementIdSeek
    UndirectedRelationshipByElementIdSeek
    Expand(All) Expand(Into) OptionalExpand(All) OptionalExpand(Into) VarLengthExpand(All)
    VarLengthExpand(Into) VarLengthExpand(Pruning) VarLengthExpand(Pruning,BFS)
    VarLengthExpand(Pruning,BFS,All) BFSPruningVarExpand ShortestPath StatefulShortestPath(All)
    StatefulShortestPath(Into) Repeat(Trail) Repeat(Walk) NullifyMetadata Trail ProjectEndpoints
    TriadicSelection TriadicBuild TriadicFilter AssertSameNode AssertSameRelationship
    """
)
