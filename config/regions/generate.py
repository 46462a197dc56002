#!/usr/bin/env python3
"""Writes the demo cities' district files (GeoJSON) from district seats.

The boundaries are simplified by hand, not surveyed: each district is the Voronoi cell of its
government seat among all demo districts (so neighbouring cities never overlap), clipped to
a box around its city. A point in a district's built-up centre resolves to that district;
the borders are approximate. Futian also gets Neilingding Island as a second polygon, so the
demo has a MultiPolygon. Seats are approximate public coordinates of each district
government (WGS 84). Run: python3 config/regions/generate.py
"""
import json
import pathlib

CITIES = {
    "shenzhen": {
        "box": (113.75, 22.44, 114.62, 22.86),
        "districts": [
            ("futian", "福田区", "Futian", 114.0550, 22.5222),
            ("luohu", "罗湖区", "Luohu", 114.1315, 22.5482),
            ("nanshan", "南山区", "Nanshan", 113.9304, 22.5333),
            ("yantian", "盐田区", "Yantian", 114.2366, 22.5567),
            ("baoan", "宝安区", "Bao'an", 113.8831, 22.5552),
            ("longgang", "龙岗区", "Longgang", 114.2470, 22.7208),
            ("longhua", "龙华区", "Longhua", 114.0447, 22.6969),
            ("pingshan", "坪山区", "Pingshan", 114.3437, 22.6907),
            ("guangming", "光明区", "Guangming", 113.9357, 22.7486),
            ("dapeng", "大鹏新区", "Dapeng", 114.4806, 22.5928),
        ],
    },
    "guangzhou": {
        "box": (112.95, 22.56, 114.05, 23.93),
        "districts": [
            ("yuexiu", "越秀区", "Yuexiu", 113.2668, 23.1290),
            ("liwan", "荔湾区", "Liwan", 113.2442, 23.1259),
            ("haizhu", "海珠区", "Haizhu", 113.3172, 23.0838),
            ("tianhe", "天河区", "Tianhe", 113.3612, 23.1246),
            ("baiyun", "白云区", "Baiyun", 113.2730, 23.2300),
            ("huangpu", "黄埔区", "Huangpu", 113.4597, 23.1067),
            ("panyu", "番禺区", "Panyu", 113.3840, 22.9375),
            ("huadu", "花都区", "Huadu", 113.2200, 23.4040),
            ("nansha", "南沙区", "Nansha", 113.5250, 22.8016),
            ("conghua", "从化区", "Conghua", 113.5866, 23.5486),
            ("zengcheng", "增城区", "Zengcheng", 113.8106, 23.2910),
        ],
    },
    "foshan": {
        "box": (112.37, 22.63, 113.40, 23.57),
        "districts": [
            ("chancheng", "禅城区", "Chancheng", 113.1220, 23.0218),
            ("nanhai", "南海区", "Nanhai", 113.1429, 23.0289),
            ("shunde", "顺德区", "Shunde", 113.2934, 22.8054),
            ("sanshui", "三水区", "Sanshui", 112.8970, 23.1560),
            ("gaoming", "高明区", "Gaoming", 112.8926, 22.9003),
        ],
    },
}

# Neilingding Island, administered by Futian: a second polygon of a MultiPolygon.
NEILINGDING = [(113.775, 22.395), (113.825, 22.395), (113.825, 22.430), (113.775, 22.430)]


def clip(polygon, a, b, c):
    """Keeps the part of a convex polygon where a*x + b*y <= c (Sutherland-Hodgman)."""
    out = []
    for i, p in enumerate(polygon):
        q = polygon[(i + 1) % len(polygon)]
        fp = a * p[0] + b * p[1] - c
        fq = a * q[0] + b * q[1] - c
        if fp <= 0:
            out.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def cell(seat, others, box):
    x0, y0, x1, y1 = box
    polygon = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    sx, sy = seat
    for ox, oy in others:
        # Points nearer to the seat than to the other: 2(o-s).p <= |o|^2 - |s|^2
        polygon = clip(polygon, 2 * (ox - sx), 2 * (oy - sy), ox * ox + oy * oy - sx * sx - sy * sy)
    return polygon


def ring(points):
    rounded = [[round(x, 5), round(y, 5)] for x, y in points]
    # Counter-clockwise exterior, closed, as RFC 7946 asks.
    area = sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(rounded, rounded[1:] + rounded[:1]))
    if area < 0:
        rounded.reverse()
    return rounded + [rounded[0]]


def main():
    here = pathlib.Path(__file__).parent
    seats = [(d[3], d[4]) for city in CITIES.values() for d in city["districts"]]
    for city_id, city in CITIES.items():
        features = []
        for district in city["districts"]:
            region_id, zh, en, x, y = district
            others = [s for s in seats if s != (x, y)]
            polygon = ring(cell((x, y), others, city["box"]))
            if region_id == "futian":
                geometry = {"type": "MultiPolygon", "coordinates": [[polygon], [ring(NEILINGDING)]]}
            else:
                geometry = {"type": "Polygon", "coordinates": [polygon]}
            features.append({
                "type": "Feature",
                "properties": {"id": region_id, "name_zh": zh, "name_en": en,
                               "seat": [x, y]},
                "geometry": geometry,
            })
        collection = {"type": "FeatureCollection", "features": features}
        (here / f"{city_id}.geojson").write_text(json.dumps(collection, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
