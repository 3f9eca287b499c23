#!/usr/bin/env python3
"""Copy a constrained delegate type's constraints onto the extension-addition
fields and CHOICE alternatives that use it directly.

rasn 0.30 encodes an extension addition with the constraints written on the
field only, not those of its delegate type: `timeToLive TimeToLive OPTIONAL`
(INTEGER (1..4294967295)) came out as an unconstrained INTEGER and
`endpointIdentifier` (BMPString (SIZE(1..128))) with an unconstrained length,
both flagged by Wireshark's H.225 dissector. Writing the constraints on the
field too gives X.691's encoding. Usage: fix-extension-constraints.py FILE...
"""
import re
import sys

DELEGATE = re.compile(
    r'#\[rasn\(delegate, ((?:value|size|from)\(.*?\))(?:, identifier = "[^"]*")?\)\]\s*pub struct (\w+)\(',
    re.S,
)
# A field or alternative marked extension_addition without constraints of
# its own, whose type is `Name` or `Option<Name>`.
FIELD = re.compile(
    r'#\[rasn\(extension_addition((?:, identifier = "[^"]*")?)\)\]\s*'
    r'(pub \w+: (?:Option<)?(\w+)>?,|\w+\((\w+)\),)'
)


def fix(text: str) -> tuple[str, int]:
    constraints = {m.group(2): m.group(1) for m in DELEGATE.finditer(text)}
    count = 0

    def repl(m: re.Match) -> str:
        nonlocal count
        ty = m.group(3) or m.group(4)
        c = constraints.get(ty)
        if c is None:
            return m.group(0)
        count += 1
        return f"#[rasn(extension_addition, {c}{m.group(1)})]\n        {m.group(2)}"

    return FIELD.sub(repl, text), count


for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text, n = fix(text)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"{path}: constraints copied onto {n} extension additions")
