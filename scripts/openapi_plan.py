#!/usr/bin/env python3
"""Write src/http/openapi_plan.inc: the OpenAPI 3.1 paths of the results
framework (src/http/plan_http.c), read and write, as C string literals that
api_openapi splices into the document. Run from the repository root after
changing the handlers: python3 scripts/openapi_plan.py"""
import json

PROBLEM = {"description": "Problem details (RFC 9457)",
           "content": {"application/problem+json": {
               "schema": {"$ref": "#/components/schemas/Problem"}}}}
FIELD_PROBLEM = {
    "description": "Problem details (RFC 9457) with `field`, the member "
                   "or parameter at fault; nothing was written",
    "content": {"application/problem+json": {"schema": {
        "allOf": [{"$ref": "#/components/schemas/Problem"},
                  {"type": "object",
                   "properties": {"field": {"type": "string"}}}]}}}}
YEAR = {"name": "year", "in": "query", "required": False,
        "description": "Reference year (default: the latest year with data).",
        "schema": {"type": "integer", "minimum": 1900, "maximum": 2100},
        "example": 2024}


def get(summary, op, params, ctype, desc, schema=None):
    return {"get": {
        "summary": summary, "operationId": op, "tags": ["plan"],
        "parameters": params,
        "responses": {
            "200": {"description": desc, "content": {
                ctype: {"schema": schema or ({"type": "object"}
                        if ctype == "application/json"
                        else {"type": "string"})}}},
            "400": PROBLEM, "404": PROBLEM}}}


READ = {
    "/api/v1/plan": get(
        "Results framework: the set loaded and the tree priorities -> "
        "outputs -> KPIs with value, baseline, target and status",
        "getPlan", [YEAR], "application/json",
        "{set: {name, illustrative, version, note, plan_version}, year, "
        "priorities: [{id, name, outputs: [{id, name, kpis: [...]}]}]}"),
    "/api/v1/plan/progress": get(
        "One row per KPI: value, baseline, target and status "
        "(achieved, on track, at risk, off track, no data)",
        "getPlanProgress",
        [YEAR, {"name": "format", "in": "query", "required": False,
                "schema": {"type": "string", "enum": ["json", "csv"]}}],
        "application/json",
        "KPI progress; CSV columns kpi,element,value,baseline,target,status"),
    "/api/v1/plan/links": get(
        "Traceability for a target whose id has a slash (q:Q1/1)",
        "getPlanLinksByQuery",
        [YEAR, {"name": "target", "in": "query", "required": True,
                "schema": {"type": "string"}, "example": "q:Q1/1"}],
        "application/json",
        "Everything that contributes to the target and how it is doing"),
    "/api/v1/plan/links/{target}": get(
        "Traceability: everything linked to a linkage target or element "
        "(sdg:9.c, wsis:C2, res:WTDC-37, ri:AFR1, P1) and its status",
        "getPlanLinks",
        [YEAR, {"name": "target", "in": "path", "required": True,
                "schema": {"type": "string"}, "example": "sdg:9.c"}],
        "application/json",
        "The target, the elements linked to it with their KPIs and status"),
    "/api/v1/plan/matrix": get(
        "Priorities x linkage types with link counts; KPIs without data; "
        "elements without a KPI", "getPlanMatrix", [YEAR],
        "application/json", "The traceability matrix"),
    "/api/v1/plan/report": get(
        "The monitoring report for a year (printable HTML, as a download)",
        "getPlanReport", [YEAR], "text/html", "HTML report"),
    "/api/v1/plan/iati": get(
        "Technical-assistance projects as IATI activity XML 2.03",
        "getPlanIati",
        [{"name": "org", "in": "query", "required": False,
          "description": "Reporting organisation identifier.",
          "schema": {"type": "string"}, "example": "XI-IATI-ITU"}],
        "application/xml", "iati-activities version 2.03"),
}

SECURITY = [{"bearerAuth": []}, {"cookieAuth": [], "csrfHeader": []}]
ELEMENT = {
    "type": "object",
    "description": "An element in the set-file form of data/plan "
                   "(as `ictdev plan put` takes it)",
    "required": ["kind", "name"],
    "properties": {
        "id": {"type": "string", "example": "K91"},
        "kind": {"type": "string", "enum": [
            "priority", "product", "enabler", "output", "result", "kpi",
            "project", "activity"]},
        "parent": {"type": "string", "example": "O5.2"},
        "name": {"type": "string"},
        "description": {"type": "string"},
        "unit": {"type": "string"},
        "direction": {"type": "string", "enum": ["up", "down"]},
        "measure": {"type": "string", "enum": ["computed", "reported"]},
        "expr": {"type": "string", "description":
                 "computed KPIs: an expression over the statistics"},
        "economy": {"type": "string"},
        "baseline": {"type": "object", "properties": {
            "value": {"type": "number"}, "year": {"type": "integer"}}},
        "target": {"type": "object", "properties": {
            "value": {"type": "number"}, "year": {"type": "integer"},
            "source": {"type": "string"}}},
    },
    "example": {"id": "K91", "kind": "kpi", "parent": "O5.2",
                "name": "Trainings held", "unit": "economies",
                "direction": "up", "measure": "reported",
                "baseline": {"value": 0, "year": 2022},
                "target": {"value": 5, "year": 2025}},
}
CHANGED = {"description": "The change, saved as a new plan version "
                          "(`ictdev plan history`) and in the audit log",
           "content": {"application/json": {"schema": {
               "type": "object",
               "properties": {"version": {"type": "integer"},
                              "action": {"type": "string"},
                              "by": {"type": "string"}}}}}}
