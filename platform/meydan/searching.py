"""What a visitor types into a search box, made safe for every search backend."""

# SQLite's FTS5 reads these as query syntax: an unbalanced double quote is an error, not a search.
# Phrase search is not offered, so dropping them changes no result a visitor could ask for.
_SYNTAX = str.maketrans({'"': " ", "\x00": " "})


def clean_query(text, max_length):
    return " ".join((text or "").translate(_SYNTAX).split())[:max_length]
