#!/usr/bin/env python3
"""End-to-end checks of the computed-results endpoints (/api/v1/aggregates,
/api/v1/idi, /api/v1/affordability) and pages (/, /idi, economy profiles)
against a running server, with values compared to the CLI's output for the
same store. Usage: results_test.py PORT DB BIN. Prints "ok NAME" /
"FAIL NAME: why" per check and "N passed, N failed" last."""
import csv
import html.parser
import http.client
import io
import json
import subprocess
import sys

PORT, DB, BIN = int(sys.argv[1]), sys.argv[2], sys.argv[3]
passed = failed = 0


def req(path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, hdrs, data


def check(name, cond, why=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + str(why)[:300] if why else ""))


def cli(*args):
    p = subprocess.run([BIN, "--db", DB] + list(args), capture_output=True,
                       text=True, timeout=120)
    return p.returncode, p.stdout


def problem(name, path, status, param=None):
    st, h, b = req(path)
    ok = st == status
    why = "status %d %s" % (st, b[:200])
    if ok:
        try:
            p = json.loads(b)
            ok = (h.get("content-type", "").startswith(
                "application/problem+json") and p["status"] == status)
            if param:
                ok = ok and param in p.get("detail", "")
        except Exception as e:  # noqa: BLE001
            ok, why = False, e
    check(name, ok, why)


def rnd(x, d):
    return None if x is None else round(float(x), d)


# ---- aggregates ----
q = "/api/v1/aggregates?indicator=i99H&group=WLD,AFR&years=2012:2023"
st, h, b = req(q)
check("aggregates JSON 200", st == 200 and
      h.get("content-type", "").startswith("application/json"), st)
items = json.loads(b)["items"] if st == 200 else []
check("aggregates JSON has rows", len(items) > 10, len(items))
st, h, b = req(q + "&format=csv")
check("aggregates CSV 200", st == 200 and
      h.get("content-type", "").startswith("text/csv"), st)
rows = list(csv.DictReader(io.StringIO(b.decode())))
check("aggregates CSV parses like JSON", len(rows) == len(items) and
      rows[0]["group"] == items[0]["group"] and
      float(rows[0]["value"]) == items[0]["value"])
st, h, b2 = req(q, {"Accept": "text/csv"})
check("aggregates Accept: text/csv", b2 == b)
for g in ["WLD", "AFR"]:
    rc, out = cli("aggregate", "--indicator", "i99H", "--group", g,
                  "--years", "2012:2023", "--no-store", "--format", "csv")
    want = [r for r in csv.DictReader(io.StringIO(out)) if r["value"]]
    got = {it["year"]: it for it in items if it["group"] == g}
    bad = [r for r in want
           if int(r["year"]) not in got
           or rnd(got[int(r["year"])]["value"], 6) != rnd(r["value"], 6)
           or rnd(got[int(r["year"])]["coverage"], 1) != rnd(r["coverage"], 1)
           or got[int(r["year"])]["method"] != r["method"]]
    check("aggregates %s = ictdev aggregate (%d years)" % (g, len(want)),
          rc == 0 and len(want) > 5 and not bad, bad[:2])
check("aggregates computed rows carry coverage and method",
      all(it["coverage"] is not None and it["method"] == "itu"
          for it in items if it["computed"]))
st, h, b = req("/api/v1/aggregates?group=EUR")
check("aggregates by group only", st == 200 and
      all(it["group"] == "EUR" for it in json.loads(b)["items"]))
etag = h.get("etag")
st, h, b = req("/api/v1/aggregates?group=EUR", {"If-None-Match": etag or ""})
check("aggregates ETag/304", etag and st == 304, st)
problem("aggregates 404 unknown group", "/api/v1/aggregates?group=NOPE",
        404, "NOPE")
problem("aggregates 404 economy is not a group",
        "/api/v1/aggregates?group=KEN", 404, "KEN")
problem("aggregates 404 unknown indicator",
        "/api/v1/aggregates?indicator=nope", 404)
problem("aggregates 400 bad code", "/api/v1/aggregates?group=a%20b", 400,
        "group")
problem("aggregates 400 bad years", "/api/v1/aggregates?years=20x", 400,
        "years")
problem("aggregates 400 bad format", "/api/v1/aggregates?format=xml", 400,
        "format")
problem("aggregates 400 unknown parameter", "/api/v1/aggregates?foo=1", 400,
        "foo")

# ---- IDI ----
st, h, b = req("/api/v1/idi?year=2022")
check("idi JSON 200", st == 200, st)
j = json.loads(b) if st == 200 else {}
check("idi labelled a reproduction", j.get("reproduction") is True and
      j.get("unverified_parameters", 0) > 0 and "reproduction" in
      j.get("label", "").lower())
check("idi has economies and groups", len(j.get("economies", [])) > 50 and
      len(j.get("groups", [])) > 3)
st, h, b = req("/api/v1/idi?year=2022&format=csv")
rc, out = cli("idi", "--year", "2022", "--format", "csv")
check("idi CSV = ictdev idi --year 2022 --format csv",
      st == 200 and rc == 0 and b.decode().replace("\r\n", "\n") == out,
      (b[:200], out[:200]))
