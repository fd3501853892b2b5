"""A small, strict tokenizer of Cypher text: the lexical layer of the console's guard.

It knows exactly what decides where code ends and data begins: string literals (both quote
kinds, backslash escapes), comments (``//`` to the end of the line, ``/* */``), backticked
names (a doubled backtick escapes one) and ``$`` parameters. Everything else is a word, a
number or a symbol.

Java-style ``\\uXXXX`` escapes are refused anywhere, even in strings: Neo4j decodes them before
it lexes (to the server, ``'a\\u0027`` is a closed string). Outside string literals and
backticked names it also refuses backslashes and any character that is not printable ASCII,
so no Unicode space, line separator or look-alike letter can make the server read code where
this tokenizer read a comment or a name.

No maintained Python package tokenizes Neo4j's Cypher 5 dialect exactly (``antlr4-cypher``,
``graphglot`` and ``cypher-guard`` parse other grammars); a guard that disagrees with the
server about where a string ends is the bug class this module exists to close, so the
authoritative parse stays the server's own (``EXPLAIN``) and this module only has to get the
lexical structure right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.errors import GraphError

__all__ = ["Token", "TokenizeError", "tokenize"]

#: kinds: word (bare name or keyword), name (backticked name), string, number, param, symbol
_SYMBOLS = ("<>", "<=", ">=", "=~", "+=", "..", "->", "<-", "::", "!=", "||")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)")
_PARAM = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|\d+)")
_UNICODE_ESCAPE = re.compile(r"\\+u", re.I)
_SINGLE = set("()[]{}.,:;=<>+-*/%^|!?")


class TokenizeError(GraphError):
    """The text cannot be tokenized safely; ``reason`` says why and ``position`` where."""

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(f"{reason} (at character {position + 1})")
        self.reason = reason
        self.position = position


@dataclass(frozen=True)
class Token:
    """One token: ``kind``, its ``value`` (unescaped for strings and names) and its ``start``."""

    kind: str
    value: str
    start: int

    def is_word(self, *words: str) -> bool:
        """Whether this is a bare word equal (case-insensitively) to one of ``words``.

        >>> Token("word", "Match", 0).is_word("MATCH"), Token("name", "MATCH", 0).is_word("MATCH")
        (True, False)
        """
        return self.kind == "word" and self.value.upper() in words


def _closing(text: str, start: int, quote: str) -> tuple[str, int]:
    """The unescaped body of the literal opening at ``start`` and the index after its end.

    >>> _closing("'a\\\\'b' x", 0, "'")
    ("a'b", 6)
    """
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quote != "`":
            if i + 1 >= len(text):
                break
            out.append(text[i + 1])  # the value is only shown in messages, so keep escapes raw
            i += 2
            continue
        if ch == quote:
            if quote == "`" and text.startswith("``", i):
                out.append("`")
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    what = {"'": "string", '"': "string", "`": "backticked name"}[quote]
    raise TokenizeError(f"unterminated {what}", start)


def _comment_end(text: str, start: int) -> int:
    """The index after the comment opening at ``start`` (``//`` or ``/*``).

    >>> _comment_end("// a\\nb", 0), _comment_end("/* a */b", 0)
    (4, 7)
    """
    if text.startswith("//", start):
        end = text.find("\n", start)
        return len(text) if end < 0 else end
    end = text.find("*/", start + 2)
    if end < 0:
        raise TokenizeError("unterminated comment", start)
    return end + 2


def _check_plain(text: str, start: int, end: int) -> None:
    """Refuse characters outside literals that could make the server read differently."""
    for i in range(start, end):
        ch = text[i]
        if ch == "\\":
            raise TokenizeError("a backslash outside a string literal", i)
        if not (" " <= ch <= "~" or ch in "\t\n\r"):
            raise TokenizeError(f"character U+{ord(ch):04X} outside a string literal", i)


def _check_comment(text: str, start: int, end: int) -> None:
    """Comments may hold any text (an em dash, an arrow) but nothing that could end a line to
    another lexer: control characters, NEL, or the Unicode line and paragraph separators.

    >>> _check_comment("// a → b", 0, 8)
    >>> try:
    ...     _check_comment("// a\u2028b", 0, 6)
    ... except TokenizeError as err:
    ...     print(err.reason)
    character U+2028 in a comment
    """
    for i in range(start, end):
        ch = text[i]
        if ch == "\\":
            raise TokenizeError("a backslash in a comment", i)
        if (ch < " " and ch not in "\t\n\r") or "\x7f" <= ch <= "\xa0" or ch in "\u2028\u2029":
            raise TokenizeError(f"character U+{ord(ch):04X} in a comment", i)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, comments dropped.

    Raises
    ------
    TokenizeError
        Unterminated literal or comment, or a character outside literals that is not printable ASCII.

    Examples
    --------
    >>> [(t.kind, t.value) for t in tokenize("WITH '/*' AS a // x\\nRETURN a, `b``c`, $p")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('word', 'WITH'), ('string', '/*'), ('word', 'AS'), ('word', 'a'), ('word', 'RETURN'),
     ('word', 'a'), ('symbol', ','), ('name', 'b`c'), ('symbol', ','), ('param', '$p')]
    >>> [t.value for t in tokenize("RETURN 'it\\\\'s' + \\"//\\" AS s")]
    ['RETURN', "it's", '+', '//', 'AS', 's']
    >>> try:
    ...     tokenize("RETURN 1 AS `x\\\\u0060`")
    ... except TokenizeError as err:
    ...     print(err)
    \\u escapes are not allowed: the server decodes them before it parses (at character 15)
    """
    escape = _UNICODE_ESCAPE.search(text)
    if escape:
        # Neo4j 5 decodes Java-style \\uXXXX escapes in the whole text before lexing, even inside
        # string literals (RETURN 'a\\u0027 ends the string), so no tokenizer can see what it sees.
        raise TokenizeError(
            "\\u escapes are not allowed: the server decodes them before it parses", escape.start()
        )
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif text.startswith("//", i) or text.startswith("/*", i):
            end = _comment_end(text, i)
            _check_comment(text, i, end)
            i = end
        elif ch in "'\"`":
            value, end = _closing(text, i, ch)
            if ch == "`":
                _check_plain(text, i, i + 1)  # the name itself may hold any character
            tokens.append(Token("name" if ch == "`" else "string", value, i))
            i = end
        elif ch == "$":
            if text.startswith("$`", i):
                value, end = _closing(text, i + 1, "`")
                tokens.append(Token("param", "$" + value, i))
                i = end
                continue
            match = _PARAM.match(text, i)
            if not match:
                raise TokenizeError("a $ not followed by a parameter name", i)
            tokens.append(Token("param", match.group(), i))
            i = match.end()
        elif match := _WORD.match(text, i):
            tokens.append(Token("word", match.group(), i))
            i = match.end()
        elif ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            match = _NUMBER.match(text, i)
            assert match is not None
            tokens.append(Token("number", match.group(), i))
            i = match.end()
        elif sym := next((s for s in _SYMBOLS if text.startswith(s, i)), None):
            tokens.append(Token("symbol", sym, i))
            i += len(sym)
        elif ch in _SINGLE:
            tokens.append(Token("symbol", ch, i))
            i += 1
        else:
            _check_plain(text, i, i + 1)
            raise TokenizeError(f"unexpected character {ch!r}", i)
    return tokens
