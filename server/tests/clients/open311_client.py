"""Reads the Open311 simulator with an Open311 GeoReport v2 client written by others
(`georeport` on PyPI, which reads and does not post): the service list, a service's
definition, and a request by its id, alone (`GET requests/{id}.json`) and in a list.
Prints one JSON object.

Usage: open311_client.py ROOT JURISDICTION SERVICE_CODE REQUEST_ID
"""
import json
import sys

from georeport import GeoReport

root, jurisdiction, code, request_id = sys.argv[1:5]
client = GeoReport(root, jurisdiction=jurisdiction)
services = client.get_service_list()
definition = client.get_service_definition(code)
one = client.get_service_request(request_id)
listed = client.get_service_requests(service_request_id=request_id)
print(json.dumps({
    "services": [s["service_code"] for s in services],
    "definition_code": definition.get("service_code"),
    "attributes": [
        {"code": a.get("code"), "datatype_description": a.get("datatype_description")}
        for a in definition.get("attributes", [])
    ],
    "one": one,
    "listed": listed,
}))
