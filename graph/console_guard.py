"""What the analysts' console may run: an allowlist over tokens, then over the server's own plan.

The console is the one place where query text comes from a user, not from ``cypher/``; this
module decides, without a server, whether such text may be planned (:func:`screen`), and,
from the server's ``EXPLAIN``, whether the plan may run (:func:`judge_plan`). Both are pure.

:func:`screen` accepts only

* read clauses: ``MATCH``, ``OPTIONAL MATCH``, ``WHERE``, ``WITH``, ``UNWIND``, ``RETURN``,
  ``ORDER BY``, ``SKIP``/``OFFSET``, ``LIMIT``, ``UNION`` and ``CALL { ... }`` subqueries
  of the same; every other clause keyword of Neo4j 5's grammar is refused by name (``LOAD CSV``,
  ``SHOW``, ``TERMINATE``, ``USE``, ``CYPHER``/``EXPLAIN``/``PROFILE`` prefixes, writes, schema
  and administration commands, ``IN TRANSACTIONS``);
* ``CALL`` of the procedures in :data:`READ_PROCEDURES` and calls of the functions in
  :data:`READ_FUNCTIONS` (built-ins; no ``apoc``/``gds``/``db.stats``/``dbms``);
* one statement, of bounded size, with no construct that builds values without bound
  (``reduce``, ``range`` without small literal bounds, nested list comprehensions).

:func:`judge_plan` then accepts only plans of query type ``r`` built from the operators in
:data:`READ_OPERATORS` and calling only allowed procedures, so anything the token layer might
miss still has to get past the server's own reading of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from graph.console_allowlist import (
    CLAUSE_KEYWORDS,
    MAX_QUERY_CHARS,
    MAX_RANGE,
    READ_CLAUSES,
    READ_FUNCTIONS,
    READ_OPERATORS,
    READ_PROCEDURES,
    STATEMENT_STARTS,
)
from graph.console_allowlist import words as _words
from graph.cypher_tokens import Token, TokenizeError, tokenize

__all__ = ["judge_plan", "screen"]  # the vocabulary it applies is graph.console_allowlist


def _refusal(what: str) -> str:
    return f"{what} is not allowed in the console"


def _upper(token: Token) -> str:
    return token.value.upper() if token.kind == "word" else ""


def _is_name_position(tokens: Sequence[Token], i: int) -> bool:
    """Whether the word at ``i`` is a name (property key, label, map key, alias, namespace), not a keyword.

    >>> toks = tokenize("MATCH (n:Set {set: 1}) RETURN n.set AS set")
    >>> [t.value for j, t in enumerate(toks) if t.kind == "word" and _is_name_position(toks, j)]
    ['Set', 'set', 'n', 'set', 'set']
    """
    before = tokens[i - 1] if i > 0 else None
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    if before is not None and before.kind == "symbol" and before.value in (".", ":", "::"):
        return True
    if before is not None and before.is_word("AS"):
        return True
    if after is not None and after.kind == "symbol" and after.value == ".":
        return True  # a namespace (dbms.x, db.stats.y): the call lists judge it
    return (
        after is not None
        and after.kind == "symbol"
        and after.value == ":"
        and before is not None
        and before.kind == "symbol"
        and before.value in ("{", ",")
    )


def _call_name(tokens: Sequence[Token], i: int) -> tuple[str, int]:
    """The dotted name starting at ``i`` (words or backticked names) and the index after it.

    >>> toks = tokenize("CALL `db`.stats . retrieve('QUERIES')")
    >>> _call_name(toks, 1)
    ('db.stats.retrieve', 6)
    """
    parts = [tokens[i].value]
    j = i + 1
    while (
        j + 1 < len(tokens)
        and tokens[j].kind == "symbol"
        and tokens[j].value == "."
        and tokens[j + 1].kind in ("word", "name")
    ):
        parts.append(tokens[j + 1].value)
        j += 2
    return ".".join(parts), j


def _function_calls(tokens: Sequence[Token]) -> Iterable[tuple[str, int]]:
    """``(dotted name, index)`` of every function call: a name followed by ``(``, not after CALL.

    >>> list(_function_calls(tokenize("MATCH (n) WHERE exists(n.a) RETURN apoc.x.y(1), count(*)")))
    [('exists', 5), ('apoc.x.y', 12), ('count', 21)]
    """
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        starts_name = tok.kind in ("word", "name") and not (
            i > 0 and tokens[i - 1].kind == "symbol" and tokens[i - 1].value in (".", ":")
        )
        if starts_name:
            name, end = _call_name(tokens, i)
            is_call = end < len(tokens) and tokens[end].kind == "symbol" and tokens[end].value == "("
            after_call = i > 0 and tokens[i - 1].is_word("CALL")
            keyword = tok.kind == "word" and "." not in name and tok.value.upper() in _NOT_FUNCTIONS
            if is_call and not after_call and not keyword:
                yield name, i
            i = end
            continue
        i += 1


#: words that may stand before "(" without being a function call
_NOT_FUNCTIONS = READ_CLAUSES | _words(
    "AND OR XOR NOT IN IS AS BY DISTINCT WHEN THEN ELSE CASE END ASC DESC ASCENDING DESCENDING "
    "ALL SHORTEST ANY"
) - {"COLLECT", "COUNT", "EXISTS"}


def _range_refusal(tokens: Sequence[Token], i: int) -> str | None:
    """Why the ``range(`` at ``i`` is refused: only literal integer bounds, at most :data:`MAX_RANGE` long.

    >>> _range_refusal(tokenize("range(1, 10)"), 0) is None
    True
    >>> _range_refusal(tokenize("range(1, 3000000000)"), 0)
    'range() in the console needs literal integer bounds at most 100000 elements apart'
    """
    args: list[int] = []
    j = i + 2
    sign = 1
    while j < len(tokens):
        tok = tokens[j]
        if tok.kind == "symbol" and tok.value == ")":
            break
        if tok.kind == "symbol" and tok.value == "-":
            sign = -1
        elif tok.kind == "number" and re.fullmatch(r"\d+", tok.value):
            args.append(sign * int(tok.value))
            sign = 1
        elif not (tok.kind == "symbol" and tok.value == ","):
            args = []
            break
        j += 1
    if len(args) in (2, 3) and (len(args) == 2 or args[2] != 0):
        step = args[2] if len(args) == 3 else 1
        if (args[1] - args[0]) // step + 1 <= MAX_RANGE:
            return None
    return f"range() in the console needs literal integer bounds at most {MAX_RANGE} elements apart"


def _comprehension_depth(tokens: Sequence[Token]) -> int:
    """The deepest nesting of list comprehensions / quantifiers ``[x IN ...`` / ``any(x IN ...``.

    >>> _comprehension_depth(tokenize("RETURN [x IN [1,2] | x * 2] AS y"))
    1
    >>> _comprehension_depth(tokenize("RETURN [a IN l | [b IN l | [c IN l | 1]]] AS y"))
    3
    """
    stack: list[bool] = []
    deepest = 0
    for i, tok in enumerate(tokens):
        if tok.kind != "symbol":
            continue
        if tok.value in "([{":
            binds = (
                i + 2 < len(tokens) and tokens[i + 1].kind in ("word", "name") and tokens[i + 2].is_word("IN")
            )
            quantifier = i > 0 and tokens[i - 1].is_word("ANY", "ALL", "NONE", "SINGLE")
            opens = binds and (tok.value == "[" or (tok.value == "(" and quantifier))
            stack.append(opens)
            deepest = max(deepest, sum(stack))
        elif tok.value in ")]}" and stack:
            stack.pop()
    return deepest


def _clause_refusal(tokens: Sequence[Token]) -> str | None:
    for i, tok in enumerate(tokens):
        word = _upper(tok)
        if not word or _is_name_position(tokens, i):
            continue
        if word in CLAUSE_KEYWORDS and word not in READ_CLAUSES:
            if word == "LOAD" or word == "CSV":
                return _refusal("LOAD CSV")
            if word in ("TRANSACTIONS", "CONCURRENT", "TRANSACTION"):
                return _refusal("CALL { ... } IN TRANSACTIONS")
            if word in ("CYPHER", "EXPLAIN", "PROFILE"):
                return _refusal(f"the {word} prefix") + " (the console plans every query itself)"
            if word == "USE":
                return _refusal("USE (another database or graph)")
            if word == "REDUCE":
                return _refusal("reduce(...)") + " (it can build values without bound; aggregate instead)"
            if word == "REPLACE":
                return _refusal("replace(...)") + " (nested, it grows strings without bound)"
            return f"{word} is not allowed: the console runs read-only queries (read clauses only)"
    return None


def _call_refusal(tokens: Sequence[Token]) -> str | None:
    for i, tok in enumerate(tokens):
        if not tok.is_word("CALL") or i + 1 >= len(tokens):
            continue
        nxt = tokens[i + 1]
        if nxt.kind == "symbol" and nxt.value in ("{", "("):
            continue  # a subquery: its clauses are screened with the rest
        if nxt.kind not in ("word", "name"):
            return "CALL must be followed by a subquery { ... } or a procedure name"
        name, _ = _call_name(tokens, i + 1)
        if name.lower() not in READ_PROCEDURES:
            return _refusal(f"procedure {name}") + f" (allowed: {', '.join(sorted(READ_PROCEDURES))})"
    for name, i in _function_calls(tokens):
        lower = name.lower()
        if lower == "reduce":
            return _refusal("reduce(...)") + " (it can build values without bound; aggregate instead)"
        if lower not in READ_FUNCTIONS:
            return _refusal(f"function {name}")
        if lower == "range":
            reason = _range_refusal(tokens, i)
            if reason:
                return reason
    return None


def screen(text: str) -> str | None:
    """Why ``text`` may not run in the console, or ``None`` if it may be planned.

    Examples
    --------
    >>> screen("MATCH (h:Household) RETURN h.id AS id LIMIT 5") is None
    True
    >>> screen("WITH '/*' AS a LOAD CSV FROM 'http://127.0.0.1:8501/' AS r RETURN a, r, '*/' AS b")
    'LOAD CSV is not allowed in the console'
    >>> screen("CALL db.stats.retrieve('QUERIES')")  # doctest: +ELLIPSIS
    'procedure db.stats.retrieve is not allowed in the console (allowed: ...)'
    >>> screen("MATCH (n) RETURN 'LOAD CSV' AS s, n.set AS set") is None
    True
    """
    if not text or not text.strip():
        return "the query is empty"
    if len(text) > MAX_QUERY_CHARS:
        return f"the query is longer than {MAX_QUERY_CHARS} characters"
    try:
        tokens = tokenize(text)
    except TokenizeError as err:
        return str(err)
    while tokens and tokens[-1].kind == "symbol" and tokens[-1].value == ";":
        tokens.pop()
    if not tokens:
        return "the query is empty"
    if any(t.kind == "symbol" and t.value == ";" for t in tokens):
        return "run one statement at a time (no ';' between statements)"
    reason = _clause_refusal(tokens)
    if reason:
        return reason
    if _upper(tokens[0]) not in STATEMENT_STARTS:
        return "a console query starts with MATCH, OPTIONAL MATCH, WITH, UNWIND, RETURN or CALL"
    reason = _call_refusal(tokens)
    if reason:
        return reason
    if _comprehension_depth(tokens) > 1:
        return _refusal("a list comprehension or quantifier nested in another") + " (it multiplies sizes)"
    return None


def judge_plan(query_type: str | None, operators: Iterable[tuple[str, str]] = ()) -> str | None:
    """Why a plan may not run: it must be a pure read (``'r'``) of :data:`READ_OPERATORS` only.

    ``operators`` are ``(operatorType, details)`` pairs of every node of the ``EXPLAIN`` plan.

    >>> judge_plan("r", [("ProduceResults@neo4j", "n"), ("AllNodesScan@neo4j", "n")]) is None
    True
    >>> judge_plan("rw")
    'the console runs read-only queries; this one would write (query type rw)'
    >>> judge_plan("r", [("LoadCSV@neo4j", "line")])
    'plan operator LoadCSV is not allowed in the console'
    >>> judge_plan("r", [("ProcedureCall@neo4j", "db.stats.retrieve(section) :: (x :: MAP)")])
    'procedure db.stats.retrieve is not allowed in the console'
    """
    if query_type != "r":
        what = {"w": "write", "rw": "write", "s": "change the schema or the DBMS"}.get(
            query_type or "", "not be read-only"
        )
        return f"the console runs read-only queries; this one would {what} (query type {query_type})"
    for operator, details in operators:
        name = operator.split("@", 1)[0]
        if name not in READ_OPERATORS:
            return _refusal(f"plan operator {name}")
        if name == "ProcedureCall":
            match = re.match(r"\s*([\w.`]+)\s*\(", details or "")
            proc = match.group(1).replace("`", "") if match else "?"
            if proc.lower() not in READ_PROCEDURES:
                return _refusal(f"procedure {proc}")
    return None
