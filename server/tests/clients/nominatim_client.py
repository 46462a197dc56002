"""Reads the places simulator with a Nominatim client written by others (geopy's
`Nominatim` geocoder, on PyPI): a search limited to a view box, in each language, and a
reverse lookup. Prints one JSON object.

Usage: nominatim_client.py HOST:PORT QUERY LAT LON
"""
import json
import sys

from geopy.geocoders import Nominatim

domain, query, lat, lon = sys.argv[1:5]
geocoder = Nominatim(domain=domain, scheme="http", user_agent="city-portal-tests")
box = [(22.4, 113.7), (22.9, 114.7)]
found = geocoder.geocode(query, exactly_one=False, limit=5, viewbox=box, bounded=True,
                         language="zh-CN") or []
english = geocoder.geocode(query, exactly_one=True, viewbox=box, bounded=True, language="en")
near = geocoder.reverse((float(lat), float(lon)), zoom=17, language="en")
print(json.dumps({
    "found": [{"address": f.address, "lat": f.latitude, "lon": f.longitude} for f in found],
    "english": english.address if english else None,
    "near": near.address if near else None,
}))
