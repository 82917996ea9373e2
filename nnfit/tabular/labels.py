"""Target labels that look like typos of others, refused before a classifier is fitted.

A label that differs from another only
by case or surrounding and repeated spaces (``'Yes'``, ``' yes'``), or from a label at least
``SIMILAR_RATIO`` times as frequent by one letter inserted, deleted, replaced or two adjacent
letters swapped (``'mm'`` in 3 rows beside ``'M'`` in 400), is refused as a probable typo,
naming both labels and the rows.  A digit is never such a letter (``'T1'``/``'T2'``); a
letter inserted or deleted counts in labels of at least 3 letters or where it doubles its
neighbour (``'A'``/``'AB'`` are blood groups, ``'m'``/``'mm'`` a slip of the finger), a
letter replaced or swapped only in labels of at least ``MIN_REPLACED`` letters
(``'AML'``/``'ALL'``, ``'CLL'``/``'CML'`` are diagnoses, ``'Blsck'`` a typo), and never
within a leading Roman numeral (stages and grades ``'I'``/``'II'``/``'III'``/``'IV'``,
``'IA'``/``'IIA'``), nor in a word that is in both labels a code in capitals
(``'CML'``/``'CMML'``, ``'Luminal A'``/``'Luminal B'``) or holds a digit; and the rarer
label must be rare: in at most max(``FEW``, ``RARE`` of the rows) rows;
``allow_similar_classes=True`` (``--allow-similar-classes``) accepts such classes.
"""
import re

import pandas as pd

from .checks import rows

SIMILAR_RATIO, MIN_REPLACED = 10, 5
RARE, FEW = 0.02, 5  # a mistyped label is in at most max(FEW, RARE of the rows)


def _normal(label):
    return " ".join(str(label).split()).casefold()


def _named_class(a, b):
    """Whether the one word in which a and b differ is, in both, a short code in capitals
    (CML/CMML, Type A/AB, Luminal A/B), a Roman numeral (Stage II/III) or holds a digit."""
    words_a, words_b = " ".join(a.split()).split(" "), " ".join(b.split()).split(" ")
    differ = [(u, v) for u, v in zip(words_a, words_b) if u != v]
    if len(words_a) != len(words_b) or len(differ) != 1:
        return False
    code = lambda w: (w.isupper() and len(w) <= 5) or re.fullmatch(  # noqa: E731
        r"[IVXivx]+[a-cA-C]?", w) is not None or any(c.isdigit() for c in w)
    return code(differ[0][0]) and code(differ[0][1])


def _roman(label):
    """The length of the leading run of Roman numeral letters i, v, x."""
    return len(label) - len(label.lstrip("ivx"))


def _one_letter(a, b):
    """Whether a and b (normalized) differ by one letter edit that counts (module docstring)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    short = min(len(a), len(b))
    i = 0
    while i < short and a[i] == b[i]:
        i += 1
    edited = a[i:i + 1] + b[i:i + 1] if len(a) == len(b) else max(a, b, key=len)[i]
    if i < max(_roman(a), _roman(b)) + 1 and set(edited) <= set("ivx") and _roman(a) * _roman(b):
        return False  # within a leading Roman numeral: stages and grades I, II, III, IV, IIA
    if len(a) == len(b):
        j = len(a) - 1
        while a[j] == b[j]:
            j -= 1
        if j == i:  # one letter replaced
            changed = a[i] + b[i]
            return changed.isalpha() and short >= MIN_REPLACED
        swapped = j == i + 1 and a[i] == b[j] and a[j] == b[i]
        return swapped and a[i].isalpha() and a[j].isalpha() and short >= MIN_REPLACED
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    if longer[:i] + longer[i + 1:] != shorter:
        return False
    letter = longer[i]
    doubles = (i > 0 and longer[i - 1] == letter) or (i + 1 < len(longer)
                                                      and longer[i + 1] == letter)
    return letter.isalpha() and (short >= 3 or doubles)


def check_labels(y, allow):
    """Refuse target labels that look like typos of others (module docstring, 4)."""
    if allow or not all(isinstance(v, str) for v in y.iloc[:1000]) or \
            not all(isinstance(v, str) for v in pd.unique(y)):
        return
    counts = y.value_counts()
    if len(counts) < 2 or len(counts) > 500:
        return
    labels, normal = list(counts.index), [_normal(v) for v in counts.index]
    for k in range(len(labels) - 1, 0, -1):  # the rarest first
        for m in range(k):  # the more frequent ones, most frequent first
            same = normal[k] == normal[m]
            near = (counts.iloc[m] >= SIMILAR_RATIO * counts.iloc[k]
                    and counts.iloc[k] <= max(FEW, RARE * len(y))
                    and _one_letter(normal[k], normal[m])
                    and not _named_class(labels[k], labels[m]))
            if not (same or near):
                continue
            rare, common = labels[k], labels[m]
            raw = [" ".join(label.split()) for label in (rare, common)]
            how = ("case or spaces" if same else "one letter" if _one_letter(*raw)
                   else "case and one letter")
            target = f"the target {y.name!r}" if isinstance(y.name, str) else "the target"
            raise ValueError(f"{target} has the label {rare!r} in {counts.iloc[k]} row(s) "
                             f"({rows(y.index[(y == rare).to_numpy()])}) beside {common!r} in "
                             f"{counts.iloc[m]}: they differ only by {how}, so {rare!r} is "
                             f"probably {common!r} mistyped and would be a class of its own; "
                             f"fix those rows in the file (in Python y.replace({{{rare!r}: "
                             f"{common!r}}})), or, if {rare!r} is a class of its own, pass "
                             "allow_similar_classes=True (on the command line "
                             "--allow-similar-classes)")
