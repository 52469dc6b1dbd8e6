"""Parses the Prometheus text format on stdin with the official client's parser
(prometheus_client.parser.text_string_to_metric_families, PyPI prometheus_client) and prints
the families as JSON: [{"name", "type", "documentation", "samples": [{"name", "labels", "value"}]}].
A text the parser rejects exits 1 with its error on stderr."""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def value(v):
    # JSON has no NaN / Inf: spell them as Go and Prometheus do.
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return v


families = []
for family in text_string_to_metric_families(sys.stdin.read()):
    families.append(
        {
            "name": family.name,
            "type": family.type,
            "documentation": family.documentation,
            "samples": [{"name": s.name, "labels": s.labels, "value": value(s.value)} for s in family.samples],
        }
    )
json.dump(families, sys.stdout)