DENIED = {
    "401": dict(PROBLEM, description="No or bad credentials "
                "(WWW-Authenticate: Bearer); nothing written"),
    "403": dict(PROBLEM, description="Role not allowed (focal, viewer) "
                "or missing CSRF token; nothing written"),
}


def write(summary, op, ok, body=None, params=None, extra=None):
    o = {"summary": summary + ". Roles: admin, analyst.",
         "operationId": op, "tags": ["plan"], "security": SECURITY,
         "parameters": params or [],
         "responses": dict({ok: CHANGED, "400": FIELD_PROBLEM,
                            "422": FIELD_PROBLEM}, **DENIED, **(extra or {}))}
    if body is not None:
        o["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": body}}}
    return o


ID = {"name": "id", "in": "path", "required": True,
      "schema": {"type": "string"}, "example": "K91"}
WRITE = {
    "/api/v1/plan/elements": {"post": write(
        "Create an element (or replace the one with the same id); rejected "
        "with 422 naming the field for an unknown parent, a KPI expression "
        "that does not parse, a target year before the baseline, a cycle",
        "createPlanElement", "201", ELEMENT)},
    "/api/v1/plan/elements/{id}": {
        "put": write("Replace element id (the body's id, if given, must "
                     "match)", "putPlanElement", "200", ELEMENT, [ID]),
        "delete": write("Delete element id and its outgoing links",
                        "deletePlanElement", "200", None, [ID],
                        {"404": PROBLEM, "409": dict(
                            PROBLEM, description="Children, links to it or "
                            "reported values still refer to it")})},
    "/api/v1/plan/links": {
        "post": write("Add a typed, directed link from an element to an "
                      "element or linkage target", "createPlanLink", "201",
                      {"type": "object", "required": ["from", "to"],
                       "properties": {
                           "from": {"type": "string", "example": "K91"},
                           "to": {"type": "string", "example": "sdg:9.c"},
                           "type": {"type": "string", "enum": [
                               "contributes", "measures", "implements",
                               "supports"], "default": "contributes"}}},
                      None, {"409": PROBLEM}),
        "delete": write("Delete a link", "deletePlanLink", "200", None,
                        [{"name": "from", "in": "query", "required": True,
                          "schema": {"type": "string"}},
                         {"name": "to", "in": "query", "required": True,
                          "schema": {"type": "string"}}],
                        {"404": PROBLEM})},
    "/api/v1/plan/values": {
        "post": write("Report a value of a reported KPI with its evidence "
                      "(a new revision; earlier ones are kept)",
                      "reportPlanValue", "201",
                      {"type": "object", "required": ["kpi", "year", "value"],
                       "properties": {
                           "kpi": {"type": "string", "example": "K91"},
                           "year": {"type": "integer", "minimum": 1900,
                                    "maximum": 2100},
                           "value": {"type": "number"},
                           "note": {"type": "string"},
                           "link": {"type": "string", "format": "uri"},
                           "sha256": {"type": "string",
                                      "pattern": "^[0-9a-f]{64}$",
                                      "description": "hash of an evidence "
                                      "file"}}}),
        "delete": write("Withdraw the value of (kpi, year) (a revision that "
                        "marks it withdrawn)", "withdrawPlanValue", "200",
                        None,
                        [{"name": "kpi", "in": "query", "required": True,
                          "schema": {"type": "string"}},
                         {"name": "year", "in": "query", "required": True,
                          "schema": {"type": "integer"}},
                         {"name": "note", "in": "query", "required": False,
                          "schema": {"type": "string"}}])},
}


def c_string(name, text, comment):
    out = ["/* %s */" % comment, "const char %s[] =" % name]
    esc = text.replace("\\", "\\\\").replace('"', '\\"')
    chunks = [esc[i:i + 70] for i in range(0, len(esc), 70)]
    # never split an escape sequence
    fixed = []
    carry = ""
    for ch in chunks:
        ch = carry + ch
        carry = ""
        n = len(ch) - len(ch.rstrip("\\"))
        if n % 2 == 1:
            carry, ch = "\\", ch[:-1]
        fixed.append(ch)
    if carry:
        fixed.append(carry)
    out += ['    "%s"' % ch for ch in fixed]
    out[-1] += ";"
    return "\n".join(out) + "\n"


def members(d):
    """The members of a JSON object, without braces, with a trailing
    comma: spliced first inside "paths"."""
    return json.dumps(d, separators=(",", ":"), ensure_ascii=False)[1:-1] + ","


ALL = {k: dict(v) for k, v in READ.items()}
for k, v in WRITE.items():
    ALL.setdefault(k, {}).update(v)

with open("src/http/openapi_plan.inc", "w") as f:
    f.write("/* The OpenAPI paths of plan_http.c, generated by "
            "scripts/openapi_plan.py;\n * edit that and run it again. */\n")
    f.write(c_string("openapi_plan_paths", members(READ),
                     "Read endpoints only: without data collection."))
    f.write(c_string("openapi_plan_all_paths", members(ALL),
                     "Read and write endpoints: with data collection on "
                     "(which brings\n * the security schemes they name)."))
