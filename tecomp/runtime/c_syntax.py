"""C spellings shared by the generated header and the checked entries: C types
of dtypes, identifiers made from user names, text safe in comments and strings."""

import re

from tecomp.errors import BuildError
from tecomp.ir import dtype as dt

C_TYPES = {"float16": "uint16_t", "float32": "float", "float64": "double", "bool": "uint8_t",
           "int8": "int8_t", "int16": "int16_t", "int32": "int32_t", "int64": "int64_t",
           "uint8": "uint8_t", "uint16": "uint16_t", "uint32": "uint32_t",
           "uint64": "uint64_t"}
C_KEYWORDS = set("auto break case char const continue default do double else enum extern "
                 "float for goto if inline int long register restrict return short signed "
                 "sizeof static struct switch typedef union unsigned void volatile while "
                 "bool".split())
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def c_type(dtype):
    element = dt.element_of(dtype)
    if element not in C_TYPES:
        raise BuildError(f"export_library: no C type for dtype {dtype}")
    return C_TYPES[element]


def c_name(name, taken):
    """A C identifier for the user's ``name``, unique among ``taken`` (updated)."""
    ident = re.sub(r"[^A-Za-z0-9_]", "_", name)[:64]
    if not ident or ident[0].isdigit() or ident in C_KEYWORDS:
        ident = "arg_" + ident
    base, k = ident, 1
    while ident in taken:
        k += 1
        ident = f"{base}_{k}"
    taken.add(ident)
    return ident


def comment(text):
    """``text`` safe inside a C ``/* */`` comment: no comment delimiters (``/*``
    would warn under -Wcomment), one line."""
    text = text.replace("*/", "* /").replace("/*", "/ *")
    return "".join(c if c.isprintable() else "?" for c in text)


def string_literal(text):
    """``text`` as a C string literal (UTF-8, non-printable bytes escaped)."""
    out = []
    for byte in text.encode():
        ch = chr(byte)
        if ch in '"\\?':
            out.append("\\" + ch)
        elif 32 <= byte < 127:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'