got = {r["economy"]: r for r in csv.DictReader(io.StringIO(b.decode()))}
bad = [e for e in j.get("economies", [])
       if e["economy"] not in got
       or rnd(e["idi"], 2) != rnd(got[e["economy"]]["idi"], 2)
       or str(e["rank"]) != got[e["economy"]]["rank"]]
check("idi JSON agrees with CSV", not bad, bad[:2])
e0 = j["economies"][0]["economy"] if j.get("economies") else "ABW"
st, h, b = req("/api/v1/idi?year=2022&economy=" + e0)
x = json.loads(b) if st == 200 else {}
check("idi explain JSON", st == 200 and x.get("economy") == e0 and
      len(x.get("explain", [])) >= 8 and
      abs(sum(i["contribution"] for i in x["explain"]
              if i["contribution"] is not None) - x["idi"]) < 1e-6, x)
st, h, b = req("/api/v1/idi?year=2022&economy=%s&format=csv" % e0)
rc, out = cli("idi", "--year", "2022", "--explain", e0)
api = b.decode().replace("\r\n", "\n").splitlines()
check("idi explain CSV = ictdev idi --explain (indicator rows)",
      st == 200 and api == out.splitlines()[:len(api)] and len(api) > 8,
      (api[:3], out.splitlines()[:3]))
problem("idi 400 without year", "/api/v1/idi", 400, "year")
problem("idi 400 bad year", "/api/v1/idi?year=abc", 400, "year")
problem("idi 400 year out of range", "/api/v1/idi?year=3000", 400, "year")
problem("idi 404 economy without inputs", "/api/v1/idi?year=2022&economy=ZZZ",
        404, "ZZZ")
problem("idi 400 bad economy code", "/api/v1/idi?year=2022&economy=%3Cx%3E",
        400, "economy")

# ---- affordability ----
st, h, b = req("/api/v1/affordability?year=2022")
a = json.loads(b) if st == 200 else {}
check("affordability JSON 200", st == 200 and a.get("target_pct") == 2 and
      len(a.get("economies", [])) > 20 and len(a.get("groups", [])) > 3)
rc, out = cli("afford", "--year", "2022")
parts = out.split("\n\n")
want_e = {r["economy"]: r for r in csv.DictReader(io.StringIO(parts[0]))}
want_g = {r["group"]: r for r in csv.DictReader(io.StringIO(parts[1]))}
bad = [e for e in a.get("economies", [])
       if rnd(e["pct_gni"], 2) != rnd(want_e[e["economy"]]["pct_gni"] or None,
                                      2)
       or (e["meets_target"] is True) != (want_e[e["economy"]]["meets_2pct"]
                                          == "1")]
check("affordability economies = ictdev afford", rc == 0 and not bad and
      len(want_e) == len(a.get("economies", [])), bad[:2])
bad = [g for g in a.get("groups", [])
       if rnd(g["median_pct"], 2) != rnd(want_g[g["group"]]["median_pct"], 2)
       or g["meeting_target"] != int(want_g[g["group"]]["meeting_2pct"])]
check("affordability group medians = ictdev afford", not bad and
      len(want_g) == len(a.get("groups", [])), bad[:2])
st, h, b = req("/api/v1/affordability?year=2022&format=csv")
rows = list(csv.DictReader(io.StringIO(b.decode())))
check("affordability CSV parses", st == 200 and
      len(rows) == len(a["economies"]) + len(a["groups"]) and
      {r["kind"] for r in rows} == {"economy", "group"})
st, h, b = req("/api/v1/affordability?year=2022&basket=mobile")
check("affordability mobile basket", st == 200 and
      json.loads(b)["price_indicator"] == "i271mb_5GB_USD")
problem("affordability 400 without year", "/api/v1/affordability", 400,
        "year")
problem("affordability 400 bad basket",
        "/api/v1/affordability?year=2022&basket=gold", 400, "basket")

# ---- OpenAPI ----
st, h, b = req("/api/v1/openapi.json")
try:
    doc = json.loads(b)
    ok = all(p in doc["paths"] for p in
             ["/api/v1/aggregates", "/api/v1/idi", "/api/v1/affordability",
              "/api/v1/data"])
except Exception as e:  # noqa: BLE001
    ok = False
check("OpenAPI lists the results endpoints", ok)


# ---- pages ----
class Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables = []
        self.cur = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([dict(attrs).get("class", ""), 0])
        if tag == "tr" and self.tables:
            self.tables[-1][1] += 1


st, h, b = req("/idi?year=2022")
p = Cells()
p.feed(b.decode())
rank_rows = [t[1] - 1 for t in p.tables if t[0] == "idi-rank"]
check("/idi page 200, reproduction note", st == 200 and
      b"Reproduction" in b and len(b) < 150000, (st, len(b)))
check("/idi ranking has one row per scored economy",
      rank_rows == [len(j.get("economies", []))], rank_rows)
st, h, b = req("/idi")
check("/idi without year picks a year with scores", st == 200 and
      b.count(b"<tr>") > 50)
st, h, b = req("/idi?year=abc")
check("/idi bad year 400", st == 400)
st, h, b = req("/")
check("home shows aggregates with coverage", st == 200 and
      b"coverage " in b and b"<svg" in b and len(b) < 150000)
st, h, b = req("/economies/" + e0)
check("economy profile has IDI and affordability", st == 200 and
      b"Universal connectivity" in b and b"Affordability" in b and
      b"Reproduction" in b and len(b) < 150000)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
