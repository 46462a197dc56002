#!/usr/bin/env python3
"""Counts the ids still passed as bare strings in the public signatures of core and the
services: parameters of `pub fn` and `pub` struct fields named like an id (`city_id`,
`resident_id`, `slot_id`, …) whose type is `&str`, `String` or an Option, slice or Vec of
them. `model::ids` has a type for each kind of id; this keeps their number from growing.

Prints the figures per crate and fails when the total is above the baseline in
scripts/bare-ids.baseline (lower the baseline when the count falls: it only goes down).
`--write` records the current total as the baseline.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scripts" / "bare-ids.baseline"
SCANNED = [ROOT / "core" / "src"] + sorted((ROOT / "services").glob("*/src"))

# The kinds of id the domain names (issue 27): each has, or is to have, its own type.
ID_NAME = re.compile(
    r"^(?:[a-z_]*_)?(?:city|region|resident|provider|payment|refund|bill|account|hospital|"
    r"slot|appointment|person|basket|biller|desk|report|admin|camera)_ids?$"
)
BARE_TYPE = re.compile(
    r"^(?:&(?:'[a-z]+\s+)?(?:str|String)|String|Option<(?:&(?:'[a-z]+\s+)?str|String)>|"
    r"&\[(?:String|&str)\]|Vec<String>)$"
)
PUB_FN = re.compile(r"\bpub\s+(?:const\s+)?(?:async\s+)?fn\s+\w+\s*(?:<[^(]*?>)?\s*\(")
PUB_FIELD = re.compile(r"^\s*pub\s+(\w+)\s*:\s*([^,]+?),?\s*(?://.*)?$")


def parameters(text: str, start: int) -> str:
    """The text between the parenthesis at `start` and its match."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    return ""


def split_top(params: str) -> list[str]:
    out, depth, current = [], 0, []
    for ch in params:
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
    out.append("".join(current))
    return [p.strip() for p in out if p.strip()]


def bare(name: str, ty: str) -> bool:
    return bool(ID_NAME.match(name)) and bool(BARE_TYPE.match(" ".join(ty.split())))


def count(path: pathlib.Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    # Unit tests are not signatures anyone calls.
    cut = text.find("#[cfg(test)]")
    if cut >= 0:
        text = text[:cut]
    found = []
    for match in PUB_FN.finditer(text):
        for param in split_top(parameters(text, match.end() - 1)):
            if ":" not in param:
                continue
            name, ty = param.split(":", 1)
            name = name.strip().removeprefix("mut ").strip()
            if bare(name, ty.strip()):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {name}: {ty.strip()}")
    for number, line in enumerate(text.splitlines(), 1):
        field = PUB_FIELD.match(line)
        if field and bare(field.group(1), field.group(2).strip()):
            found.append(f"{path.relative_to(ROOT)}:{number}: {field.group(1)}: {field.group(2).strip()}")
    return found


def main() -> int:
    per_crate, every = {}, []
    for source in SCANNED:
        if not source.is_dir():
            continue
        crate = str(source.parent.relative_to(ROOT))
        found = [f for path in sorted(source.rglob("*.rs")) for f in count(path)]
        per_crate[crate] = len(found)
        every.extend(found)
    total = len(every)
    if "--list" in sys.argv:
        print("\n".join(every))
    for crate, n in per_crate.items():
        print(f"bare string ids in public signatures: {crate:<22} {n:>4}")
    print(f"bare string ids in public signatures: {'total':<22} {total:>4}")
    if "--write" in sys.argv:
        BASELINE.write_text(f"{total}\n")
        return 0
    baseline = int(BASELINE.read_text().strip()) if BASELINE.exists() else 0
    if total > baseline:
        print(
            f"{total} is more than the baseline of {baseline}: give the new ids their type "
            "from model::ids (scripts/bare-ids.py --list shows each)",
            file=sys.stderr,
        )
        return 1
    if total < baseline:
        print(f"(below the baseline of {baseline}: lower it with scripts/bare-ids.py --write)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
